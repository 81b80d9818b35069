from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import services as access_services
from access.tiers import Tier
from conftest import assert_error, bearer_client, make_user
from coursecompanion.tests.factories import (
    ChapterFactory,
    QuestionFactory,
    QuizFactory,
    all_right,
    mixed_quiz,
)
from quizzes.models import Attempt

pytestmark = pytest.mark.django_db

FORBIDDEN_KEYS = {"answer", "correct_answer", "explanation", "tolerance", "rel_tolerance"}


def all_keys(value) -> set[str]:
    """Every mapping key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | set().union(*(all_keys(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(all_keys(item) for item in value))
    return set()


def submit(client, quiz_id: int, answers: dict, **headers):
    return client.post(
        f"/api/v1/quizzes/{quiz_id}/submit",
        {"answers": answers},
        content_type="application/json",
        headers=headers,
    )


# --- reading -----------------------------------------------------------------------------------


def test_quiz_read_never_reveals_the_key_or_explanations(anon_client):
    quiz, questions = mixed_quiz()
    response = anon_client.get(f"/api/v1/quizzes/{quiz.id}")
    assert response.status_code == 200
    body = response.json()
    assert not all_keys(body) & FORBIDDEN_KEYS
    raw = response.content.decode()
    assert "EXPLANATION" not in raw
    assert "SHORTKEY" not in raw
    assert body["pass_percent"] == 70
    assert body["chapter_id"] == quiz.chapter_id
    assert [q["order"] for q in body["questions"]] == [1, 2, 3, 4, 5]
    assert [q["kind"] for q in body["questions"]] == [
        "single",
        "multiple",
        "true_false",
        "short",
        "numeric",
    ]
    assert body["questions"][0]["options"][1] == {"key": "B", "text": "Bravo"}
    assert body["questions"][2]["options"] == []
    assert body["max_score"] == 6


def test_unknown_draft_or_draft_chapter_quiz_is_404_for_students(anon_client, user, staff_user):
    draft = QuizFactory(published=False)
    in_draft_chapter = QuizFactory(chapter=ChapterFactory(published=False))
    for client in (anon_client, bearer_client(user)):
        for quiz_id in (draft.id, in_draft_chapter.id, 999999):
            assert_error(client.get(f"/api/v1/quizzes/{quiz_id}"), 404, "quiz_not_found")
    assert bearer_client(staff_user).get(f"/api/v1/quizzes/{draft.id}").status_code == 200
    listed = anon_client.get("/api/v1/quizzes").json()
    assert listed["count"] == 0


def test_quiz_tier_follows_its_chapter_unless_set(anon_client, user, premium_client):
    premium_chapter = QuizFactory(chapter=ChapterFactory(required_tier=Tier.PREMIUM))
    premium_own = QuizFactory(required_tier=Tier.PREMIUM)
    QuestionFactory(quiz=premium_chapter)
    for quiz in (premium_chapter, premium_own):
        for client in (anon_client, bearer_client(user)):
            error = assert_error(client.get(f"/api/v1/quizzes/{quiz.id}"), 403, "quiz_locked")
            assert error["details"]["required_tier"] == "premium"
        assert premium_client.get(f"/api/v1/quizzes/{quiz.id}").status_code == 200
    question = premium_chapter.questions.get()
    response = submit(bearer_client(user), premium_chapter.id, {str(question.id): "B"})
    assert_error(response, 403, "quiz_locked")
    assert not Attempt.objects.exists()


def test_access_check_resolves_quiz_resources():
    resolve = access_services.RESOURCE_RESOLVERS["quiz"]
    assert resolve(QuizFactory(chapter=ChapterFactory(required_tier=Tier.PRO)).id) == Tier.PRO
    assert resolve(QuizFactory().id) == Tier.FREE
    from coursecompanion.errors import NotFound

    with pytest.raises(NotFound):
        resolve(QuizFactory(published=False).id)


# --- submitting --------------------------------------------------------------------------------


def test_student_submits_gets_feedback_and_only_they_see_it(auth_client, user):
    quiz, questions = mixed_quiz()
    answers = all_right(questions)
    answers[str(questions["numeric"].id)] = 9  # one wrong answer: 5 of 6 points
    response = submit(auth_client, quiz.id, answers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["score"], body["max_score"], body["percent"], body["passed"]) == (
        5,
        6,
        83.33,
        True,
    )
    by_id = {result["question_id"]: result for result in body["results"]}
    numeric = by_id[questions["numeric"].id]
    assert numeric["correct"] is False
    assert numeric["your_answer"] == 9
    assert numeric["correct_answer"] == 3.5
    assert numeric["explanation"] == questions["numeric"].explanation
    assert by_id[questions["short"].id]["correct"] is True
    assert by_id[questions["multiple"].id]["correct_answer"] == ["A", "C"]

    results = auth_client.get(f"/api/v1/quizzes/{quiz.id}/results").json()
    assert results["count"] == 1
    assert results["items"][0]["attempt_id"] == body["attempt_id"]
    assert results["items"][0]["created_at"]

    other = bearer_client(make_user("other@example.com"))
    assert other.get(f"/api/v1/quizzes/{quiz.id}/results").json() == {"items": [], "count": 0}
    assert other.get("/api/v1/quizzes").json()["items"][0]["best_score"] is None


def test_submit_and_results_need_a_token(anon_client):
    quiz, questions = mixed_quiz()
    assert_error(submit(anon_client, quiz.id, all_right(questions)), 401, "not_authenticated")
    response = anon_client.get(f"/api/v1/quizzes/{quiz.id}/results")
    assert_error(response, 401, "not_authenticated")
    assert not Attempt.objects.exists()


def test_invalid_answers_are_422_naming_each_question_and_store_nothing(auth_client):
    quiz, questions = mixed_quiz()
    answers = all_right(questions)
    del answers[str(questions["short"].id)]
    answers[str(questions["single"].id)] = "Z"
    answers[str(questions["multiple"].id)] = "A"
    answers[str(questions["true_false"].id)] = "false"
    answers[str(questions["numeric"].id)] = "3.5"
    answers["424242"] = "B"
    error = assert_error(submit(auth_client, quiz.id, answers), 422, "invalid_answers")
    named = {problem["question_id"] for problem in error["details"]}
    assert named == {*(question.id for question in questions.values()), 424242}
    assert not Attempt.objects.exists()


def test_malformed_body_is_422(auth_client):
    quiz, _ = mixed_quiz()
    response = auth_client.post(
        f"/api/v1/quizzes/{quiz.id}/submit", {"answers": [1]}, content_type="application/json"
    )
    assert_error(response, 422, "validation_error")


def test_submit_to_unknown_quiz_is_404(auth_client):
    assert_error(submit(auth_client, 999999, {}), 404, "quiz_not_found")


def test_submit_counts_as_the_days_activity(auth_client, user, monkeypatch):
    from progress import services as progress_services

    calls = []
    monkeypatch.setattr(
        progress_services, "record_quiz_result", lambda **kwargs: calls.append(kwargs)
    )
    quiz, questions = mixed_quiz()
    body = submit(auth_client, quiz.id, all_right(questions), **{"Idempotency-Key": "k1"}).json()
    submit(auth_client, quiz.id, all_right(questions), **{"Idempotency-Key": "k1"})
    assert len(calls) == 1  # a replay is not a new attempt
    call = calls[0]
    assert call["user"] == user
    assert (call["quiz_id"], call["chapter_id"]) == (quiz.id, quiz.chapter_id)
    assert (call["percent"], call["passed"]) == (100.0, True)
    assert call["at"] == Attempt.objects.get(pk=body["attempt_id"]).created_at


def test_idempotency_key_replays_the_first_result(auth_client):
    quiz, questions = mixed_quiz()
    first = submit(auth_client, quiz.id, all_right(questions), **{"Idempotency-Key": "retry-1"})
    again = submit(auth_client, quiz.id, all_right(questions), **{"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Attempt.objects.count() == 1

    changed = all_right(questions)
    changed[str(questions["single"].id)] = "A"
    response = submit(auth_client, quiz.id, changed, **{"Idempotency-Key": "retry-1"})
    assert_error(response, 422, "idempotency_key_reused")
    # Another student may use the same key for their own attempt.
    other = bearer_client(make_user("other@example.com"))
    response = submit(other, quiz.id, all_right(questions), **{"Idempotency-Key": "retry-1"})
    assert response.status_code == 201
    assert Attempt.objects.count() == 2
    response = submit(auth_client, quiz.id, all_right(questions), **{"Idempotency-Key": "x" * 300})
    assert_error(response, 422, "invalid_idempotency_key")


def test_daily_cap_answers_429_with_retry_after(auth_client, user, settings):
    settings.QUIZ_DAILY_ATTEMPT_CAP = 2
    quiz, questions = mixed_quiz()
    yesterday = Attempt.objects.create(
        user=user,
        quiz=quiz,
        answers={},
        score=0,
        max_score=6,
        percent=0,
        passed=False,
        results=[],
    )
    Attempt.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - timedelta(days=1))
    for _ in range(2):
        assert submit(auth_client, quiz.id, all_right(questions)).status_code == 201
    response = submit(auth_client, quiz.id, all_right(questions))
    error = assert_error(response, 429, "attempt_limit_reached")
    assert error["details"]["daily_cap"] == 2
    assert 1 <= int(response["Retry-After"]) <= 24 * 3600
    assert Attempt.objects.count() == 3
    # The cap is per quiz.
    other_quiz, other_questions = mixed_quiz()
    assert submit(auth_client, other_quiz.id, all_right(other_questions)).status_code == 201


# --- listing -----------------------------------------------------------------------------------


def test_listing_shows_lock_state_counts_and_best_score(auth_client, user):
    free_quiz, questions = mixed_quiz()
    premium = QuizFactory(chapter=ChapterFactory(required_tier=Tier.PREMIUM))
    QuizFactory(published=False)
    listing = auth_client.get("/api/v1/quizzes").json()
    assert listing["count"] == 2
    first, second = listing["items"]
    assert set(first) >= {
        "id",
        "chapter_id",
        "title",
        "difficulty",
        "question_count",
        "required_tier",
        "locked",
        "best_score",
    }
    assert (first["id"], first["question_count"], first["locked"]) == (free_quiz.id, 5, False)
    assert (second["id"], second["required_tier"], second["locked"]) == (
        premium.id,
        "premium",
        True,
    )
    assert first["best_score"] is None

    wrong = all_right(questions)
    wrong[str(questions["single"].id)] = "A"
    submit(auth_client, free_quiz.id, all_right(questions))
    submit(auth_client, free_quiz.id, wrong)
    listing = auth_client.get("/api/v1/quizzes").json()
    assert listing["items"][0]["best_score"] == 100.0

    by_chapter = auth_client.get(f"/api/v1/quizzes?chapter={premium.chapter_id}").json()
    assert [item["id"] for item in by_chapter["items"]] == [premium.id]
    page = auth_client.get("/api/v1/quizzes?limit=1&offset=1").json()
    assert (page["count"], [item["id"] for item in page["items"]]) == (2, [premium.id])
    assert_error(auth_client.get("/api/v1/quizzes?limit=x"), 422, "validation_error")


def test_results_are_newest_first_and_paginated(auth_client):
    quiz, questions = mixed_quiz()
    ids = [
        submit(auth_client, quiz.id, all_right(questions)).json()["attempt_id"] for _ in range(3)
    ]
    body = auth_client.get(f"/api/v1/quizzes/{quiz.id}/results?limit=2").json()
    assert body["count"] == 3
    assert [item["attempt_id"] for item in body["items"]] == ids[::-1][:2]


def test_chapter_detail_names_its_first_published_quiz(
    anon_client, django_capture_on_commit_callbacks
):
    chapter = ChapterFactory()
    assert anon_client.get(f"/api/v1/chapters/{chapter.id}").json()["quiz_id"] is None
    with django_capture_on_commit_callbacks(execute=True):
        QuizFactory(chapter=chapter, published=False)
        quiz = QuizFactory(chapter=chapter)
        QuizFactory(chapter=chapter)
    # Saving a quiz invalidated the cached chapter.
    assert anon_client.get(f"/api/v1/chapters/{chapter.id}").json()["quiz_id"] == quiz.id


# --- query counts ------------------------------------------------------------------------------


def count_queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_listing_takes_constant_queries(auth_client, user, django_assert_max_num_queries):
    small = QuizFactory()
    QuestionFactory(quiz=small)

    def listing():
        assert auth_client.get("/api/v1/quizzes").status_code == 200

    listing()  # the token's user is cached from here on
    few = count_queries(listing)
    for _ in range(4):
        quiz = QuizFactory()
        QuestionFactory.create_batch(15, quiz=quiz)
        Attempt.objects.create(
            user=user,
            quiz=quiz,
            answers={},
            score=1,
            max_score=15,
            percent=6.67,
            passed=False,
            results=[],
        )
    with django_assert_max_num_queries(3):  # count, page, best scores
        listing()
    assert count_queries(listing) == few


def test_submit_takes_constant_queries(auth_client, monkeypatch, django_assert_max_num_queries):
    def submit_all_right(quiz, questions, key):
        answers = {str(question.id): "B" for question in questions}
        response = submit(auth_client, quiz.id, answers, **{"Idempotency-Key": key})
        assert response.status_code == 201

    small = QuizFactory()
    small_questions = [QuestionFactory(quiz=small)]
    large = QuizFactory()
    large_questions = QuestionFactory.create_batch(40, quiz=large)
    # The day's first activity and each quiz's first result create progress rows once; warm
    # both up so the comparison is about the number of questions alone.
    submit_all_right(small, small_questions, "s0")
    submit_all_right(large, large_questions, "l0")
    few = count_queries(lambda: submit_all_right(small, small_questions, "s1"))
    assert count_queries(lambda: submit_all_right(large, large_questions, "l1")) == few

    # The quizzes app's own share, progress aside: the key lookup, the student's lock, the
    # daily count, the insert, and the savepoints around them. The quiz and its questions come
    # from the content cache.
    from progress import services as progress_services

    monkeypatch.setattr(progress_services, "record_quiz_result", lambda **kwargs: None)
    with django_assert_max_num_queries(8):
        submit_all_right(large, large_questions, "l2")


def test_answers_the_database_could_not_store_are_refused_not_500(auth_client):
    quiz, questions = mixed_quiz()
    answers = all_right(questions)
    answers[str(questions["numeric"].id)] = 10**400
    error = assert_error(submit(auth_client, quiz.id, answers), 422, "invalid_answers")
    assert {problem["question_id"] for problem in error["details"]} == {questions["numeric"].id}
    # Text no database can hold is refused for every operation, before any grading.
    answers = all_right(questions)
    answers[str(questions["short"].id)] = "nul\u0000byte"
    assert_error(submit(auth_client, quiz.id, answers), 400, "malformed_body")
    answers[str(questions["short"].id)] = "lone \ud800 surrogate"
    assert_error(submit(auth_client, quiz.id, answers), 400, "malformed_body")
    assert not Attempt.objects.exists()


def test_quiz_operations_are_in_the_openapi_document(anon_client):
    document = anon_client.get("/api/v1/openapi.json").json()
    operations = {
        operation["operationId"]: operation
        for methods in document["paths"].values()
        for operation in methods.values()
    }
    assert {"listQuizzes", "getQuiz", "submitQuiz", "listQuizResults"} <= set(operations)
    submit_parameters = {p["name"] for p in operations["submitQuiz"]["parameters"]}
    assert "Idempotency-Key" in submit_parameters
    assert "201" in operations["submitQuiz"]["responses"]
