"""Real threads against PostgreSQL: the unique constraints and the streak lock keep one student's
concurrent writes exact. SQLite serialises writers anyway, so these skip there."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from conftest import bearer_client, make_user
from coursecompanion.tests.factories import ChapterFactory, CourseFactory
from progress.models import ChapterProgress, DailyActivity, Streak

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work: Callable[[int], int]) -> list:
    """Run work(i) in `count` threads released at the same moment; return what each returned."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as error:  # reported by the assertion below, not lost in the thread
            results[index] = error
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_sixteen_simultaneous_checkins_count_one_day(postgres_only):
    student = make_user()
    clients = [bearer_client(student) for _ in range(16)]

    statuses = run_together(16, lambda i: clients[i].post("/api/v1/streaks/me/checkin").status_code)

    assert statuses == [200] * 16
    assert DailyActivity.objects.filter(user=student).count() == 1
    streak = Streak.objects.get(user=student)
    assert (streak.current, streak.longest) == (1, 1)


def test_parallel_progress_updates_lose_nothing(postgres_only):
    student = make_user()
    course = CourseFactory()
    chapters = [ChapterFactory(course=course, order=n) for n in range(1, 7)]
    clients = [bearer_client(student) for _ in range(12)]

    def complete(index: int) -> int:
        # Two threads per chapter: six different chapters, each completed twice at once.
        body = {"chapter_id": chapters[index % 6].id, "status": "completed"}
        response = clients[index].put("/api/v1/progress/me", body, content_type="application/json")
        return response.status_code

    statuses = run_together(12, complete)

    assert statuses == [200] * 12
    rows = ChapterProgress.objects.filter(user=student)
    assert sorted(rows.values_list("chapter_id", flat=True)) == sorted(c.id for c in chapters)
    assert {row.status for row in rows} == {"completed"}
    assert DailyActivity.objects.filter(user=student).count() == 1
    assert Streak.objects.get(user=student).current == 1
    body = bearer_client(student).get("/api/v1/progress/me").json()
    assert body["percent_complete"] == 100.0
