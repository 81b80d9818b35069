from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from access.auth import bearer_auth, bearer_write_auth, request_user
from coursecompanion.schemas import PageParams, responses
from quizzes import services
from quizzes.schemas import AttemptListOut, AttemptOut, QuizFilter, QuizListOut, QuizOut, SubmitIn

router = Router(tags=["quizzes"])


@router.get(
    "",
    response=responses(QuizListOut, 401),
    operation_id="listQuizzes",
    summary="List quizzes with lock state, question count and your best score",
)
def list_quizzes(
    request: HttpRequest,
    page: Query[PageParams],
    filters: Query[QuizFilter],
):
    items, count = services.list_quizzes(
        user=request_user(request), chapter_id=filters.chapter, page=page.page_slice
    )
    return {"items": items, "count": count}


@router.get(
    "/{quiz_id}",
    response=responses(QuizOut, 401, 403, 404),
    operation_id="getQuiz",
    summary="Get a quiz's questions (never the answers or explanations)",
)
def get_quiz(request: HttpRequest, quiz_id: Path[int]):
    return services.get_quiz(user=request_user(request), quiz_id=quiz_id)


@router.post(
    "/{quiz_id}/submit",
    auth=bearer_write_auth,
    response=responses(AttemptOut, 401, 403, 404, status=201),
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
    outcome = services.submit_attempt(
        user=request.auth,
        quiz_id=quiz_id,
        answers=payload.answers,
        idempotency_key=idempotency_key,
    )
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(201, services.attempt_view(outcome.attempt))


@router.get(
    "/{quiz_id}/results",
    auth=bearer_auth,
    response=responses(AttemptListOut, 401, 404),
    operation_id="listQuizResults",
    summary="Your own attempts at a quiz, newest first",
)
def list_quiz_results(request: HttpRequest, quiz_id: Path[int], page: Query[PageParams]):
    items, count = services.list_attempts(user=request.auth, quiz_id=quiz_id, page=page.page_slice)
    return {"items": items, "count": count}
