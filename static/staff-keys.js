// Keyboard shortcuts on the staff pages: in the queue, j and k move between rows and Enter
// opens the row (its link has the focus); on a submission, j and k go to the next and
// previous one in the queue's order. Keys typed into a form field are left alone.
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    var tag = el && el.tagName ? el.tagName.toLowerCase() : "";
    return el && (el.isContentEditable || tag === "input" || tag === "textarea" || tag === "select");
  }

  function rowLinks() {
    return Array.prototype.slice.call(
      document.querySelectorAll("[data-queue] tbody th[scope=row] a")
    );
  }

  function focusRow(links, index) {
    links.forEach(function (link) { link.closest("tr").classList.remove("row--current"); });
    var link = links[index];
    link.closest("tr").classList.add("row--current");
    link.focus();
  }

  function moveInQueue(links, step) {
    var current = links.indexOf(document.activeElement);
    var next = current === -1 ? (step > 0 ? 0 : links.length - 1) : current + step;
    if (next >= 0 && next < links.length) { focusRow(links, next); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
    if (event.key !== "j" && event.key !== "k") { return; }
    var links = rowLinks();
    if (links.length) {
      event.preventDefault();
      moveInQueue(links, event.key === "j" ? 1 : -1);
      return;
    }
    var pager = document.querySelector('a[data-key="' + event.key + '"]');
    if (pager) {
      event.preventDefault();
      window.location.assign(pager.href);
    }
  });
})();
