from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from access.auth import bearer_auth, bearer_write_auth, request_credential
from coursecompanion import presenters, rendered
from coursecompanion.schemas import PageParams, responses
from quizzes.schemas import AttemptListOut, AttemptOut, QuizFilter, QuizListOut, QuizOut, SubmitIn

router = Router(tags=["quizzes"])


@router.get(
    "",
    response=responses(QuizListOut, "not_authenticated"),
    operation_id="listQuizzes",
    summary="List quizzes with lock state, question count and your best score",
)
def list_quizzes(
    request: HttpRequest,
    page: Query[PageParams],
    filters: Query[QuizFilter],
):
    return presenters.quiz_list(
        request_credential(request), chapter_id=filters.chapter, page=page.page_slice
    )


@router.get(
    "/{quiz_id}",
    response=responses(QuizOut, "not_authenticated", "quiz_locked", "quiz_not_found"),
    operation_id="getQuiz",
    summary="Get a quiz's questions (never the answers or explanations)",
)
def get_quiz(request: HttpRequest, quiz_id: Path[int]):
    credential = request_credential(request)
    # The gate runs on every read; only the rendering of what it lets through is kept.
    quiz = presenters.quiz(credential, quiz_id=quiz_id)
    return rendered.rendered_bodies.respond(
        request, QuizOut, presenters.quiz_variant(credential, quiz_id=quiz_id), lambda: quiz
    )


@router.post(
    "/{quiz_id}/submit",
    auth=bearer_write_auth,
    response=responses(
        AttemptOut,
        "not_authenticated",
        "quiz_locked",
        "quiz_not_found",
        "invalid_answers",
        "invalid_idempotency_key",
        "idempotency_key_reused",
        "attempt_limit_reached",
        status=201,
    ),
    operation_id="submitQuiz",
    summary="Submit answers; get the score and per-question feedback",
)
def submit_quiz(
    request: HttpRequest,
    response: HttpResponse,
    quiz_id: Path[int],
    payload: SubmitIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="A retry with the same key returns the first result instead of a new attempt.",
    ),
):
    result = presenters.submit_quiz(
        request_credential(request),
        quiz_id=quiz_id,
        answers=payload.answers,
        idempotency_key=idempotency_key,
    )
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(201, result.attempt)


@router.get(
    "/{quiz_id}/results",
    auth=bearer_auth,
    response=responses(AttemptListOut, "not_authenticated", "quiz_not_found"),
    operation_id="listQuizResults",
    summary="Your own attempts at a quiz, newest first",
)
def list_quiz_results(request: HttpRequest, quiz_id: Path[int], page: Query[PageParams]):
    return presenters.quiz_results(
        request_credential(request), quiz_id=quiz_id, page=page.page_slice
    )
