"""Benchmark data: the demo course plus generated students with progress, streaks and attempts.

Run by bench/run.py against the benchmark database (never the development one). Writes what the
load scripts need (tokens, ids, answer keys, search questions) as a Lua table for wrk.

Every student shares one password hash: hashing 1,000 passwords one by one at Django's PBKDF2
cost would take minutes and measure nothing the server does.
"""

import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

import django

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coursecompanion.settings")
django.setup()

import yaml  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from access.models import User  # noqa: E402
from access.tiers import Tier  # noqa: E402
from content.models import Chapter  # noqa: E402
from progress.models import ChapterProgress, DailyActivity, QuizResult, Streak  # noqa: E402
from quizzes.models import Attempt, Quiz  # noqa: E402

STUDENT_PASSWORD = "bench-student-password-42"
EMAIL_DOMAIN = "bench.example.com"
# Of every ten students: six free, three premium, one pro (a freemium course's usual shape).
TIER_MIX = [Tier.FREE] * 6 + [Tier.PREMIUM] * 3 + [Tier.PRO]
SEARCH_QUESTIONS = BENCH_DIR.parent / "content" / "tests" / "data" / "search_questions.yaml"


def submittable_answer(question) -> object:
    """A well-formed answer for `question`: its key (short answers store a list of accepted
    answers; a student sends one)."""
    if question.kind == "short":
        return question.answer[0]
    return question.answer


def seed(students: int, rng: random.Random) -> None:
    call_command("load_demo_course", write=True, verbosity=0)
    # A run earlier today used up part of today's quiz attempt cap: give it back, so a repeated
    # run measures submits, not 429s.
    day_start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    Attempt.objects.filter(
        user__email__endswith=f"@{EMAIL_DOMAIN}", created_at__gte=day_start
    ).delete()
    if User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count() >= students:
        return
    chapters = list(Chapter.objects.filter(published=True).order_by("order"))
    quizzes = list(Quiz.objects.published().select_related("chapter"))
    password = make_password(STUDENT_PASSWORD)
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"student{number:05d}@{EMAIL_DOMAIN}",
                    password=password,
                    display_name=f"Student {number}",
                    tier=TIER_MIX[number % len(TIER_MIX)],
                )
                for number in range(students)
            ],
            batch_size=500,
        )
        progress, streaks, days, attempts, results = [], [], [], [], []
        for user in users:
            done = rng.randint(0, len(chapters))
            for position, chapter in enumerate(chapters[: done + 1]):
                completed = position < done
                progress.append(
                    ChapterProgress(
                        user=user,
                        chapter=chapter,
                        status="completed" if completed else "in_progress",
                        started_at=now - timedelta(days=30 - position),
                        completed_at=now - timedelta(days=29 - position) if completed else None,
                    )
                )
            streak_days = rng.randint(0, 20)
            last = now.date() - timedelta(days=rng.randint(1, 3))
            streaks.append(
                Streak(
                    user=user,
                    current=streak_days,
                    longest=streak_days + rng.randint(0, 10),
                    last_checkin=last if streak_days else None,
                    last_activity_at=now - timedelta(days=1),
                )
            )
            days += [
                DailyActivity(user=user, day=last - timedelta(days=back))
                for back in range(streak_days)
            ]
            for quiz in quizzes[: max(1, done)]:
                percent = float(rng.choice([40, 60, 80, 100]))
                attempts.append(
                    Attempt(
                        user=user,
                        quiz=quiz,
                        answers={},
                        score=percent / 10,
                        max_score=10,
                        percent=percent,
                        passed=percent >= quiz.pass_percent,
                        results=[],
                    )
                )
                results.append(
                    QuizResult(
                        user=user,
                        quiz_id=quiz.id,
                        chapter_id=quiz.chapter_id,
                        best_percent=percent,
                        last_percent=percent,
                        passed_at=now - timedelta(days=2) if percent >= quiz.pass_percent else None,
                        last_at=now - timedelta(days=2),
                    )
                )
        for model, rows in (
            (ChapterProgress, progress),
            (Streak, streaks),
            (DailyActivity, days),
            (Attempt, attempts),
            (QuizResult, results),
        ):
            model.objects.bulk_create(rows, batch_size=1000)
        # Seeded attempts belong to earlier days, so they do not use up today's attempt cap.
        Attempt.objects.filter(user__in=users).update(created_at=now - timedelta(days=2))


def lua(value) -> str:
    """`value` (JSON-like) as a Lua literal."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua(item) for item in value) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid Lua string


def load_data(students: int) -> dict:
    """What the wrk scripts need, per student: a token, the chapters and quizzes their tier
    opens (with a submittable body) and a chapter it does not."""
    chapters = list(Chapter.objects.filter(published=True).order_by("order"))
    quizzes = list(Quiz.objects.published().select_related("chapter").prefetch_related("questions"))
    bodies = {
        quiz.id: json.dumps(
            {"answers": {str(q.id): submittable_answer(q) for q in quiz.questions.all()}}
        )
        for quiz in quizzes
    }
    rows = []
    for user in User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").order_by("id")[:students]:
        tier = Tier(user.tier)
        locked = [c.id for c in chapters if not tier.includes(c.required_tier)]
        rows.append(
            {
                "id": user.id,
                "email": user.email,
                "token": str(AccessToken.for_user(user)),
                "chapters": [c.id for c in chapters if tier.includes(c.required_tier)],
                "locked": locked,
                "quizzes": [q.id for q in quizzes if tier.includes(q.effective_tier)],
            }
        )
    questions = [item["question"] for item in yaml.safe_load(SEARCH_QUESTIONS.read_text())]
    return {
        "students": rows,
        "quiz_bodies": {str(k): v for k, v in bodies.items()},
        "questions": questions,
        "password": STUDENT_PASSWORD,
    }


def main() -> None:
    students = int(sys.argv[1])
    out = Path(sys.argv[2])
    seed(students, random.Random(14))
    data = load_data(students)
    out.write_text("return " + lua(data) + "\n")
    out.with_suffix(".json").write_text(json.dumps(data))
    print(
        f"seeded {len(data['students'])} students, {len(data['quiz_bodies'])} quizzes, "
        f"{len(data['questions'])} search questions -> {out}"
    )


if __name__ == "__main__":
    main()
