"""Measure the teaching dashboard: queries per page and time, over a generated data set.

    DATABASE_URL=postgres://... python bench/dashboard_queries.py [--attempts 10000]

Everything is written inside one transaction that is rolled back at the end, so it can run
against a development database. Prints the query count and the median time of several page
loads (the whole admin request: session, queries, SVG and template), per filter."""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coursecompanion.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from access.models import AccessLog, TierChange, User  # noqa: E402
from content.models import Chapter, Course, SearchLog  # noqa: E402
from progress.models import ChapterProgress, DailyActivity  # noqa: E402
from quizzes.models import Attempt, Question, Quiz  # noqa: E402


class Rollback(Exception):
    pass


def seed(students: int, attempts: int) -> Course:
    now = timezone.now()
    course = Course.objects.create(slug="bench-dashboard", title="Bench dashboard", published=True)
    chapters = [
        Chapter.objects.create(
            course=course,
            slug=f"bench-{n}",
            title=f"Chapter {n}",
            order=n,
            published=True,
            required_tier="free" if n < 6 else "premium",
        )
        for n in range(1, 11)
    ]
    quizzes = [
        Quiz.objects.create(
            chapter=chapter, slug=f"bench-quiz-{n}", title=f"Quiz {n}", published=True
        )
        for n, chapter in enumerate(chapters)
    ]
    questions = {
        quiz.id: [
            Question.objects.create(
                quiz=quiz,
                order=order,
                kind="single",
                prompt=f"Q{order}?",
                answer="B",
                options=[{"key": k, "text": k} for k in "ABCD"],
            )
            for order in range(1, 6)
        ]
        for quiz in quizzes
    }
    users = User.objects.bulk_create(
        [
            User(email=f"bench-dash-{n}@example.com", tier="free", password="!")
            for n in range(students)
        ]
    )
    DailyActivity.objects.bulk_create(
        [
            DailyActivity(user=user, day=timezone.localdate() - timedelta(days=day))
            for n, user in enumerate(users)
            for day in range(n % 7, 60, 7)
        ]
    )
    ChapterProgress.objects.bulk_create(
        [
            ChapterProgress(
                user=user,
                chapter=chapter,
                status="completed" if (n + i) % 3 else "in_progress",
                started_at=now - timedelta(days=i),
                completed_at=now if (n + i) % 3 else None,
            )
            for n, user in enumerate(users)
            for i, chapter in enumerate(chapters[: 1 + n % 10])
        ]
    )
    rows = []
    for n in range(attempts):
        quiz = quizzes[n % len(quizzes)]
        results = [
            {"question_id": q.id, "correct": (n + i) % 3 != 0, "your_answer": "ABCD"[(n + i) % 4]}
            for i, q in enumerate(questions[quiz.id])
        ]
        right = sum(r["correct"] for r in results)
        rows.append(
            Attempt(
                user=users[n % len(users)],
                quiz=quiz,
                answers={},
                score=right,
                max_score=5,
                percent=20 * right,
                passed=right >= 4,
                results=results,
                created_at=now - timedelta(minutes=n),
            )
        )
    Attempt.objects.bulk_create(rows, batch_size=1000)
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=users[n % len(users)],
                resource=f"chapter:{chapters[6 + n % 4].id}",
                granted=False,
                created_at=now - timedelta(hours=n % 500),
            )
            for n in range(attempts)
        ],
        batch_size=1000,
    )
    TierChange.objects.bulk_create(
        [
            TierChange(user=user, from_tier="free", to_tier="premium", reason="bench")
            for user in users[::10]
        ]
    )
    SearchLog.objects.bulk_create(
        [
            SearchLog(
                query=f"question {n % 300}",
                day=timezone.localdate() - timedelta(days=n % 80),
                outcome="no_hits" if n % 2 else "locked_only",
            )
            for n in range(attempts)
        ],
        batch_size=1000,
    )
    return course


def measure(client: Client, params: dict, runs: int) -> tuple[int, float]:
    client.get("/admin/dashboard/", params)  # warm up
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # A wrapper, not the debug query log: each request start resets that log.
    with connection.execute_wrapper(count):
        response = client.get("/admin/dashboard/", params)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get("/admin/dashboard/", params)
        times.append(time.perf_counter() - started)
    return len(queries), statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    try:
        with transaction.atomic():
            course = seed(args.students, args.attempts)
            admin = User.objects.create_superuser("bench-dash-admin@example.com", "x" * 20)
            client = Client()
            client.force_login(admin)
            print(
                f"{connection.vendor}: {args.students} students, "
                f"{Attempt.objects.count()} attempts, {AccessLog.objects.count()} access-log rows, "
                f"{SearchLog.objects.count()} search-log rows"
            )
            for label, params in (
                ("all courses, 30 days", {}),
                ("one course, 90 days", {"course": course.id, "days": 90}),
                ("all courses, 7 days", {"days": 7}),
            ):
                count, median_ms = measure(client, params, args.runs)
                print(
                    f"  {label:24} {count:3d} queries  {median_ms:8.1f} ms (median of {args.runs})"
                )
            raise Rollback
    except Rollback:
        print("(rolled back: nothing was kept)")


if __name__ == "__main__":
    main()
