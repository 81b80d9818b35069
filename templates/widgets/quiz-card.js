// Quiz card: the questions of get_quiz by kind; "Submit" calls submit_quiz through the app
// bridge and replaces the form with per-question feedback (also shown for submit_quiz itself).
"use strict";

(() => {
  const { el, inline, markdown, notice, errorNotice, bridge, mount } = Widget;

  function choices(question, type) {
    return question.options.map((option) =>
      el("label", { class: "choice" },
        el("input", { type, name: `q${question.id}`, value: option.key }),
        ` ${option.key}. `, inline(option.text)));
  }

  function answerInput(question) {
    switch (question.kind) {
      case "single":
        return choices(question, "radio");
      case "multiple":
        return choices(question, "checkbox");
      case "true_false":
        return ["true", "false"].map((value) =>
          el("label", { class: "choice" },
            el("input", { type: "radio", name: `q${question.id}`, value }),
            value === "true" ? " True" : " False"));
      case "numeric":
        return el("input", { type: "number", step: "any", name: `q${question.id}`, "aria-label": "Your answer" });
      default:
        return el("input", { type: "text", name: `q${question.id}`, autocomplete: "off", "aria-label": "Your answer" });
    }
  }

  function readAnswer(form, question) {
    const name = `q${question.id}`;
    if (question.kind === "multiple") {
      return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
    }
    if (question.kind === "single" || question.kind === "true_false") {
      const picked = form.querySelector(`input[name="${name}"]:checked`);
      if (!picked) return undefined;
      return question.kind === "true_false" ? picked.value === "true" : picked.value;
    }
    const value = form.elements[name].value.trim();
    if (!value) return undefined;
    return question.kind === "numeric" ? Number(value) : value;
  }

  function shown(answer) {
    if (answer === null || answer === undefined) return "—";
    if (Array.isArray(answer)) return answer.join(", ");
    if (typeof answer === "boolean") return answer ? "True" : "False";
    return String(answer);
  }

  function feedbackView(attempt, quiz) {
    const prompts = new Map((quiz ? quiz.questions : []).map((q) => [q.id, q.prompt]));
    return el("div", { class: "attempt" },
      el("p", { class: "score" },
        `${Math.round(attempt.percent)}% — ${attempt.passed ? "passed" : "not passed yet"}`),
      el("p", { class: "muted" }, `${attempt.score} of ${attempt.max_score} points`),
      attempt.results.map((result, index) =>
        el("div", { class: "question-result", "data-question-id": result.question_id },
          el("strong", {}, `Question ${index + 1}`),
          prompts.has(result.question_id) ? el("div", {}, markdown(prompts.get(result.question_id))) : null,
          el("p", { class: `feedback ${result.correct ? "correct" : "wrong"}` },
            result.correct ? "✓ Correct" : `✗ Your answer: ${shown(result.your_answer)}; correct: ${shown(result.correct_answer)}`),
          result.explanation ? el("div", { class: "muted" }, markdown(result.explanation)) : null)));
  }

  function quizView(quiz) {
    const status = el("p", { class: "muted", role: "status" });
    const form = el("form", { class: "quiz", novalidate: true },
      el("h1", {}, quiz.title),
      el("p", { class: "meta" }, `${quiz.questions.length} questions · pass at ${quiz.pass_percent}%`),
      quiz.questions.map((question, index) =>
        el("fieldset", { class: "question", "data-kind": question.kind, "data-question-id": question.id },
          el("legend", {}, `Question ${index + 1}`),
          markdown(question.prompt),
          answerInput(question))),
      el("button", { type: "submit" }, "Submit answers"),
      status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answers = {};
      const missing = [];
      quiz.questions.forEach((question, index) => {
        const answer = readAnswer(form, question);
        if (answer === undefined || (Array.isArray(answer) && !answer.length)) missing.push(index + 1);
        else answers[String(question.id)] = answer;
      });
      if (missing.length) {
        status.textContent = `Answer every question first (missing: ${missing.join(", ")}).`;
        return;
      }
      const callTool = bridge().callTool;
      if (!callTool) {
        status.textContent = "Submitting needs ChatGPT.";
        return;
      }
      form.querySelector("button").disabled = true;
      status.textContent = "Grading…";
      try {
        const response = await callTool("submit_quiz", { quiz_id: quiz.id, answers });
        const result = (response && (response.structuredContent || response.structured_content)) || {};
        form.replaceWith(result.error ? errorNotice(result.error) : feedbackView(result, quiz));
      } catch (failure) {
        form.querySelector("button").disabled = false;
        status.textContent = "Could not submit; try again.";
      }
    });
    return form;
  }

  mount((data) => {
    if (Array.isArray(data.results)) return feedbackView(data, null);
    if (!Array.isArray(data.questions) || !data.questions.length) {
      return notice("No questions", "This quiz has no questions yet.");
    }
    return quizView(data);
  });
})();
