import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_user
from progress import services
from progress.reports import course_stats

pytestmark = pytest.mark.django_db


def test_stats_counts_students_activity_completions_and_passes(course):
    now = timezone.now()
    alice = make_user("alice@example.com")
    bob = make_user("bob@example.com", tier="premium")
    carol = make_user("carol@example.com", tier="pro")
    make_user("staff@example.com", is_staff=True)  # staff are not students
    gone = make_user("gone@example.com", is_active=False)  # nor are closed accounts
    services.set_chapter_status(user=gone, chapter_id=course["one"].id, status="completed")
    services.set_chapter_status(user=alice, chapter_id=course["one"].id, status="completed")
    services.record_activity(user=carol, at=now - timedelta(days=20))
    for percent, passed in ((40, False), (90, True)):
        services.record_quiz_result(
            user=alice,
            quiz_id=1,
            chapter_id=course["one"].id,
            percent=percent,
            passed=passed,
            at=now,
        )
    services.record_quiz_result(
        user=bob, quiz_id=1, chapter_id=course["one"].id, percent=10, passed=False, at=now
    )

    stats = course_stats()
    assert stats.students_per_tier == {"free": 1, "premium": 1, "pro": 1, "team": 0}
    assert stats.students_total == 3
    assert stats.active_last_7_days == 2  # alice and bob today
    assert stats.active_last_30_days == 3  # and carol, 20 days ago
    assert stats.chapters_completed == 1
    assert stats.completions_per_chapter == {f"{course['one'].course.slug}/{course['one'].slug}": 1}
    assert stats.quiz_attempts == 3
    assert stats.quiz_pass_rate == 50.0


def test_stats_command_prints_text_and_json(course):
    make_user("alice@example.com")
    out = io.StringIO()
    call_command("stats", stdout=out)
    assert "Students: 1 (free 1, premium 0, pro 0, team 0)" in out.getvalue()
    assert "pass rate: n/a" in out.getvalue()
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    assert json.loads(out.getvalue())["students_total"] == 1
