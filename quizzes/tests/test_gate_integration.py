"""The freemium gate across apps: one decision for chapters, sections, quizzes and submits,
and a staff upgrade opens all of them at once."""

import json

import pytest

from access.tiers import Tier
from conftest import assert_error, bearer_client, make_user, post_json
from coursecompanion.tests.factories import ChapterFactory, SectionFactory, all_right, mixed_quiz

pytestmark = pytest.mark.django_db

SECRET = "PREMIUM-QUIZ-PROMPT-91d2"


@pytest.fixture
def premium_material():
    chapter = ChapterFactory(required_tier=Tier.PREMIUM)
    section = SectionFactory(chapter=chapter, content=SECRET)
    quiz, questions = mixed_quiz(chapter=chapter)
    quiz.questions.filter(pk=questions["single"].pk).update(prompt=SECRET)
    return {"chapter": chapter, "section": section, "quiz": quiz, "questions": questions}


def test_free_student_is_locked_out_until_a_staff_upgrade(user, premium_material):
    student = bearer_client(user)
    manager = bearer_client(make_user("boss@example.com", is_staff=True, is_superuser=True))
    quiz = premium_material["quiz"]
    reads = {
        f"/api/v1/chapters/{premium_material['chapter'].id}": "chapter_locked",
        f"/api/v1/sections/{premium_material['section'].id}": "chapter_locked",
        f"/api/v1/quizzes/{quiz.id}": "quiz_locked",
    }
    any_answers = {"answers": all_right(premium_material["questions"])}
    submit_url = f"/api/v1/quizzes/{quiz.id}/submit"

    for url, code in reads.items():
        response = student.get(url)
        assert_error(response, 403, code)
        assert SECRET not in response.content.decode()
    assert_error(post_json(student, submit_url, any_answers), 403, "quiz_locked")
    check = student.get(f"/api/v1/access/check?resource=quiz:{quiz.id}").json()
    assert check["allowed"] is False and check["required_tier"] == "premium"
    listing = student.get("/api/v1/quizzes").json()["items"]
    assert [item["locked"] for item in listing if item["id"] == quiz.id] == [True]
    assert SECRET not in json.dumps(listing)

    upgrade = {"user_id": user.id, "new_tier": "premium", "reason": "Paid"}
    assert post_json(manager, "/api/v1/access/upgrade", upgrade).status_code == 200

    for url in reads:
        assert student.get(url).status_code == 200
    assert post_json(student, submit_url, any_answers).status_code == 201
    assert student.get(f"/api/v1/access/check?resource=quiz:{quiz.id}").json()["allowed"] is True


def test_anonymous_callers_need_a_token_to_submit(premium_material, anon_client):
    quiz = premium_material["quiz"]
    response = post_json(anon_client, f"/api/v1/quizzes/{quiz.id}/submit", {"answers": {}})
    assert_error(response, 401, "not_authenticated")
