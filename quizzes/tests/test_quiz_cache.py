"""Quizzes are served, and graded, from the content cache; an edited question is fresh."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def test_a_submit_reads_no_quiz_row_and_grades_by_the_edited_key(
    auth_client, django_capture_on_commit_callbacks
):
    quiz = QuizFactory()
    question = QuestionFactory(quiz=quiz, kind="single", answer="B")
    url = f"/api/v1/quizzes/{quiz.id}/submit"

    def submit_b() -> dict:
        with CaptureQueriesContext(connection) as queries:
            response = auth_client.post(
                url, {"answers": {str(question.id): "B"}}, content_type="application/json"
            )
        assert response.status_code == 201, response.content
        read = " ".join(query["sql"] for query in queries.captured_queries)
        return {"percent": response.json()["percent"], "read": read}

    submit_b()  # the first fills the cache
    second = submit_b()
    assert second["percent"] == 100
    assert "quizzes_quiz" not in second["read"] and "quizzes_question" not in second["read"]

    with django_capture_on_commit_callbacks(execute=True):
        question.answer = "C"
        question.save()
    assert submit_b()["percent"] == 0
