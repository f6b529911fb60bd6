/* Sejahtera — the little behaviour htmx attributes cannot express. Pages work without it. */
(function () {
  "use strict";

  // Region cascade: a <select data-cascade> asks regions:children for the next level's options,
  // naming its value "parent" whatever the select itself is called.
  document.addEventListener("htmx:configRequest", function (e) {
    var el = e.detail.elt;
    if (el && el.hasAttribute && el.hasAttribute("data-cascade")) {
      if (!el.value) { e.preventDefault(); return; }  // "all": nothing to load below it
      e.detail.parameters.parent = el.value;
    }
  });

  // When a level changes, the levels below it no longer apply: keep only their "all" option
  // (the next level is then refilled by the response).
  document.addEventListener("change", function (e) {
    var el = e.target;
    var below = el && el.getAttribute ? el.getAttribute("data-cascade-clear") : null;
    if (!below) { return; }
    var ids = below.split(",");
    for (var i = 0; i < ids.length; i++) {
      var select = document.getElementById(ids[i]);
      if (select) { select.length = 1; select.selectedIndex = 0; }
    }
  });
})();
