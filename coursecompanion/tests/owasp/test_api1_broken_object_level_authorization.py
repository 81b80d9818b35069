"""OWASP API1:2023 Broken Object Level Authorization: a student reads and writes only their own
objects, and another student's objects answer 404 with the same body as ones that do not exist
(tiers, quiz results, progress). Also covered, beside the course fixture they share: progress and
streaks of another student, and staff reading any student but writing only their own
(progress/tests/test_api.py)."""

import pytest

from conftest import assert_error, bearer_client, make_user
from coursecompanion.tests.factories import QuestionFactory
from progress.models import ChapterProgress

pytestmark = pytest.mark.django_db


def test_another_students_tier_is_not_found_like_a_missing_user():
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    client = bearer_client(bob)
    other = client.get(f"/api/v1/user/{alice.pk}/tier")
    missing = client.get("/api/v1/user/999999/tier")
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    assert client.get("/api/v1/user/me/tier").json()["user_id"] == bob.pk


def test_quiz_results_list_only_the_callers_attempts():
    question = QuestionFactory()
    quiz = question.quiz
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    for student, answer in ((alice, "B"), (bob, "A")):
        response = bearer_client(student).post(
            f"/api/v1/quizzes/{quiz.id}/submit",
            {"answers": {str(question.id): answer}},
            content_type="application/json",
        )
        assert response.status_code == 201
    results = bearer_client(bob).get(f"/api/v1/quizzes/{quiz.id}/results").json()
    assert results["count"] == 1
    assert [attempt["passed"] for attempt in results["items"]] == [False]


def test_a_body_cannot_name_another_student():
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    response = bearer_client(bob).put(
        "/api/v1/progress/me",
        {"chapter_id": 1, "status": "completed", "user_id": alice.pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not ChapterProgress.objects.filter(user=alice).exists()


def test_someone_elses_tier_is_404_like_a_missing_user(auth_client):
    other = make_user("other@example.com")
    theirs = auth_client.get(f"/api/v1/user/{other.id}/tier")
    missing = auth_client.get("/api/v1/user/999999/tier")
    assert_error(theirs, 404, "user_not_found")
    assert theirs.json() == missing.json()
