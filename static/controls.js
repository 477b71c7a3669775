// Progressive enhancements for the client pages; every page works without them.
//  - "Exit this page": blank the page before leaving; Shift pressed three times exits too.
//  - Exclusive options: ticking "None of these" unticks the others, and the other way round
//    (the server still refuses both together).
//  - Character count: the characters left, announced politely, as GOV.UK's component.
//  - Copy button for the resume code.
(function () {
  "use strict";

  function exitPage(link) {
    var overlay = document.createElement("div");
    overlay.className = "exit-this-page-overlay";
    document.body.appendChild(overlay);
    document.title = link.getAttribute("data-exiting-title") || "Exiting page";
    document.querySelectorAll("main, header, footer").forEach(function (el) { el.hidden = true; });
    window.location.href = link.href;
  }

  function initExit() {
    var link = document.querySelector(".exit-this-page-button");
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      exitPage(link);
    });
    var presses = 0;
    var timer = null;
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") { presses = 0; return; }
      presses += 1;
      clearTimeout(timer);
      timer = setTimeout(function () { presses = 0; }, 5000);
      if (presses >= 3) { exitPage(link); }
    });
  }

  function initExclusive() {
    document.querySelectorAll(".checkboxes").forEach(function (group) {
      var boxes = group.querySelectorAll("input[type=checkbox]");
      boxes.forEach(function (box) {
        box.addEventListener("change", function () {
          if (!box.checked) { return; }
          var alone = box.hasAttribute("data-exclusive");
          boxes.forEach(function (other) {
            if (other !== box && (alone || other.hasAttribute("data-exclusive"))) {
              other.checked = false;
            }
          });
        });
      });
    });
  }

  function initCount() {
    document.querySelectorAll("[data-character-count]").forEach(function (group) {
      var most = parseInt(group.getAttribute("data-character-count"), 10);
      var field = group.querySelector("input, textarea");
      var message = group.querySelector(".character-count-message");
      if (!field || !message) { return; }
      var live = document.createElement("div");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      group.appendChild(live);
      var pending = null;
      // the words come translated from the page (data-remaining-one, ...), "{count}" filled in
      function say(name, count, fallback) {
        return (message.getAttribute("data-" + name) || fallback).replace("{count}", count);
      }
      function words() {
        var left = most - field.value.length;
        if (left === 1) { return say("remaining-one", 1, "You have 1 character remaining"); }
        if (left >= 0) {
          return say("remaining-many", left, "You have {count} characters remaining");
        }
        if (left === -1) { return say("over-one", 1, "You have 1 character too many"); }
        return say("over-many", -left, "You have {count} characters too many");
      }
      function update() {
        message.textContent = words();
        message.classList.toggle("character-count-message--over", field.value.length > most);
        clearTimeout(pending);  // announce once typing pauses, not every key
        pending = setTimeout(function () { live.textContent = words(); }, 1000);
      }
      field.addEventListener("input", update);
      message.textContent = words();
    });
  }

  function initCopy() {
    var button = document.querySelector(".copy-button");
    if (!button || !navigator.clipboard) { return; }
    var wrap = button.closest(".copy-wrap");
    var status = wrap.querySelector(".copy-status");
    wrap.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        status.textContent = button.getAttribute("data-copied") || "Copied. Keep it somewhere private.";
      }, function () {
        status.textContent = button.getAttribute("data-copy-failed") ||
          "Could not copy: please write the code down.";
      });
    });
  }

  function init() {
    initExit();
    initExclusive();
    initCount();
    initCopy();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
