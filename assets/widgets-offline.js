// Runs on pages with Jupyter widgets, between RequireJS and the widget manager
// (`nb_ipywidgets_js` in _config.yml). Both are served from _static/vendor/, so the widgets
// of a page work without a network.
(function () {
  "use strict";

  // The widget manager's bundle (embed-amd.js) finds its font files next to the URL of its
  // AMD module, which RequireJS would resolve relative to the page. Map the module to the
  // folder the Makefile copies the bundle and its fonts into: _static/vendor/html-manager/.
  var vendor = new URL("vendor/html-manager", document.currentScript.src).href;
  window.requirejs.config({ paths: { "@jupyter-widgets/html-manager/dist": vendor } });

  // ipywidgets typesets widget labels with MathJax 2's `MathJax.Hub.Queue`
  // (jupyter-widgets/ipywidgets#3829); the book loads MathJax 3, which has no `Hub`, and
  // whose page configuration knows only \( \) and \[ \] (MyST rewrites the book's `$`).
  // Forward those calls to MathJax 3, rewriting the `$` delimiters that widget
  // descriptions use. MathJax is deferred, so it has started by DOMContentLoaded, and the
  // widgets render later, on `load`.
  function dollarsToBrackets(element) {
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      node.nodeValue = node.nodeValue
        .replace(/\$\$([^$]+)\$\$/g, "\\[$1\\]")
        .replace(/\$([^$]+)\$/g, "\\($1\\)");
    }
  }

  // ipywidgets 8 draws a slider's handle with noUiSlider as an element with role=slider
  // and no accessible name; the description <label> beside it is not tied to it, so a
  // screen reader announces an unnamed slider. Tie each handle to its label as widgets
  // render (they render after `load`, and again when a reader's page redraws them).
  // One query per batch of DOM changes: MathJax adds thousands of nodes to the same page.
  var labelCount = 0;
  function nameSliderHandles() {
    document.querySelectorAll(".widget-slider [role=slider]:not([aria-labelledby])").forEach(function (handle) {
      var label = handle.closest(".widget-slider").querySelector(".widget-label");
      if (!label || !label.textContent.trim()) {
        return;
      }
      if (!label.id) {
        labelCount += 1;
        label.id = "widget-slider-label-" + labelCount;
      }
      handle.setAttribute("aria-labelledby", label.id);
    });
  }
  new MutationObserver(nameSliderHandles).observe(document.documentElement, { childList: true, subtree: true });

  window.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub || !mathjax.startup) {
      return;
    }
    mathjax.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (call) {
          var element = Array.isArray(call) && call[0] === "Typeset" && call[2];
          if (element) {
            dollarsToBrackets(element);
            mathjax.startup.promise = mathjax.startup.promise
              .then(function () {
                return mathjax.typesetPromise([element]);
              })
              .catch(function (error) {
                console.error("MathJax could not typeset a widget label:", error);
              });
          }
        });
      },
    };
  });
})();
