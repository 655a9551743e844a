// Tide console: the little behaviour htmx does not give for free. Everything works without it
// except live updates and the copy buttons.
(function () {
  "use strict";

  // htmx requests carry the CSRF token, like every form does.
  document.addEventListener("htmx:configRequest", function (e) {
    var token = document.querySelector('meta[name="csrf-token"]');
    var header = document.querySelector('meta[name="csrf-header"]');
    if (token && header) {
      e.detail.headers[header.content] = token.content;
    }
  });

  // Copy a secret shown once to the clipboard.
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(source, done); });
    } else {
      fallbackCopy(source, done);
    }
  });

  function fallbackCopy(source, done) {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { document.execCommand("copy"); done(); } catch (ignored) { /* the text stays selected */ }
  }

  // Ask before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (e) {
    var message = e.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      e.preventDefault();
    }
  }, true);

  // Server-sent events: an element with data-sse-src re-fetches itself (hx-trigger="refresh")
  // whenever the stream says something happened, a few times a second at most.
  function connectStreams(root) {
    root.querySelectorAll("[data-sse-src]").forEach(function (el) {
      if (el.__tideStream) return;
      var source = new EventSource(el.getAttribute("data-sse-src"));
      el.__tideStream = source;
      var pending = null;
      var refresh = function () {
        if (pending) return;
        pending = setTimeout(function () {
          pending = null;
          var target = document.getElementById(el.getAttribute("data-sse-target")) || el;
          htmx.trigger(target, "refresh");
        }, 250);
      };
      source.addEventListener("deployment", refresh);
      source.addEventListener("target", refresh);
      source.addEventListener("end", function () {
        source.close();
        el.setAttribute("data-sse-state", "ended");
        refresh();
      });
      source.onopen = function () { el.setAttribute("data-sse-state", "open"); };
    });
  }

  // Charts: <canvas data-chart="id-of-a-json-script">.
  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.__tideChart) return;
      var config = JSON.parse(document.getElementById(canvas.getAttribute("data-chart")).textContent);
      config.options = config.options || {};
      config.options.maintainAspectRatio = false;
      config.options.animation = false;
      canvas.__tideChart = new Chart(canvas, config);
    });
  }

  function init(root) {
    connectStreams(root);
    drawCharts(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
})();
