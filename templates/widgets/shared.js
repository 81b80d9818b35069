// What the three widgets share: the Apps SDK bridge (window.openai), building DOM nodes, a
// small Markdown renderer and the error / empty states. Every piece of course text becomes a
// text node, never HTML, so the text stays verbatim and nothing in it can run.
"use strict";

const Widget = (() => {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function safeUrl(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : null;
  }

  // Inline Markdown: `code`, **strong**, *em* / _em_, [text](url), ![alt](url or media:name).
  const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|\b_([^_]+)_\b/g;

  function inline(text, mediaUrls) {
    const out = [];
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      if (match.index > last) out.push(text.slice(last, match.index));
      const [whole, , code, alt, src, label, href, strong1, strong2, em1, em2] = match;
      if (code !== undefined) out.push(el("code", {}, code));
      else if (src !== undefined) {
        const url = src.startsWith("media:") ? (mediaUrls || {})[src.slice(6)] : safeUrl(src);
        out.push(url ? el("img", { src: url, alt: alt }) : el("span", { class: "muted" }, `[${alt}]`));
      } else if (href !== undefined) {
        const url = safeUrl(href);
        out.push(url ? el("a", { href: url, target: "_blank", rel: "noopener" }, inline(label, mediaUrls)) : label);
      } else if (strong1 !== undefined || strong2 !== undefined) {
        out.push(el("strong", {}, inline(strong1 ?? strong2, mediaUrls)));
      } else if (em1 !== undefined || em2 !== undefined) {
        out.push(el("em", {}, inline(em1 ?? em2, mediaUrls)));
      } else out.push(whole);
      last = match.index + whole.length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  // Block Markdown: fenced code, headings, lists, block quotes, paragraphs.
  function markdown(source, mediaUrls) {
    const lines = String(source || "").replace(/\r\n?/g, "\n").split("\n");
    const blocks = [];
    let i = 0;
    const isBlockStart = (line) => /^(```|~~~|#{1,6}\s|\s*([-*+]|\d+[.)])\s|>)/.test(line);
    while (i < lines.length) {
      const line = lines[i];
      const fence = line.match(/^(```|~~~)\s*([\w+-]*)/);
      if (fence) {
        const body = [];
        for (i += 1; i < lines.length && !lines[i].startsWith(fence[1]); i += 1) body.push(lines[i]);
        i += 1;
        const code = el("code", fence[2] ? { class: `language-${fence[2]}` } : {}, body.join("\n"));
        blocks.push(el("pre", {}, code));
        continue;
      }
      const heading = line.match(/^(#{1,6})\s+(.*?)\s*#*\s*$/);
      if (heading) {
        // The widget's own title is h1: course headings start one level below it.
        const level = Math.min(6, heading[1].length + 1);
        blocks.push(el(`h${level}`, {}, inline(heading[2], mediaUrls)));
        i += 1;
        continue;
      }
      const item = line.match(/^\s*([-*+]|\d+[.)])\s+/);
      if (item) {
        const ordered = /\d/.test(item[1]);
        const list = el(ordered ? "ol" : "ul");
        while (i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i])) {
          list.append(el("li", {}, inline(lines[i].replace(/^\s*([-*+]|\d+[.)])\s+/, ""), mediaUrls)));
          i += 1;
        }
        blocks.push(list);
        continue;
      }
      if (line.startsWith(">")) {
        const quoted = [];
        for (; i < lines.length && lines[i].startsWith(">"); i += 1) quoted.push(lines[i].replace(/^>\s?/, ""));
        blocks.push(el("blockquote", {}, markdown(quoted.join("\n"), mediaUrls)));
        continue;
      }
      if (!line.trim()) {
        i += 1;
        continue;
      }
      const paragraph = [];
      for (; i < lines.length && lines[i].trim() && !isBlockStart(lines[i]); i += 1) paragraph.push(lines[i]);
      if (!paragraph.length) paragraph.push(lines[i++]);
      blocks.push(el("p", {}, inline(paragraph.join("\n"), mediaUrls)));
    }
    return blocks;
  }

  function notice(title, message, tone) {
    return el("div", { class: `notice ${tone || ""}`, role: tone === "error" ? "alert" : null },
      el("strong", {}, title), el("p", {}, message));
  }

  // A tool error carries {"error": {code, message, details}}: a locked chapter names its tier.
  function errorNotice(error) {
    const details = error.details || {};
    if (details.required_tier) {
      return notice(`Needs the ${details.required_tier} tier`, error.message, "error");
    }
    return notice("Something went wrong", error.message || error.code || "Unknown error.", "error");
  }

  function bridge() {
    return window.openai || {};
  }

  // Renders now, and again whenever ChatGPT hands the widget new globals (toolOutput arrives
  // after the frame has loaded).
  function mount(render) {
    const root = document.getElementById("root");
    const draw = () => {
      const output = bridge().toolOutput;
      let view;
      try {
        if (!output || typeof output !== "object" || !Object.keys(output).length) {
          view = notice("Nothing to show yet", "Ask for something and it appears here.");
        } else if (output.error) {
          view = errorNotice(output.error);
        } else {
          view = render(output);
        }
      } catch (failure) {
        console.error(failure);
        view = notice("Cannot show this", "The answer had an unexpected shape.", "error");
      }
      root.replaceChildren(view);
    };
    window.addEventListener("openai:set_globals", draw);
    draw();
  }

  return { el, inline, markdown, notice, errorNotice, bridge, mount };
})();
