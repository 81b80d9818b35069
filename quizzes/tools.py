"""The MCP front door for quizzes (beside api.py): the same presenters and response schemas."""

from typing import Annotated, Any

from mcp_types import CallToolResult
from pydantic import Field

from coursecompanion import presenters
from coursecompanion.mcp_tools import caller, student_tool, tool_result
from quizzes.schemas import AttemptOut, QuizOut


@student_tool(title="Get a quiz", operation="getQuiz", widget="quiz-card")
def get_quiz(
    quiz_id: Annotated[int, Field(description="A quiz id (get_chapter's quiz_id).")],
) -> Annotated[CallToolResult, QuizOut]:
    """Get a quiz's questions and options by kind (single, multiple, true_false, short,
    numeric). The answers never leave the server before a submit: never guess or reveal
    them; ask the student and pass their answers to submit_quiz."""
    quiz = presenters.quiz(caller().credential, quiz_id=quiz_id)
    return tool_result(
        QuizOut, quiz, text=f"Quiz: {quiz['title']} ({len(quiz['questions'])} questions)."
    )


@student_tool(
    title="Submit quiz answers",
    operation="submitQuiz",
    scope="write",
    read_only=False,
    widget="quiz-card",
)
def submit_quiz(
    quiz_id: Annotated[int, Field(description="The quiz being answered.")],
    answers: Annotated[
        dict[str, Any],
        Field(
            description='{"<question_id>": answer}. Shapes by kind: single "B", multiple '
            '["A", "C"], true_false true, short "text", numeric 3.14. Every question needs '
            "an answer."
        ),
    ],
    idempotency_key: Annotated[
        str | None,
        Field(description="A retry with the same key returns the first result."),
    ] = None,
) -> Annotated[CallToolResult, AttemptOut]:
    """Submit the student's answers; get the score and per-question feedback (correct answer
    and explanation). The attempt counts toward progress like a submit through the API."""
    submitted = presenters.submit_quiz(
        caller().credential, quiz_id=quiz_id, answers=answers, idempotency_key=idempotency_key
    )
    attempt = submitted.attempt
    verdict = "passed" if attempt["passed"] else "not passed"
    return tool_result(AttemptOut, attempt, text=f"Scored {attempt['percent']:.0f}% ({verdict}).")
