from datetime import datetime
from typing import Any

from ninja import Field, Schema

from access.tiers import Tier
from content.models import Chapter
from coursecompanion.schemas import ObjectId, RequestBody
from quizzes.kinds import KINDS
from quizzes.models import Question


class QuizSummaryOut(Schema):
    id: int
    chapter_id: int
    slug: str
    title: str
    difficulty: Chapter.Difficulty
    question_count: int
    pass_percent: int
    required_tier: Tier
    locked: bool = Field(description="True when the caller's tier does not open this quiz.")
    best_score: float | None = Field(
        description="The caller's best percent (0-100) on this quiz; null if never submitted."
    )


class QuizListOut(Schema):
    items: list[QuizSummaryOut]
    count: int


class OptionOut(Schema):
    key: str = Field(examples=["A"])
    text: str


class QuestionOut(Schema):
    id: int
    order: int
    kind: Question.Kind
    prompt: str = Field(description="Markdown, as staff wrote it.")
    options: list[OptionOut] = Field(description="Choice questions only; empty otherwise.")
    points: int


class QuizOut(Schema):
    """A quiz before submitting: never the answer key, never the explanations."""

    id: int
    chapter_id: int
    slug: str
    title: str
    difficulty: Chapter.Difficulty
    required_tier: Tier
    pass_percent: int
    partial_credit: bool
    max_score: int
    questions: list[QuestionOut]


class SubmitIn(RequestBody):
    answers: dict[str, Any] = Field(
        description='{"<question_id>": answer}. Shapes by kind: '
        + ", ".join(f"{code} {kind.answer_shape}" for code, kind in KINDS.items())
        + ". Every question needs an answer: a missing answer, an unknown question or a wrong "
        "shape answers 422 `invalid_answers` naming each question, and nothing is saved.",
        examples=[
            {str(number): kind.answer_example for number, kind in enumerate(KINDS.values(), 12)}
        ],
    )


class QuestionResultOut(Schema):
    question_id: int
    correct: bool
    points: int
    points_awarded: float
    your_answer: Any
    correct_answer: Any
    explanation: str


class AttemptOut(Schema):
    attempt_id: int
    quiz_id: int
    score: float
    max_score: int
    percent: float = Field(description="0-100.")
    passed: bool
    results: list[QuestionResultOut]
    created_at: datetime


class AttemptListOut(Schema):
    items: list[AttemptOut]
    count: int


class QuizFilter(Schema):
    chapter: ObjectId | None = Field(None, description="Only the quizzes of this chapter id.")
