// Live Markdown preview for the admin: every textarea with data-markdown-preview gets a pane
// beside it showing the server's sanitised rendering (content/markdown_preview.py), refreshed
// shortly after the editor stops typing. No build step, no dependencies.
(function () {
  "use strict";
  var DELAY_MS = 250;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function chapterOf(textarea) {
    var chapter = textarea.getAttribute("data-chapter");
    return chapter === null ? null : parseInt(chapter, 10);
  }

  function paneFor(textarea) {
    if (textarea.markdownPane) return textarea.markdownPane;
    var wrapper = document.createElement("div");
    wrapper.className = "markdown-editor";
    textarea.parentNode.insertBefore(wrapper, textarea);
    wrapper.appendChild(textarea);
    var pane = document.createElement("div");
    pane.className = "markdown-preview";
    pane.setAttribute("aria-live", "polite");
    pane.setAttribute("aria-label", "Preview");
    var label = document.createElement("div");
    label.className = "markdown-preview-label";
    label.textContent = "Preview";
    var body = document.createElement("div");
    body.className = "markdown-preview-body";
    var warning = document.createElement("div");
    warning.className = "markdown-preview-warning";
    pane.appendChild(label);
    pane.appendChild(warning);
    pane.appendChild(body);
    wrapper.appendChild(pane);
    textarea.markdownPane = { body: body, warning: warning, sequence: 0 };
    return textarea.markdownPane;
  }

  function refresh(textarea) {
    var pane = paneFor(textarea);
    var sequence = ++pane.sequence;
    fetch(textarea.getAttribute("data-markdown-preview"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ text: textarea.value, chapter: chapterOf(textarea) }),
    })
      .then(function (response) {
        if (!response.ok) throw new Error("preview answered " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (sequence !== pane.sequence) return; // a newer keystroke already asked again
        // The server sanitised this HTML with nh3; it is the only HTML inserted here.
        pane.body.innerHTML = data.html;
        pane.warning.textContent = data.unknown_media.length
          ? "Unknown media: " + data.unknown_media.join(", ")
          : "";
        textarea.dispatchEvent(new CustomEvent("markdown-preview:updated", { bubbles: true }));
      })
      .catch(function (error) {
        pane.warning.textContent = "Preview unavailable (" + error.message + ")";
      });
  }

  function schedule(textarea) {
    clearTimeout(textarea.markdownTimer);
    textarea.markdownTimer = setTimeout(function () {
      refresh(textarea);
    }, DELAY_MS);
  }

  function isEditor(node) {
    return node && node.matches && node.matches("textarea[data-markdown-preview]");
  }

  function initialise(root) {
    root.querySelectorAll("textarea[data-markdown-preview]").forEach(function (textarea) {
      // Django's empty inline template (__prefix__) is cloned later; it gets its pane then.
      if (textarea.name.indexOf("__prefix__") === -1) refresh(textarea);
    });
  }

  document.addEventListener("input", function (event) {
    if (isEditor(event.target)) schedule(event.target);
  });
  document.addEventListener("formset:added", function (event) {
    initialise(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    initialise(document);
  });
})();
