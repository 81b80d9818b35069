"""Quizzes are served from the content cache, and an edited question is served fresh."""

import pytest

from coursecompanion.tests.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db


def test_a_repeated_read_runs_no_query_and_an_edit_is_served_fresh(
    anon_client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    quiz = QuizFactory()
    question = QuestionFactory(quiz=quiz, prompt="Old prompt?")
    url = f"/api/v1/quizzes/{quiz.id}"
    assert anon_client.get(url).json()["questions"][0]["prompt"] == "Old prompt?"
    with django_assert_num_queries(0):
        assert anon_client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        question.prompt = "New prompt?"
        question.save()
    assert anon_client.get(url).json()["questions"][0]["prompt"] == "New prompt?"
