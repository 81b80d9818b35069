"""Quiz reads for students, submits (validated, graded, stored once), and re-grading."""

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from access import services as access_services
from access.models import User, is_staff
from access.tiers import Tier
from content import scheduling
from content import services as content_services
from coursecompanion.errors import Invalid, NotFound, RateLimited
from coursecompanion.rows import save_children
from progress import services as progress_services
from quizzes import grading
from quizzes.models import Attempt, Question, Quiz

IDEMPOTENCY_KEY_MAX_LENGTH = 255
GRADED_FIELDS = ("score", "max_score", "percent", "passed", "results")


# --- access ----------------------------------------------------------------------------------


def _quiz_not_found(quiz_id: int) -> NotFound:
    return NotFound(f"Quiz {quiz_id} does not exist.", code="quiz_not_found")


def find_quiz(*, user: User | None, quiz_id: int) -> Quiz:
    """A quiz `user` may know about (drafts for staff only). Raises NotFound."""
    quiz: Quiz | None = (
        Quiz.objects.visible_to(user).select_related("chapter").filter(pk=quiz_id).first()
    )
    if quiz is None:
        raise _quiz_not_found(quiz_id)
    return quiz


def required_tier_of(quiz_id: int) -> Tier:
    """The tier a published quiz needs (the "quiz" resource of /access/check). Raises NotFound."""
    quiz: Quiz | None = (
        Quiz.objects.published().select_related("chapter").filter(pk=quiz_id).first()
    )
    if quiz is None:
        raise _quiz_not_found(quiz_id)
    tier: Tier = quiz.effective_tier
    return tier


# --- reads -----------------------------------------------------------------------------------


def list_quizzes(
    *, user: User | None, chapter_id: int | None = None, page: slice
) -> tuple[list[dict[str, Any]], int]:
    """One page of the quizzes `user` may know about, with lock state, question count and the
    caller's best percent; and the total. Three queries whatever the number of questions."""
    quizzes = Quiz.objects.visible_to(user)
    if chapter_id is not None:
        quizzes = quizzes.filter(chapter_id=chapter_id)
    count = quizzes.count()
    rows = list(
        quizzes.select_related("chapter")
        .annotate(question_count=Count("questions"))
        .order_by("chapter__course__title", "chapter__course_id", "chapter__order", "id")[page]
    )
    best: dict[int, float] = {}
    if user is not None and user.is_authenticated and rows:
        best = dict(
            Attempt.objects.filter(user=user, quiz_id__in=[quiz.id for quiz in rows])
            .values("quiz_id")
            .annotate(best=Max("percent"))
            .values_list("quiz_id", "best")
        )
    items = [
        {
            "id": quiz.id,
            "chapter_id": quiz.chapter_id,
            "slug": quiz.slug,
            "title": quiz.title,
            "difficulty": quiz.difficulty,
            "question_count": quiz.question_count,
            "pass_percent": quiz.pass_percent,
            "required_tier": quiz.effective_tier,
            "locked": not access_services.decide_access(
                user=user, required_tier=quiz.effective_tier
            ).allowed,
            "best_score": best.get(quiz.id),
        }
        for quiz in rows
    ]
    return items, count


def student_view(quiz: Quiz, questions: Iterable[Question]) -> dict[str, Any]:
    """The quiz as a student sees it before submitting: never the key, never the explanations.
    The API and the admin's preview both show this."""
    questions = list(questions)
    return {
        "id": quiz.id,
        "chapter_id": quiz.chapter_id,
        "slug": quiz.slug,
        "title": quiz.title,
        "difficulty": quiz.difficulty,
        "required_tier": quiz.effective_tier,
        "pass_percent": quiz.pass_percent,
        "partial_credit": quiz.partial_credit,
        "max_score": sum(question.points for question in questions),
        "questions": [
            {
                "id": question.id,
                "order": question.order,
                "kind": question.kind,
                "prompt": question.prompt,
                "options": [
                    {"key": str(option["key"]), "text": str(option["text"])}
                    for option in question.options or ()
                ],
                "points": question.points,
            }
            for question in questions
        ],
    }


def _quiz_for_cache(*, staff: bool, quiz_id: int) -> Quiz | None:
    """The quiz with its chapter, as a content-cache build reads it: any quiz for staff, else
    one published by flag (its chapter's schedule window is applied on every read instead,
    since the entry would outlive it)."""
    quizzes = (
        Quiz.objects.all()
        if staff
        else Quiz.objects.filter(
            published=True, chapter__published=True, chapter__course__published=True
        )
    )
    quiz: Quiz | None = quizzes.select_related("chapter").filter(pk=quiz_id).first()
    return quiz


def get_quiz(*, user: User | None, quiz_id: int) -> dict[str, Any]:
    """A quiz and its questions, without answers (from the content cache, with its chapter's
    schedule window applied on every read). Raises NotFound or AccessDenied."""
    staff = is_staff(user)

    def build() -> dict[str, Any] | None:
        quiz = _quiz_for_cache(staff=staff, quiz_id=quiz_id)
        if quiz is None:
            return None
        return {"view": student_view(quiz, quiz.questions.all()), "window": quiz.chapter.window}

    found = content_services.read_published(user=user, key=f"quiz:{quiz_id}", build=build)
    if found is None or not (staff or scheduling.is_live(found["window"])):
        raise _quiz_not_found(quiz_id)
    view: dict[str, Any] = found["view"]
    _require_quiz_access(
        user=user, quiz_id=view["id"], title=view["title"], required_tier=view["required_tier"]
    )
    return view


def _require_quiz_access(
    *, user: User | None, quiz_id: int, title: str, required_tier: Tier | str
) -> None:
    """Raises AccessDenied ("quiz_locked") naming the tier, when `user`'s tier is too low."""
    access_services.require_access(
        user=user,
        required_tier=required_tier,
        code="quiz_locked",
        subject=f'Quiz {quiz_id} ("{title}")',
        resource=f"quiz:{quiz_id}",
    )


def attempt_view(attempt: Attempt) -> dict[str, Any]:
    return {
        "attempt_id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "percent": attempt.percent,
        "passed": attempt.passed,
        "results": attempt.results,
        "created_at": attempt.created_at,
    }


def list_attempts(*, user: User, quiz_id: int, page: slice) -> tuple[list[dict[str, Any]], int]:
    """The caller's own attempts at a quiz, newest first. Raises NotFound for unknown quizzes."""
    quiz = find_quiz(user=user, quiz_id=quiz_id)
    attempts = Attempt.objects.filter(user=user, quiz=quiz)
    count = attempts.count()
    rows = attempts.order_by("-created_at", "-id")[page]
    return [attempt_view(attempt) for attempt in rows], count


# --- submit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradableQuiz:
    """What grading a submit needs of a quiz, answer key included. Kept in the content cache,
    so a submit reads no quiz or question rows; it stays on the server (the student's view of
    a quiz is `student_view`)."""

    id: int
    chapter_id: int
    title: str
    required_tier: Tier
    pass_percent: int
    partial_credit: bool
    questions: tuple[grading.QuestionSpec, ...]
    window: scheduling.Window


def gradable_quiz(*, user: User | None, quiz_id: int) -> GradableQuiz:
    """The quiz `user` may submit, with its answer key. Raises NotFound, or AccessDenied
    ("quiz_locked") naming the tier."""
    staff = is_staff(user)

    def build() -> GradableQuiz | None:
        quiz = _quiz_for_cache(staff=staff, quiz_id=quiz_id)
        if quiz is None:
            return None
        return GradableQuiz(
            id=quiz.id,
            chapter_id=quiz.chapter_id,
            title=quiz.title,
            required_tier=quiz.effective_tier,
            pass_percent=quiz.pass_percent,
            partial_credit=quiz.partial_credit,
            questions=tuple(question.spec() for question in quiz.questions.all()),
            window=quiz.chapter.window,
        )

    found = content_services.read_published(user=user, key=f"quiz:gradable:{quiz_id}", build=build)
    if found is None or not (staff or scheduling.is_live(found.window)):
        raise _quiz_not_found(quiz_id)
    _require_quiz_access(
        user=user, quiz_id=found.id, title=found.title, required_tier=found.required_tier
    )
    return found


@dataclass(frozen=True)
class SubmitOutcome:
    attempt: Attempt
    replayed: bool  # True when an Idempotency-Key matched an earlier submit


def request_fingerprint(*, quiz_id: int, answers: dict[str, Any]) -> str:
    body = json.dumps({"quiz_id": quiz_id, "answers": answers}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _stored_attempt(user: User, idempotency_key: str) -> Attempt | None:
    return Attempt.objects.filter(user=user, idempotency_key=idempotency_key).first()


def _replay(stored: Attempt, fingerprint: str) -> SubmitOutcome:
    if stored.request_fingerprint != fingerprint:
        raise Invalid(
            "This Idempotency-Key was already used for a different submission; "
            "use a new key for a new attempt.",
            code="idempotency_key_reused",
            details={"attempt_id": stored.id},
        )
    return SubmitOutcome(attempt=stored, replayed=True)


def seconds_until_utc_midnight(now: datetime) -> int:
    now = now.astimezone(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, math.ceil((midnight - now).total_seconds()))


def _enforce_daily_cap(*, user: User, quiz_id: int, now: datetime) -> None:
    cap = settings.QUIZ_DAILY_ATTEMPT_CAP
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    used = Attempt.objects.filter(user=user, quiz_id=quiz_id, created_at__gte=day_start).count()
    if used >= cap:
        raise RateLimited(
            f"You have used today's {cap} attempts at this quiz; more open at midnight UTC.",
            code="attempt_limit_reached",
            retry_after=seconds_until_utc_midnight(now),
            details={"daily_cap": cap},
        )


def validate_idempotency_key(key: str | None) -> str | None:
    """The key to use (None when absent). Raises Invalid for an empty or oversized key."""
    if key is None:
        return None
    if not key.strip() or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise Invalid(
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            code="invalid_idempotency_key",
        )
    return key


@transaction.atomic
def submit_attempt(
    *, user: User, quiz_id: int, answers: dict[str, Any], idempotency_key: str | None = None
) -> SubmitOutcome:
    """Check every answer, grade them, store the attempt once and report it to progress.

    With an idempotency key, a repeated submit returns the first attempt (even when both arrive
    at once: the unique constraint decides). Raises NotFound, AccessDenied ("quiz_locked"),
    Invalid ("invalid_answers" naming each question, "idempotency_key_reused") or RateLimited
    ("attempt_limit_reached") past the daily cap; nothing is stored when it raises."""
    idempotency_key = validate_idempotency_key(idempotency_key)
    quiz = gradable_quiz(user=user, quiz_id=quiz_id)
    fingerprint = request_fingerprint(quiz_id=quiz.id, answers=answers)
    if idempotency_key is not None:
        stored = _stored_attempt(user, idempotency_key)
        if stored is not None:
            return _replay(stored, fingerprint)

    specs = quiz.questions
    problems = grading.answers_problems(specs, answers)
    if problems:
        raise Invalid(
            code="invalid_answers",
            details=problems,
        )
    # One student's submits run one at a time from here, so parallel requests cannot all pass
    # the daily cap on the same count (the lock order user -> streak matches progress writes).
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    now = timezone.now()
    _enforce_daily_cap(user=user, quiz_id=quiz.id, now=now)

    result = grading.grade(
        questions=specs,
        answers={int(key): value for key, value in answers.items()},
        pass_percent=quiz.pass_percent,
        partial_credit=quiz.partial_credit,
    )
    attempt = Attempt(
        user=user,
        quiz_id=quiz.id,
        answers=answers,
        score=result.score,
        max_score=result.max_score,
        percent=result.percent,
        passed=result.passed,
        results=[question.as_dict() for question in result.results],
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    if idempotency_key is None:
        attempt.save()  # no key, no unique constraint to lose a race on: no savepoint needed
    else:
        try:
            with transaction.atomic():
                attempt.save()
        except IntegrityError:
            # A concurrent submit with the same key committed first: answer with its attempt.
            stored = _stored_attempt(user, idempotency_key)
            if stored is None:
                raise
            return _replay(stored, fingerprint)

    progress_services.record_quiz_result(
        user=user,
        quiz_id=quiz.id,
        chapter_id=quiz.chapter_id,
        percent=attempt.percent,
        passed=attempt.passed,
        at=attempt.created_at,
    )
    return SubmitOutcome(attempt=attempt, replayed=False)


# --- staff -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegradeChange:
    attempt_id: int
    user_email: str
    old_percent: float
    new_percent: float
    old_passed: bool
    new_passed: bool


def _stored_answers(answers: dict[str, Any]) -> dict[int, Any]:
    by_id = {}
    for key, value in answers.items():
        try:
            by_id[int(key)] = value
        except (TypeError, ValueError):
            continue
    return by_id


@transaction.atomic
def regrade_attempts(*, quiz_slug: str, write: bool) -> list[RegradeChange]:
    """Grade every attempt at a quiz again with its current questions (after a key fix) and
    return those whose result changes; they are saved only if `write`. Raises NotFound."""
    quiz = Quiz.objects.filter(slug=quiz_slug).first()
    if quiz is None:
        raise NotFound(f"No quiz has the slug {quiz_slug!r}.", code="quiz_not_found")
    specs = [question.spec() for question in quiz.questions.all()]
    changes: list[RegradeChange] = []
    to_save: list[Attempt] = []
    now = timezone.now()
    attempts = quiz.attempts.select_related("user").order_by("id")
    for attempt in attempts.select_for_update(of=("self",)) if write else attempts:
        result = grading.grade(
            questions=specs,
            answers=_stored_answers(attempt.answers),
            pass_percent=quiz.pass_percent,
            partial_credit=quiz.partial_credit,
        )
        values = {
            "score": result.score,
            "max_score": result.max_score,
            "percent": result.percent,
            "passed": result.passed,
            "results": [question.as_dict() for question in result.results],
        }
        if all(getattr(attempt, name) == value for name, value in values.items()):
            continue
        changes.append(
            RegradeChange(
                attempt_id=attempt.id,
                user_email=attempt.user.email,
                old_percent=attempt.percent,
                new_percent=result.percent,
                old_passed=attempt.passed,
                new_passed=result.passed,
            )
        )
        for name, value in values.items():
            setattr(attempt, name, value)
        attempt.updated_at = now
        to_save.append(attempt)
    if write and to_save:
        Attempt.objects.bulk_update(to_save, [*GRADED_FIELDS, "updated_at"], batch_size=500)
        _rebuild_progress(quiz=quiz, users={attempt.user for attempt in to_save})
    return changes


def _rebuild_progress(*, quiz: Quiz, users: set[User]) -> None:
    """Give progress the re-graded scores of every student whose result changed."""
    outcomes: dict[int, list[progress_services.QuizOutcome]] = {user.id: [] for user in users}
    graded = quiz.attempts.filter(user__in=users).values_list(
        "user_id", "percent", "passed", "created_at"
    )
    for user_id, percent, passed, created_at in graded:
        outcomes[user_id].append(progress_services.QuizOutcome(percent, passed, created_at))
    for user in users:
        progress_services.rebuild_quiz_result(
            user=user, quiz_id=quiz.id, chapter_id=quiz.chapter_id, outcomes=outcomes[user.id]
        )


def save_questions(*, quiz: Quiz, questions: Iterable[Question]) -> None:
    """Save a quiz's edited questions, allowing positions to be swapped or rotated."""
    save_children(parent=quiz, field_name="quiz", children=questions)
