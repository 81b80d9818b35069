import pytest
from django.test import Client

from conftest import make_user
from coursecompanion.tests.factories import ChapterFactory, QuestionFactory, all_right, mixed_quiz
from quizzes import services
from quizzes.models import Question, Quiz

pytestmark = pytest.mark.django_db


def quiz_form(chapter, questions: list[dict], **fields) -> dict:
    data = {
        "chapter": chapter.id,
        "title": "Loops quiz",
        "slug": "loops-quiz",
        "difficulty": "beginner",
        "pass_percent": 70,
        "required_tier": "",
        "published": "on",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, question in enumerate(questions):
        defaults = {"points": 1, "explanation": "", "options": "", "tolerance": ""}
        for name, value in {**defaults, **question}.items():
            data[f"questions-{index}-{name}"] = value
    return data


SOUND_QUESTIONS = [
    {
        "order": 1,
        "kind": "single",
        "prompt": "Which loop runs at least once?",
        "options": "A: for\nB: while\nC: neither",
        "answer": "C",
        "explanation": "Python has no do-while.",
    },
    {
        "order": 2,
        "kind": "multiple",
        "prompt": "Which are iterable?",
        "options": "A: list\nB: int\nC: str",
        "answer": "A, C",
        "points": 2,
    },
    {"order": 3, "kind": "true_false", "prompt": "range is lazy.", "answer": "true"},
    {"order": 4, "kind": "short", "prompt": "Keyword to skip?", "answer": "continue\ncontinue;"},
    {"order": 5, "kind": "numeric", "prompt": "len(range(3))?", "answer": "3", "tolerance": "0"},
]


def test_editor_writes_a_quiz_with_questions_inline_and_students_get_it(editor_client, auth_client):
    chapter = ChapterFactory()
    assert editor_client.get("/admin/quizzes/quiz/add/").status_code == 200
    response = editor_client.post("/admin/quizzes/quiz/add/", quiz_form(chapter, SOUND_QUESTIONS))
    assert response.status_code == 302, response.content.decode()[:3000]
    quiz = Quiz.objects.get(slug="loops-quiz")
    stored = {question.order: question for question in quiz.questions.all()}
    assert stored[1].options[2] == {"key": "C", "text": "neither"}
    assert stored[2].answer == ["A", "C"]
    assert stored[3].answer is True
    assert stored[4].answer == ["continue", "continue;"]
    assert (stored[5].answer, stored[5].tolerance) == (3, 0)

    body = auth_client.get(f"/api/v1/quizzes/{quiz.id}").json()
    assert len(body["questions"]) == 5
    # The change page shows the key back as the editor typed it.
    page = editor_client.get(f"/admin/quizzes/quiz/{quiz.id}/change/").content.decode()
    assert "A: for\nB: while\nC: neither" in page
    assert "A, C" in page


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (
            {"kind": "single", "options": "A: yes\nB: no", "answer": "E"},
            "The answer key &quot;E&quot; is not one of the options (A, B).",
        ),
        (
            {"kind": "multiple", "options": "A: yes\nB: no", "answer": "A, Z"},
            "The answer key names Z, which is not among the options (A, B).",
        ),
        ({"kind": "single", "options": "A yes", "answer": "A"}, "Line 1: write each option as"),
        ({"kind": "true_false", "answer": "maybe"}, "Write true or false."),
        ({"kind": "numeric", "answer": "three"}, "&#x27;three&#x27; is not a number."),
        (
            {"kind": "short", "options": "A: x\nB: y", "answer": "ok"},
            "A short question has no options; remove them.",
        ),
    ],
)
def test_a_key_that_does_not_fit_is_refused_with_a_clear_message(editor_client, question, message):
    chapter = ChapterFactory()
    data = quiz_form(chapter, [{"order": 1, "prompt": "Q?", **question}])
    response = editor_client.post("/admin/quizzes/quiz/add/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Quiz.objects.exists()


def test_duplicate_question_positions_are_refused(editor_client):
    questions = [dict(SOUND_QUESTIONS[2]), dict(SOUND_QUESTIONS[2])]
    response = editor_client.post(
        "/admin/quizzes/quiz/add/", quiz_form(ChapterFactory(), questions)
    )
    assert response.status_code == 200
    assert "Please correct the duplicate" in response.content.decode()
    assert not Question.objects.exists()


def test_preview_shows_the_quiz_as_students_see_it(editor_client):
    quiz, questions = mixed_quiz(published=False)
    changelist = editor_client.get("/admin/quizzes/quiz/").content.decode()
    assert f"/admin/quizzes/quiz/{quiz.id}/preview/" in changelist
    response = editor_client.get(f"/admin/quizzes/quiz/{quiz.id}/preview/")
    assert response.status_code == 200
    page = response.content.decode()
    for question in questions.values():
        assert question.prompt in page
        assert question.explanation not in page
    assert "Bravo" in page
    assert "SHORTKEY" not in page
    assert "draft" in page
    assert editor_client.get("/admin/quizzes/quiz/999999/preview/").status_code == 404


def test_students_cannot_open_the_preview(db):
    quiz, _ = mixed_quiz()
    make_user("plain@example.com")
    client = Client()
    client.login(username="plain@example.com", password="correct-horse-battery-9")
    assert client.get(f"/admin/quizzes/quiz/{quiz.id}/preview/").status_code == 302


def test_attempts_are_read_only(editor_client, user):
    quiz, questions = mixed_quiz()
    attempt = services.submit_attempt(
        user=user, quiz_id=quiz.id, answers=all_right(questions)
    ).attempt
    assert editor_client.get("/admin/quizzes/attempt/").status_code == 200
    page = editor_client.get(f"/admin/quizzes/attempt/{attempt.id}/change/")
    assert page.status_code == 200
    assert 'name="percent"' not in page.content.decode()
    assert editor_client.get("/admin/quizzes/attempt/add/").status_code == 403
    response = editor_client.post(
        f"/admin/quizzes/attempt/{attempt.id}/change/", {"percent": 0, "passed": ""}
    )
    assert response.status_code == 403
    assert editor_client.post(f"/admin/quizzes/attempt/{attempt.id}/delete/").status_code == 403
    attempt.refresh_from_db()
    assert attempt.percent == 100.0


def test_editor_can_swap_question_positions(editor_client):
    quiz, _ = mixed_quiz()
    for question in Question.objects.filter(quiz=quiz).exclude(order__in=[1, 2]):
        question.delete()
    first, second = quiz.questions.order_by("order")
    data = quiz_form(
        quiz.chapter,
        [],
        title=quiz.title,
        slug=quiz.slug,
        **{"questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "2"},
    )
    for index, (question, order, options, answer) in enumerate(
        [(first, 2, "A: a\nB: b", "B"), (second, 1, "A: a\nB: b\nC: c", "A, C")]
    ):
        for name, value in {
            "id": question.id,
            "quiz": quiz.id,
            "order": order,
            "kind": question.kind,
            "prompt": question.prompt,
            "options": options,
            "answer": answer,
            "points": question.points,
            "explanation": "",
            "tolerance": "",
        }.items():
            data[f"questions-{index}-{name}"] = value
    response = editor_client.post(f"/admin/quizzes/quiz/{quiz.id}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(quiz.questions.values_list("id", flat=True)) == [second.id, first.id]


def test_quiz_changelist_counts_questions(editor_client):
    quiz, _ = mixed_quiz(title="Counted quiz")
    QuestionFactory(quiz=quiz, order=9)
    page = editor_client.get("/admin/quizzes/quiz/?q=Counted").content.decode()
    assert "Counted quiz" in page
    assert '<td class="field-question_count">6</td>' in page
    assert '<td class="field-tier">free (chapter)</td>' in page
