"""Per-student progress and streaks. `{user_id}` is "me" or the caller's own id; anyone else's
id (or anything that is not a number) answers 404 with one identical body. Staff may read any
student's progress and streak but write only their own."""

from django.http import HttpRequest
from ninja import Path, Router

from access.auth import bearer_auth, bearer_write_auth
from coursecompanion.schemas import responses
from progress import services
from progress.schemas import ProgressIn, ProgressOut, StreakOut

router = Router(tags=["progress"], auth=bearer_auth)


@router.get(
    "/progress/{user_id}",
    response=responses(ProgressOut, 401, 404),
    operation_id="getProgress",
    summary="A student's progress, streak and quiz record (how am I doing?)",
)
def get_progress(request: HttpRequest, user_id: Path[str]):
    student = services.access_student(viewer=request.auth, user_id=user_id)
    return services.progress_overview(student=student)


@router.put(
    "/progress/{user_id}",
    auth=bearer_write_auth,
    response=responses(ProgressOut, 401, 403, 404),
    operation_id="updateProgress",
    summary="Mark a chapter in progress or completed",
)
def update_progress(request: HttpRequest, user_id: Path[str], payload: ProgressIn):
    student = services.access_student(viewer=request.auth, user_id=user_id, write=True)
    services.set_chapter_status(user=student, chapter_id=payload.chapter_id, status=payload.status)
    return services.progress_overview(student=student)


@router.get(
    "/streaks/{user_id}",
    response=responses(StreakOut, 401, 404),
    operation_id="getStreak",
    summary="A student's daily streak in their own time zone",
)
def get_streak(request: HttpRequest, user_id: Path[str]):
    student = services.access_student(viewer=request.auth, user_id=user_id)
    return services.get_streak(user=student)


@router.post(
    "/streaks/{user_id}/checkin",
    auth=bearer_write_auth,
    response=responses(StreakOut, 401, 404),
    operation_id="checkIn",
    summary="Check in for today (idempotent within the student's day)",
)
def check_in(request: HttpRequest, user_id: Path[str]):
    student = services.access_student(viewer=request.auth, user_id=user_id, write=True)
    return services.check_in(user=student)
