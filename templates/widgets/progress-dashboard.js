// Progress dashboard: the streak, the chapters completed and the next recommended chapter
// (get_progress, update_progress); the streak alone for get_streak and check_in.
"use strict";

(() => {
  const { el, bridge, mount } = Widget;

  function streakCard(streak, onCheckedIn) {
    const status = el("p", { class: "muted", role: "status" });
    const button = streak.checked_in_today
      ? null
      : el("button", {
        type: "button",
        onclick: async () => {
          const callTool = bridge().callTool;
          if (!callTool) return;
          button.disabled = true;
          try {
            const response = await callTool("check_in", {});
            const fresh = response && (response.structuredContent || response.structured_content);
            if (fresh && !fresh.error) onCheckedIn(fresh);
            else status.textContent = "Could not check in; try again.";
          } catch (failure) {
            button.disabled = false;
            status.textContent = "Could not check in; try again.";
          }
        },
      }, "Check in for today");
    const days = streak.current_streak === 1 ? "day" : "days";
    return el("div", { class: "card streak-card" },
      el("div", { class: "streak" },
        el("span", { class: "streak-number", id: "streak-current" }, String(streak.current_streak)),
        el("span", {}, `${days} in a row`)),
      el("p", { class: "muted" },
        `Longest: ${streak.longest_streak} · ${streak.checked_in_today ? "checked in today" : "not checked in today"}`),
      button, status);
  }

  function chaptersCard(progress) {
    const percent = Math.max(0, Math.min(100, Number(progress.percent_complete) || 0));
    return el("div", { class: "card chapters-card" },
      el("strong", {}, "Chapters"),
      el("p", { id: "chapters-completed" },
        `${progress.chapters_completed} of ${progress.chapters_total} completed`),
      el("div", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": percent },
        el("span", { style: `width: ${percent}%` })),
      el("p", { class: "muted" },
        `Quizzes passed: ${progress.quizzes_passed} of ${progress.quizzes_attempted} attempted`));
  }

  function nextCard(next) {
    if (!next) {
      return el("div", { class: "card next-card" }, el("strong", {}, "Next"), el("p", {}, "Everything is completed. Well done!"));
    }
    return el("div", { class: "card next-card" },
      el("strong", {}, "Next recommended"),
      el("p", { id: "next-chapter" }, `Chapter ${next.order}: ${next.title}`),
      next.locked ? el("p", { class: "muted" }, `Opens with the ${next.required_tier} tier.`) : null);
  }

  mount(function render(data) {
    const redraw = (view) => document.getElementById("root").replaceChildren(view);
    if (data.streak && typeof data.streak === "object") {
      return el("div", { class: "dashboard" },
        el("h1", {}, "Your progress"),
        streakCard(data.streak, (streak) => redraw(render({ ...data, streak }))),
        chaptersCard(data),
        nextCard(data.next_recommended));
    }
    return el("div", { class: "dashboard" },
      el("h1", {}, "Your streak"),
      streakCard(data, (streak) => redraw(render(streak))));
  });
})();
