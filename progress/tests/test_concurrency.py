"""Real threads through a live server, on SQLite (the `make run` default) and PostgreSQL: the
unique constraints, the streak lock and SQLite's IMMEDIATE transactions keep one student's
concurrent writes exact."""

import sqlite3
import time

import pytest
from django.db import connection, connections

from conftest import RACE_THREADS, LiveApi, make_user, run_together
from coursecompanion.tests.factories import ChapterFactory, CourseFactory
from progress.models import ChapterProgress, DailyActivity, Streak

pytestmark = pytest.mark.django_db(transaction=True)


def test_sixteen_simultaneous_checkins_count_one_day(live_server):
    student = make_user()
    api = LiveApi(live_server.url, student)

    responses = run_together(RACE_THREADS, lambda i: api.post("/streaks/me/checkin"))

    assert [response.status for response in responses] == [200] * RACE_THREADS, responses
    assert DailyActivity.objects.filter(user=student).count() == 1
    streak = Streak.objects.get(user=student)
    assert (streak.current, streak.longest) == (1, 1)


def test_parallel_progress_updates_lose_nothing(live_server):
    student = make_user()
    course = CourseFactory()
    chapters = [ChapterFactory(course=course, order=n) for n in range(1, 9)]
    api = LiveApi(live_server.url, student)

    def complete(index: int):
        # Two threads per chapter: eight different chapters, each completed twice at once.
        body = {"chapter_id": chapters[index % 8].id, "status": "completed"}
        return api.put("/progress/me", body)

    responses = run_together(RACE_THREADS, complete)

    assert [response.status for response in responses] == [200] * RACE_THREADS, responses
    rows = ChapterProgress.objects.filter(user=student)
    assert sorted(rows.values_list("chapter_id", flat=True)) == sorted(c.id for c in chapters)
    assert {row.status for row in rows} == {"completed"}
    assert DailyActivity.objects.filter(user=student).count() == 1
    assert Streak.objects.get(user=student).current == 1
    assert api.get("/progress/me").json()["percent_complete"] == 100.0


def test_a_write_lock_held_past_the_busy_timeout_is_503_and_writes_nothing(live_server):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
    student = make_user()
    api = LiveApi(live_server.url, student)
    options = connections.settings["default"]["OPTIONS"]
    busy_timeout = options["timeout"]
    options["timeout"] = 1  # the live server's request threads connect with it
    holder = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than 1 s
        started = time.monotonic()
        response = api.post("/streaks/me/checkin")
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
        options["timeout"] = busy_timeout
    assert response.status == 503, response
    assert response.json()["error"]["code"] == "database_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert 0.9 < waited < 5, waited
    assert not DailyActivity.objects.filter(user=student).exists()
    assert api.post("/streaks/me/checkin").status == 200  # the lock is gone: it works again
