"""Per-student progress and streaks. `{user_id}` is "me" or the caller's own id; anyone else's
id (or anything that is not a number) answers 404 with one identical body. Staff may read any
student's progress and streak but write only their own."""

from django.http import HttpRequest
from ninja import Path, Router

from access.auth import bearer_auth, bearer_write_auth, request_credential
from coursecompanion import presenters, rendered
from coursecompanion.schemas import responses
from progress.schemas import ProgressIn, ProgressOut, StreakOut

router = Router(tags=["progress"], auth=bearer_auth)


@router.get(
    "/progress/{user_id}",
    response=responses(ProgressOut, "not_authenticated", "not_found"),
    operation_id="getProgress",
    summary="A student's progress, streak and quiz record (how am I doing?)",
)
def get_progress(request: HttpRequest, user_id: Path[str]):
    variant, overview = presenters.progress_with_variant(
        request_credential(request), user_id=user_id
    )
    return rendered.student_bodies.respond(request, ProgressOut, variant, overview)


@router.put(
    "/progress/{user_id}",
    auth=bearer_write_auth,
    response=responses(
        ProgressOut, "not_authenticated", "chapter_locked", "not_found", "chapter_not_found"
    ),
    operation_id="updateProgress",
    summary="Mark a chapter in progress or completed",
)
def update_progress(request: HttpRequest, user_id: Path[str], payload: ProgressIn):
    return presenters.update_progress(
        request_credential(request),
        user_id=user_id,
        chapter_id=payload.chapter_id,
        status=payload.status,
    )


@router.get(
    "/streaks/{user_id}",
    response=responses(StreakOut, "not_authenticated", "not_found"),
    operation_id="getStreak",
    summary="A student's daily streak in their own time zone",
)
def get_streak(request: HttpRequest, user_id: Path[str]):
    return presenters.streak(request_credential(request), user_id=user_id)


@router.post(
    "/streaks/{user_id}/checkin",
    auth=bearer_write_auth,
    response=responses(StreakOut, "not_authenticated", "not_found"),
    operation_id="checkIn",
    summary="Check in for today (idempotent within the student's day)",
)
def check_in(request: HttpRequest, user_id: Path[str]):
    return presenters.check_in(request_credential(request), user_id=user_id)
