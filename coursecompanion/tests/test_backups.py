"""Backups as the README describes them, restored into an empty database: nothing is lost
(users, attempts, progress, media rows). SQLite through its online backup API (what the sqlite3
shell's `.backup` runs), PostgreSQL through pg_dump and psql into a throwaway database."""

import shutil
import sqlite3
import subprocess

import pytest
from django.db import connection

from conftest import make_user
from content.models import MediaAsset
from coursecompanion.tests.factories import ChapterFactory, QuestionFactory
from progress.models import ChapterProgress, DailyActivity, Streak
from quizzes.models import Attempt

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = {
    "access_user": "SELECT id, email, password, tier, timezone FROM access_user ORDER BY id",
    "quizzes_attempt": (
        "SELECT id, user_id, quiz_id, score, passed FROM quizzes_attempt ORDER BY id"
    ),
    "progress_chapterprogress": (
        "SELECT id, user_id, chapter_id, status FROM progress_chapterprogress ORDER BY id"
    ),
    "progress_streak": "SELECT id, user_id, current, longest FROM progress_streak ORDER BY id",
    "progress_dailyactivity": "SELECT id, user_id, day FROM progress_dailyactivity ORDER BY id",
    "content_mediaasset": "SELECT id, name, file, size FROM content_mediaasset ORDER BY id",
}


@pytest.fixture
def a_course_in_use():
    from conftest import bearer_client

    question = QuestionFactory()
    quiz = question.quiz
    MediaAsset.objects.create(
        title="Diagram", name="diagram", file="media/x/diagram.png", size=42, chapter=quiz.chapter
    )
    students = [make_user(f"student{n}@example.com") for n in range(3)]
    for student in students:
        client = bearer_client(student)
        assert (
            client.post(
                f"/api/v1/quizzes/{quiz.id}/submit",
                {"answers": {str(question.id): "B"}},
                content_type="application/json",
            ).status_code
            == 201
        )
        assert (
            client.put(
                "/api/v1/progress/me",
                {"chapter_id": ChapterFactory().id, "status": "completed"},
                content_type="application/json",
            ).status_code
            == 200
        )
    counts = {
        model: model.objects.count()
        for model in (Attempt, ChapterProgress, Streak, DailyActivity, MediaAsset)
    }
    assert all(counts.values()), counts


def rows_via(cursor_factory) -> dict[str, list[tuple]]:
    rows = {}
    for table, query in TABLES.items():
        cursor = cursor_factory()
        cursor.execute(query)
        rows[table] = [tuple(row) for row in cursor.fetchall()]
    return rows


def test_a_sqlite_backup_restores_with_nothing_lost(a_course_in_use, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup path (the PostgreSQL one runs on PostgreSQL)")
    source = sqlite3.connect(connection.settings_dict["NAME"])
    backup = tmp_path / "backup.sqlite3"
    target = sqlite3.connect(backup)
    source.backup(target)  # consistent even while the app writes (WAL)
    target.close()
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(backup, restored)  # restoring is putting the file in place
    original = rows_via(source.cursor)
    copy = sqlite3.connect(restored)
    assert rows_via(copy.cursor) == original
    assert all(original.values())
    if shutil.which("sqlite3"):  # the README's shell command gives the same file contents
        shell_backup = tmp_path / "shell.sqlite3"
        subprocess.run(
            ["sqlite3", connection.settings_dict["NAME"], f".backup {shell_backup}"], check=True
        )
        assert rows_via(sqlite3.connect(shell_backup).cursor) == original


def test_a_postgresql_dump_restores_into_an_empty_database_with_nothing_lost(
    a_course_in_use, tmp_path, postgres_only
):
    import psycopg

    for tool in ("pg_dump", "psql"):
        if shutil.which(tool) is None:
            pytest.skip(f"needs {tool} (Debian package postgresql-client)")
    settings_dict = connection.settings_dict
    host, port, user = (
        settings_dict["HOST"],
        str(settings_dict["PORT"] or 5432),
        settings_dict["USER"],
    )
    source_url = f"postgresql://{user}@{host}:{port}/{settings_dict['NAME']}"
    restore_name = f"{settings_dict['NAME']}_restore"
    restore_url = f"postgresql://{user}@{host}:{port}/{restore_name}"
    dump = tmp_path / "backup.sql"
    with psycopg.connect(source_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restore_name}"')
        admin.execute(f'CREATE DATABASE "{restore_name}"')
    try:
        subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "--file", str(dump), source_url],
            check=True,
        )
        subprocess.run(
            ["psql", "--quiet", "--set", "ON_ERROR_STOP=1", "--file", str(dump), restore_url],
            check=True,
            capture_output=True,
        )
        with psycopg.connect(source_url) as source, psycopg.connect(restore_url) as restored:
            original = rows_via(source.cursor)
            assert rows_via(restored.cursor) == original
            assert all(original.values())
    finally:
        with psycopg.connect(source_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restore_name}" WITH (FORCE)')
