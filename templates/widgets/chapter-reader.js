// Chapter reader: a chapter (get_chapter) or one section (get_section), Markdown rendered as
// DOM text nodes so the course text is shown exactly as written.
"use strict";

(() => {
  const { el, markdown, mount } = Widget;

  function sectionView(section, mediaUrls) {
    return el("section", { class: "course-section", "data-section-id": section.id },
      el("h2", {}, section.title),
      markdown(section.content, mediaUrls));
  }

  mount((data) => {
    const mediaUrls = data.media_urls || {};
    if (Array.isArray(data.sections)) {
      const meta = [
        `Chapter ${data.order}`,
        data.estimated_minutes ? `${data.estimated_minutes} min` : null,
        data.difficulty_level,
        data.completed ? "completed" : null,
      ].filter(Boolean).join(" · ");
      return el("article", { class: "chapter" },
        el("h1", {}, data.title),
        el("p", { class: "meta" }, meta),
        data.sections.length
          ? data.sections.map((section) => sectionView(section, mediaUrls))
          : el("p", { class: "muted" }, "This chapter has no sections yet."));
    }
    return el("article", { class: "section" },
      el("h1", {}, data.title),
      markdown(data.content, mediaUrls));
  });
})();
