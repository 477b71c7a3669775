// Conditional reveal: show a follow-up question only when its choice is picked.
// Without JavaScript every follow-up stays visible with a hint saying when to answer it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function update(container) {
    var parent = container.getAttribute("data-reveal-parent");
    var values = container.getAttribute("data-reveal-values").split(" ");
    var inputs = document.querySelectorAll('input[name="' + parent + '"]');
    var show = false;
    inputs.forEach(function (input) {
      if (input.checked && values.indexOf(input.value) !== -1) { show = true; }
    });
    container.hidden = !show;
    // aria-controls names every follow-up a choice reveals. No aria-expanded: ARIA does
    // not allow it on radios and checkboxes (axe: aria-allowed-attr).
    inputs.forEach(function (input) {
      if (values.indexOf(input.value) === -1) { return; }
      var ids = (input.getAttribute("aria-controls") || "").split(" ").filter(Boolean);
      if (ids.indexOf(container.id) === -1) {
        ids.push(container.id);
        input.setAttribute("aria-controls", ids.join(" "));
      }
    });
  }

  function init() {
    var containers = document.querySelectorAll("[data-reveal-parent]");
    containers.forEach(function (container) {
      update(container);
      var parent = container.getAttribute("data-reveal-parent");
      document.querySelectorAll('input[name="' + parent + '"]').forEach(function (input) {
        input.addEventListener("change", function () { update(container); });
      });
    });
    // The error summary takes focus so screen readers announce it.
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
    // Error links move focus to the field itself, not just scroll to it.
    document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) { return; }
        event.preventDefault();
        var group = target.closest(".form-group");
        (group || target).scrollIntoView();
        target.focus();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
