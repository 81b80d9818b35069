import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError

from access.tiers import Tier
from conftest import RACE_THREADS, LiveApi, make_user, run_together
from coursecompanion.errors import Invalid, NotFound
from coursecompanion.tests.factories import (
    ChapterFactory,
    QuestionFactory,
    QuizFactory,
    all_right,
    mixed_quiz,
)
from quizzes import services
from quizzes.models import Attempt, Question

pytestmark = pytest.mark.django_db


def test_a_key_race_lost_at_the_constraint_returns_the_stored_attempt(user, monkeypatch):
    """The path a concurrent duplicate takes: the look-up found nothing, the insert collides."""
    quiz, questions = mixed_quiz()
    first = services.submit_attempt(
        user=user, quiz_id=quiz.id, answers=all_right(questions), idempotency_key="same"
    )
    monkeypatch.setattr(services, "_stored_attempt", _found_only_after_the_collision())
    again = services.submit_attempt(
        user=user, quiz_id=quiz.id, answers=all_right(questions), idempotency_key="same"
    )
    assert again.replayed
    assert again.attempt.pk == first.attempt.pk
    assert Attempt.objects.count() == 1


def _found_only_after_the_collision():
    real = services._stored_attempt
    calls = []

    def stored_attempt(user, key):
        calls.append(key)
        return None if len(calls) == 1 else real(user, key)

    return stored_attempt


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_with_one_key_store_one_attempt(live_server, monkeypatch):
    user = make_user("racer@example.com")
    quiz, questions = mixed_quiz()
    answers = all_right(questions)
    # Both requests pass the "already stored?" look-up before either inserts, where the database
    # lets them: SQLite's IMMEDIATE transaction already holds the second one back, so the
    # barrier gives up after a moment and the requests go on one after the other.
    barrier = threading.Barrier(2, timeout=2)
    real = services._stored_attempt
    seen: list[str] = []

    def stored_attempt(user, key):
        if len(seen) < 2:
            seen.append(key)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
            return None
        return real(user, key)

    monkeypatch.setattr(services, "_stored_attempt", stored_attempt)
    api = LiveApi(live_server.url, user)
    responses = run_together(
        2,
        lambda i: api.post(
            f"/quizzes/{quiz.id}/submit",
            {"answers": answers},
            headers={"Idempotency-Key": "double-click"},
        ),
    )
    assert [response.status for response in responses] == [201, 201], responses
    assert responses[0].json()["attempt_id"] == responses[1].json()["attempt_id"]
    assert Attempt.objects.filter(user=user).count() == 1


def test_invalid_submit_stores_nothing_and_names_questions(user):
    quiz, questions = mixed_quiz()
    with pytest.raises(Invalid) as raised:
        services.submit_attempt(user=user, quiz_id=quiz.id, answers={})
    assert raised.value.code == "invalid_answers"
    assert len(raised.value.details) == len(questions)
    assert not Attempt.objects.exists()


def test_quiz_is_never_more_open_than_its_chapter():
    quiz = QuizFactory(chapter=ChapterFactory(required_tier=Tier.PRO), required_tier=Tier.FREE)
    assert quiz.effective_tier == Tier.PRO
    with pytest.raises(ValidationError) as raised:
        quiz.full_clean()
    assert "cannot be more open" in str(raised.value)
    quiz.required_tier = Tier.TEAM
    quiz.full_clean()
    assert quiz.effective_tier == Tier.TEAM


def test_question_model_refuses_a_key_outside_its_options():
    question = QuestionFactory.build(quiz=QuizFactory(), answer="E")
    with pytest.raises(ValidationError) as raised:
        question.full_clean()
    assert raised.value.message_dict["answer"] == [
        'The answer key "E" is not one of the options (A, B, C, D).'
    ]


def test_regrade_fixes_results_after_a_key_change(user):
    quiz, questions = mixed_quiz(slug="fix-me")
    single = questions["single"]
    answers = all_right(questions)
    answers[str(single.id)] = "C"
    attempt = services.submit_attempt(user=user, quiz_id=quiz.id, answers=answers).attempt
    assert attempt.percent == 83.33
    assert services.regrade_attempts(quiz_slug="fix-me", write=True) == []

    Question.objects.filter(pk=single.pk).update(answer="C")
    changes = services.regrade_attempts(quiz_slug="fix-me", write=False)
    assert [(c.attempt_id, c.old_percent, c.new_percent) for c in changes] == [
        (attempt.id, 83.33, 100.0)
    ]
    attempt.refresh_from_db()
    assert attempt.percent == 83.33  # a dry run saves nothing

    services.regrade_attempts(quiz_slug="fix-me", write=True)
    attempt.refresh_from_db()
    assert (attempt.percent, attempt.score, attempt.passed) == (100.0, 6, True)
    feedback = {result["question_id"]: result for result in attempt.results}
    assert feedback[single.id]["correct"] is True
    assert feedback[single.id]["correct_answer"] == "C"
    assert services.regrade_attempts(quiz_slug="fix-me", write=True) == []


def test_regrade_updates_the_students_progress_summary(user):
    from progress import services as progress_services
    from progress.models import DailyActivity, QuizResult

    quiz, questions = mixed_quiz(slug="fix-progress", pass_percent=90)
    wrong = all_right(questions)
    wrong[str(questions["single"].id)] = "C"
    services.submit_attempt(user=user, quiz_id=quiz.id, answers=wrong)
    services.submit_attempt(user=user, quiz_id=quiz.id, answers=wrong)
    summary = QuizResult.objects.get(user=user, quiz_id=quiz.id)
    assert (summary.best_percent, summary.passed_at, summary.attempts) == (83.33, None, 2)
    activity_days = DailyActivity.objects.count()

    Question.objects.filter(pk=questions["single"].pk).update(answer="C")
    services.regrade_attempts(quiz_slug="fix-progress", write=True)

    summary.refresh_from_db()
    assert (summary.best_percent, summary.attempts) == (100.0, 2)
    assert summary.passed_at is not None
    assert progress_services.progress_overview(student=user)["quizzes_passed"] == 1
    assert (
        DailyActivity.objects.count() == activity_days
    )  # a re-grade is not the student's activity


def test_regrade_ignores_answers_to_removed_questions(user):
    quiz, questions = mixed_quiz(slug="shrink")
    services.submit_attempt(user=user, quiz_id=quiz.id, answers=all_right(questions))
    questions["multiple"].delete()
    (change,) = services.regrade_attempts(quiz_slug="shrink", write=True)
    assert change.new_percent == 100.0
    assert Attempt.objects.get().max_score == 4


def test_regrade_unknown_slug_is_not_found():
    with pytest.raises(NotFound):
        services.regrade_attempts(quiz_slug="nope", write=False)


def test_save_questions_swaps_positions():
    quiz = QuizFactory()
    first = QuestionFactory(quiz=quiz, order=1, prompt="First")
    second = QuestionFactory(quiz=quiz, order=2, prompt="Second")
    first.order, second.order = 2, 1
    services.save_questions(quiz=quiz, questions=[first, second])
    assert list(quiz.questions.values_list("prompt", flat=True)) == ["Second", "First"]


@pytest.mark.django_db(transaction=True)
def test_parallel_submits_never_pass_the_daily_cap(live_server, settings):
    settings.QUIZ_DAILY_ATTEMPT_CAP = 3
    user = make_user("greedy@example.com")
    quiz, questions = mixed_quiz()
    api = LiveApi(live_server.url, user)
    responses = run_together(
        RACE_THREADS,
        lambda i: api.post(f"/quizzes/{quiz.id}/submit", {"answers": all_right(questions)}),
    )
    statuses = sorted(response.status for response in responses)
    assert statuses == [201] * 3 + [429] * (RACE_THREADS - 3), responses
    assert Attempt.objects.filter(user=user).count() == 3
