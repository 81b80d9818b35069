"""Test data for every app, kept in the project package so that no app's tests import another
app's factories against the dependency order."""

import factory

from access.tiers import Tier
from content.models import Chapter, Course, Section
from quizzes.models import Question, Quiz


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("slug",)

    slug = "test-course"
    title = "Test Course"
    published = True


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chapter

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"chapter-{n + 1}")
    title = factory.Sequence(lambda n: f"Chapter {n + 1}")
    summary = "What this chapter covers."
    required_tier = Tier.FREE
    published = True


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    chapter = factory.SubFactory(ChapterFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Section {n + 1}")
    content = "## Heading\n\nSome *Markdown* text.\n"


ABCD = [
    {"key": "A", "text": "Alpha"},
    {"key": "B", "text": "Bravo"},
    {"key": "C", "text": "Charlie"},
    {"key": "D", "text": "Delta"},
]


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    chapter = factory.SubFactory(ChapterFactory)
    slug = factory.Sequence(lambda n: f"quiz-{n + 1}")
    title = factory.Sequence(lambda n: f"Quiz {n + 1}")
    pass_percent = 70
    published = True


class QuestionFactory(factory.django.DjangoModelFactory):
    """A single-choice question (A-D, key B) unless told otherwise."""

    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    order = factory.Sequence(lambda n: n + 1)
    kind = Question.Kind.SINGLE
    prompt = factory.Sequence(lambda n: f"Prompt {n + 1}?")
    options = factory.LazyFunction(lambda: list(ABCD))
    answer = "B"
    explanation = factory.Sequence(lambda n: f"EXPLANATION-{n + 1}-secret")
    points = 1


def mixed_quiz(**quiz_fields) -> tuple[Quiz, dict[str, Question]]:
    """A quiz with one question of every kind; returns the quiz and its questions by kind."""
    quiz = QuizFactory(**quiz_fields)
    questions = {
        "single": QuestionFactory(quiz=quiz, order=1, answer="B"),
        "multiple": QuestionFactory(
            quiz=quiz, order=2, kind="multiple", answer=["A", "C"], points=2
        ),
        "true_false": QuestionFactory(
            quiz=quiz, order=3, kind="true_false", options=[], answer=False
        ),
        "short": QuestionFactory(
            quiz=quiz, order=4, kind="short", options=[], answer=["SHORTKEY-type", "type()"]
        ),
        "numeric": QuestionFactory(
            quiz=quiz, order=5, kind="numeric", options=[], answer=3.5, tolerance=0.1
        ),
    }
    return quiz, questions


def all_right(questions: dict[str, Question]) -> dict[str, object]:
    return {
        str(questions["single"].id): "B",
        str(questions["multiple"].id): ["C", "A"],
        str(questions["true_false"].id): False,
        str(questions["short"].id): "  shortkey-TYPE ",
        str(questions["numeric"].id): 3.45,
    }
