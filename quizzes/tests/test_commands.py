import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coursecompanion.tests.factories import all_right, mixed_quiz
from quizzes import services
from quizzes.models import Attempt, Question

pytestmark = pytest.mark.django_db


def regrade(*args: str) -> str:
    out = io.StringIO()
    call_command("regrade_quiz", *args, stdout=out)
    return out.getvalue()


def test_regrade_quiz_is_a_dry_run_unless_write(user):
    quiz, questions = mixed_quiz(slug="keyfix", pass_percent=100)
    answers = all_right(questions)
    answers[str(questions["single"].id)] = "D"
    attempt = services.submit_attempt(user=user, quiz_id=quiz.id, answers=answers).attempt
    assert not attempt.passed
    Question.objects.filter(pk=questions["single"].pk).update(answer="D")

    output = regrade("keyfix")
    assert f"attempt {attempt.id} (student@example.com): 83.33% -> 100%" in output
    assert "passed False -> True" in output
    assert "1 attempt(s) would change." in output
    assert "Dry run" in output
    assert not Attempt.objects.get().passed

    assert "1 attempt(s) updated." in regrade("keyfix", "--write")
    assert Attempt.objects.get().passed
    assert "0 attempt(s) updated." in regrade("keyfix", "--write")


def test_regrade_quiz_unknown_slug_is_a_command_error():
    with pytest.raises(CommandError, match="No quiz has the slug 'missing'"):
        regrade("missing")
