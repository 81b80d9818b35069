"""The three widgets in headless Chromium, fed sample tool output through a stand-in for
ChatGPT's bridge (window.openai): what a student sees, asserted on the rendered DOM."""

import json
from pathlib import Path

import pytest

from content.schemas import ChapterOut
from coursecompanion.mcp_server import render_widget
from progress.schemas import ProgressOut
from quizzes.schemas import AttemptOut, QuizOut

SHOTS = Path("/work/wt/shots")
CODE = "for item in items:\n    print(item)  # <b>not bold</b>"
CHAPTER = ChapterOut.model_validate(
    {
        "id": 1,
        "slug": "loops",
        "title": "Loops and iteration",
        "summary": "Repeating work.",
        "order": 1,
        "difficulty_level": "beginner",
        "estimated_minutes": 15,
        "required_tier": "free",
        "locked": False,
        "completed": False,
        "sections": [
            {
                "id": 11,
                "title": "The for loop",
                "order": 1,
                "content": "A **for** loop visits each item, see `range()`:\n\n"
                f"```python\n{CODE}\n```\n\n- one\n- two\n\n"
                "<script>window.injected = true</script><img src=x onerror=alert(1)>",
            }
        ],
        "media": [],
        "media_urls": {},
        "quiz_id": 3,
        "previous_id": None,
        "next_id": 2,
    }
).model_dump(mode="json")
QUIZ = QuizOut.model_validate(
    {
        "id": 3,
        "chapter_id": 1,
        "slug": "loops-quiz",
        "title": "Loops quiz",
        "difficulty": "beginner",
        "required_tier": "free",
        "pass_percent": 70,
        "partial_credit": False,
        "max_score": 5,
        "questions": [
            {
                "id": 21,
                "order": 1,
                "kind": "single",
                "prompt": "Which keyword starts a loop?",
                "options": [{"key": "A", "text": "`for`"}, {"key": "B", "text": "`def`"}],
                "points": 1,
            },
            {
                "id": 22,
                "order": 2,
                "kind": "multiple",
                "prompt": "Which are iterable?",
                "options": [{"key": "A", "text": "a list"}, {"key": "B", "text": "an int"}],
                "points": 1,
            },
            {
                "id": 23,
                "order": 3,
                "kind": "true_false",
                "prompt": "`while` exists.",
                "options": [],
                "points": 1,
            },
            {
                "id": 24,
                "order": 4,
                "kind": "short",
                "prompt": "Name the stop keyword.",
                "options": [],
                "points": 1,
            },
            {
                "id": 25,
                "order": 5,
                "kind": "numeric",
                "prompt": "len(range(3))?",
                "options": [],
                "points": 1,
            },
        ],
    }
).model_dump(mode="json")
ATTEMPT = AttemptOut.model_validate(
    {
        "attempt_id": 9,
        "quiz_id": 3,
        "score": 4,
        "max_score": 5,
        "percent": 80,
        "passed": True,
        "created_at": "2026-12-01T09:00:00Z",
        "results": [
            {
                "question_id": qid,
                "correct": qid != 24,
                "points": 1,
                "points_awarded": 0 if qid == 24 else 1,
                "your_answer": answer,
                "correct_answer": "break" if qid == 24 else answer,
                "explanation": "Because **that** is the rule.",
            }
            for qid, answer in [(21, "A"), (22, ["A"]), (23, True), (24, "stop"), (25, 3)]
        ],
    }
).model_dump(mode="json")
PROGRESS = ProgressOut.model_validate(
    {
        "user_id": 1,
        "completed_chapters": [1, 2],
        "current_chapter_id": 3,
        "percent_complete": 40.0,
        "last_activity": "2026-12-01T08:00:00Z",
        "chapters": [],
        "chapters_completed": 2,
        "chapters_total": 5,
        "next_recommended": {
            "id": 3,
            "slug": "functions",
            "title": "Functions",
            "summary": "",
            "order": 3,
            "difficulty_level": "beginner",
            "estimated_minutes": 20,
            "required_tier": "free",
            "locked": False,
            "completed": False,
        },
        "streak": {
            "current_streak": 7,
            "longest_streak": 12,
            "last_checkin": "2026-11-30",
            "checked_in_today": False,
            "today": "2026-12-01",
            "timezone": "Europe/Paris",
        },
        "quizzes_attempted": 3,
        "quizzes_passed": 2,
        "average_quiz_score": 81.5,
    }
).model_dump(mode="json")


def open_widget(page, name: str, tool_output, call_results: dict | None = None) -> None:
    """The widget as ChatGPT would show it: its resource HTML, with window.openai holding the
    tool output and answering callTool from `call_results` (recording every call)."""
    page.add_init_script(
        f"""
        window.toolCalls = [];
        const results = {json.dumps(call_results or {})};
        window.openai = {{
          toolOutput: {json.dumps(tool_output)},
          callTool: async (name, args) => {{
            window.toolCalls.push({{name, args}});
            return {{structuredContent: results[name]}};
          }},
        }};
        """
    )
    page.goto("about:blank")
    page.set_content(render_widget(name))


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"i12-{name}.png"), full_page=True)


def test_chapter_reader_shows_the_title_and_code_verbatim_and_runs_nothing(browser_page):
    page = browser_page
    open_widget(page, "chapter-reader", CHAPTER)
    assert page.locator("h1").inner_text() == "Loops and iteration"
    assert page.locator("pre > code.language-python").inner_text() == CODE
    assert page.locator("section h2").inner_text() == "The for loop"
    assert page.locator("p strong").first.inner_text() == "for"
    assert page.locator("li").count() == 2
    # Raw HTML in the Markdown is shown as text, never run or rendered.
    assert page.evaluate("window.injected") is None
    assert page.locator("script", has_text="window.injected").count() == 0
    assert page.locator("img").count() == 0
    assert "<script>window.injected = true</script>" in page.locator("article").inner_text()
    assert page.console_errors == []
    shoot(page, "chapter-reader")


def test_quiz_card_shows_each_kind_and_submits_through_the_bridge(browser_page):
    page = browser_page
    open_widget(page, "quiz-card", QUIZ, {"submit_quiz": ATTEMPT})
    kinds = page.locator("fieldset.question").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["single", "multiple", "true_false", "short", "numeric"]
    assert page.locator("fieldset[data-kind=single] input[type=radio]").count() == 2
    assert page.locator("fieldset[data-kind=multiple] input[type=checkbox]").count() == 2
    assert page.locator("fieldset[data-kind=true_false] input[type=radio]").count() == 2
    assert page.locator("fieldset[data-kind=numeric] input[type=number]").count() == 1
    shoot(page, "quiz-card")

    page.locator("fieldset[data-kind=single] input[value=A]").check()
    page.locator("fieldset[data-kind=multiple] input[value=A]").check()
    page.locator("fieldset[data-kind=true_false] input[value=true]").check()
    page.locator("fieldset[data-kind=short] input").fill("stop")
    page.locator("fieldset[data-kind=numeric] input").fill("3")
    page.get_by_role("button", name="Submit answers").click()
    page.locator(".score").wait_for()

    calls = page.evaluate("window.toolCalls")
    assert calls == [
        {
            "name": "submit_quiz",
            "args": {
                "quiz_id": 3,
                "answers": {"21": "A", "22": ["A"], "23": True, "24": "stop", "25": 3},
            },
        }
    ]
    assert page.locator(".score").inner_text().startswith("80%")
    assert page.locator(".feedback.correct").count() == 4
    assert "correct: break" in page.locator(".feedback.wrong").inner_text()
    assert page.console_errors == []
    shoot(page, "quiz-card-feedback")


def test_quiz_card_asks_for_every_answer_before_submitting(browser_page):
    page = browser_page
    open_widget(page, "quiz-card", QUIZ, {"submit_quiz": ATTEMPT})
    page.get_by_role("button", name="Submit answers").click()
    assert "missing: 1, 2, 3, 4, 5" in page.get_by_role("status").inner_text()
    assert page.evaluate("window.toolCalls") == []


def test_progress_dashboard_shows_streak_chapters_and_next(browser_page):
    page = browser_page
    checked_in = {**PROGRESS["streak"], "current_streak": 8, "checked_in_today": True}
    open_widget(page, "progress-dashboard", PROGRESS, {"check_in": checked_in})
    assert page.locator("#streak-current").inner_text() == "7"
    assert page.locator("#chapters-completed").inner_text() == "2 of 5 completed"
    assert page.locator("#next-chapter").inner_text() == "Chapter 3: Functions"
    assert page.console_errors == []
    shoot(page, "progress-dashboard")

    page.get_by_role("button", name="Check in for today").click()
    page.locator("#streak-current", has_text="8").wait_for()
    assert page.get_by_role("button", name="Check in for today").count() == 0


@pytest.mark.parametrize("name", ["chapter-reader", "quiz-card", "progress-dashboard"])
def test_widgets_survive_empty_and_locked_states(browser_page, name):
    page = browser_page
    open_widget(page, name, None)
    assert "Nothing to show yet" in page.locator("#root").inner_text()
    locked = {
        "error": {
            "code": "chapter_locked",
            "message": "This chapter needs the premium tier.",
            "details": {"required_tier": "premium", "user_tier": "free"},
        }
    }
    open_widget(page, name, locked)
    assert "Needs the premium tier" in page.get_by_role("alert").inner_text()
    assert page.console_errors == []
    if name == "chapter-reader":
        shoot(page, "chapter-reader-locked")
