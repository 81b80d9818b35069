"""The teaching dashboard at /admin/dashboard/, against a seeded data set written through the
real API (quiz submits, searches, refused reads, access checks), as an Editor."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import services as access_services
from access.models import AccessLog, User
from access.tiers import Tier
from conftest import bearer_client, make_user
from content.models import SearchLog
from coursecompanion.tests.factories import (
    ChapterFactory,
    CourseFactory,
    QuestionFactory,
    QuizFactory,
    SectionFactory,
)
from progress.models import ChapterProgress, DailyActivity
from quizzes.models import Attempt

pytestmark = pytest.mark.django_db
URL = "/admin/dashboard/"


@pytest.fixture
def seeded(rate_limits_off):
    course = CourseFactory(slug="python", title="Python")
    other = CourseFactory(slug="other", title="Other")
    basics = ChapterFactory(course=course, order=1, slug="basics", title="Basics")
    advanced = ChapterFactory(
        course=course, order=2, slug="advanced", title="Advanced", required_tier=Tier.PREMIUM
    )
    elsewhere = ChapterFactory(course=other, order=1, slug="elsewhere", title="Elsewhere")
    SectionFactory(chapter=basics, order=1, content="Loops repeat things.")
    SectionFactory(chapter=advanced, order=1, content="Metaclasses build classes.")
    SectionFactory(chapter=elsewhere, order=1, content="Nothing to see.")
    quiz = QuizFactory(chapter=basics, title="Basics quiz", pass_percent=70)
    single = QuestionFactory(quiz=quiz, order=1, answer="B")
    true_false = QuestionFactory(quiz=quiz, order=2, kind="true_false", options=[], answer=False)
    students = {
        name: make_user(f"{name}@example.com", tier=Tier.FREE) for name in ("s1", "s2", "s3", "s4")
    }
    staff = make_user("teacher@example.com", is_staff=True)
    answers = {
        "s1": ("A", False),  # 50 %: fails
        "s2": ("A", True),  # 0 %
        "s3": ("B", False),  # 100 %: passes
        "s4": ("C", False),  # 50 %
        "staff": ("D", True),  # staff: never counted
    }
    for name, (first, second) in answers.items():
        user = staff if name == "staff" else students[name]
        response = bearer_client(user).post(
            f"/api/v1/quizzes/{quiz.id}/submit",
            {"answers": {str(single.id): first, str(true_false.id): second}},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    yesterday = timezone.localdate() - timedelta(days=1)
    DailyActivity.objects.create(user=students["s1"], day=yesterday)
    DailyActivity.objects.create(user=students["s2"], day=timezone.localdate() - timedelta(days=40))
    now = timezone.now()
    ChapterProgress.objects.create(
        user=students["s1"], chapter=basics, status="completed", started_at=now, completed_at=now
    )
    ChapterProgress.objects.create(
        user=students["s2"], chapter=basics, status="in_progress", started_at=now
    )
    ChapterProgress.objects.create(
        user=staff, chapter=basics, status="completed", started_at=now, completed_at=now
    )
    # Searches: three askings of one gap (normalised alike), one only-locked, one answered.
    reader = bearer_client(students["s1"])
    for text in ("Quokka migration?!", "quokka   MIGRATION", "quokka migration"):
        assert reader.get("/api/v1/search", {"q": text}).json()["count"] == 0
    assert reader.get("/api/v1/search", {"q": "metaclasses"}).json()["items"][0]["locked"]
    assert reader.get("/api/v1/search", {"q": "loops"}).json()["count"] == 1
    # The upgrade wall: s1 is refused twice and asks once, then upgrades; s4 is refused once.
    assert reader.get(f"/api/v1/chapters/{advanced.id}").status_code == 403
    assert reader.get(f"/api/v1/chapters/{advanced.id}").status_code == 403
    check = reader.get("/api/v1/access/check", {"resource": f"chapter:{advanced.id}"})
    assert check.json()["allowed"] is False
    assert reader.get("/api/v1/access/check", {"resource": f"chapter:{basics.id}"}).json()[
        "allowed"
    ]
    writer = bearer_client(students["s4"])
    assert writer.get(f"/api/v1/chapters/{advanced.id}").status_code == 403
    access_services.change_tier(
        user=students["s1"], new_tier=Tier.PREMIUM, changed_by=staff, reason="bought it"
    )
    return {
        "course": course,
        "basics": basics,
        "advanced": advanced,
        "quiz": quiz,
        "single": single,
        "true_false": true_false,
        "students": students,
        "staff": staff,
    }


def test_the_numbers_match_the_seeded_data_exactly(seeded, editor_client):
    response = editor_client.get(URL)
    assert response.status_code == 200
    context = response.context
    today = timezone.localdate()
    active = dict(context["active"])
    assert len(active) == 30
    assert active[today] == 4  # s1..s4 submitted today; staff left out
    assert active[today - timedelta(days=1)] == 1
    assert sum(active.values()) == 5  # the 40-day-old activity is outside the period

    funnel = {row["title"]: (row["started"], row["completed"]) for row in context["funnel"]}
    assert funnel == {"Basics": (2, 1), "Advanced": (0, 0), "Elsewhere": (0, 0)}

    assert [
        (row["quiz__title"], row["attempts"], row["passed"], row["students"])
        for row in context["quizzes"]
    ] == [("Basics quiz", 4, 1, 4)]

    missed = [
        (
            row["question"].id,
            row["answered"],
            row["wrong"],
            row["common_wrong_answer"],
            row["common_wrong_times"],
        )
        for row in context["missed"]
    ]
    assert missed == [
        (seeded["single"].id, 4, 3, "A", 2),
        (seeded["true_false"].id, 4, 1, "true", 1),
    ]

    gaps = [
        (row["query"], row["times"], row["no_hits"], row["locked_only"])
        for row in context["search_gaps"]
    ]
    assert gaps == [("quokka migration", 3, 3, 0), ("metaclasses", 1, 0, 1)]
    assert {field.name for field in SearchLog._meta.get_fields()} == {
        "id",
        "query",
        "day",
        "outcome",
    }

    wall = [
        (row["resource"], row["title"], row["students"], row["refusals"], row["upgraded"])
        for row in context["wall"]["rows"]
    ]
    assert wall == [(f"chapter:{seeded['advanced'].id}", "Advanced", 2, 4, 1)]

    page = response.content.decode()
    quiz_url = f"/admin/quizzes/quiz/{seeded['quiz'].id}/change/"
    assert f'href="{quiz_url}#questions-0"' in page  # the most-missed question's edit form
    assert page.count('class="dashboard-chart"') == 3
    assert "quokka migration" in page


def test_the_course_and_period_filters(seeded, editor_client):
    other = editor_client.get(URL, {"course": seeded["course"].id + 1, "days": 7}).context
    assert other["filters"].days == 7
    assert len(other["active"]) == 7
    assert [row["title"] for row in other["funnel"]] == ["Elsewhere"]
    assert other["quizzes"] == [] and other["missed"] == [] and other["wall"]["rows"] == []
    python = editor_client.get(URL, {"course": seeded["course"].id, "days": 90}).context
    assert [row["title"] for row in python["funnel"]] == ["Basics", "Advanced"]
    assert len(python["wall"]["rows"]) == 1
    assert sum(dict(python["active"]).values()) == 6  # the 40-day-old day is in 90 days
    # Anything else falls back to the defaults, never an error.
    assert editor_client.get(URL, {"course": "x", "days": "12"}).context["filters"].days == 30


def test_the_admin_index_links_to_the_dashboard(editor_client):
    assert 'href="/admin/dashboard/"' in editor_client.get("/admin/").content.decode()


def test_students_never_reach_the_dashboard(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = bearer_client(user).get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make_user("support@example.com", is_staff=True))  # staff, not an Editor
    assert client.get(URL).status_code == 403


def test_refused_reads_and_access_checks_are_logged_but_granted_reads_are_not(auth_client, user):
    free = ChapterFactory(order=1)
    locked = ChapterFactory(order=2, required_tier=Tier.PRO)
    SectionFactory(chapter=free)
    assert auth_client.get(f"/api/v1/chapters/{free.id}").status_code == 200
    assert not AccessLog.objects.exists()
    assert auth_client.get(f"/api/v1/chapters/{locked.id}").status_code == 403
    auth_client.get("/api/v1/access/check", {"resource": f"chapter:{free.id}"})
    assert list(AccessLog.objects.order_by("id").values_list("user_id", "resource", "granted")) == [
        (user.id, f"chapter:{locked.id}", False),
        (user.id, f"chapter:{free.id}", True),
    ]


def test_a_refused_quiz_read_is_logged_as_the_quiz(auth_client, user):
    quiz = QuizFactory(chapter=ChapterFactory(required_tier=Tier.PREMIUM))
    assert auth_client.get(f"/api/v1/quizzes/{quiz.id}").status_code == 403
    assert list(AccessLog.objects.values_list("user_id", "resource", "granted")) == [
        (user.id, f"quiz:{quiz.id}", False)
    ]


def test_prune_search_log_keeps_the_configured_days(settings, user):
    settings.SEARCH_LOG_DAYS = 90
    today = timezone.localdate()
    SearchLog.objects.create(query="old", day=today - timedelta(days=91), outcome="no_hits")
    SearchLog.objects.create(query="recent", day=today - timedelta(days=89), outcome="no_hits")
    now = timezone.now()
    AccessLog.objects.create(
        user=user, resource="chapter:1", granted=False, created_at=now - timedelta(days=91)
    )
    AccessLog.objects.create(
        user=user, resource="chapter:1", granted=False, created_at=now - timedelta(days=1)
    )
    call_command("prune_search_log")
    assert list(SearchLog.objects.values_list("query", flat=True)) == ["recent"]
    assert AccessLog.objects.count() == 1


def seed_students(count: int, *, quiz, questions, chapters, first: int = 0) -> None:
    """`count` students with a day of activity, progress, an attempt, a refusal and a search gap
    each, written in bulk (the dashboard must not care how many there are)."""
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(email=f"bulk{n}@example.com", tier=Tier.FREE, password="!")
            for n in range(first, first + count)
        ]
    )
    DailyActivity.objects.bulk_create(
        [
            DailyActivity(user=u, day=timezone.localdate() - timedelta(days=n % 20))
            for n, u in enumerate(users)
        ]
    )
    ChapterProgress.objects.bulk_create(
        [
            ChapterProgress(
                user=u, chapter=chapters[n % len(chapters)], status="in_progress", started_at=now
            )
            for n, u in enumerate(users)
        ]
    )
    Attempt.objects.bulk_create(
        [
            Attempt(
                user=u,
                quiz=quiz,
                answers={},
                score=0,
                max_score=1,
                percent=0,
                passed=n % 3 == 0,
                results=[
                    {"question_id": q.id, "correct": (n + i) % 2 == 0, "your_answer": "ABCD"[n % 4]}
                    for i, q in enumerate(questions)
                ],
            )
            for n, u in enumerate(users)
        ]
    )
    AccessLog.objects.bulk_create(
        [
            AccessLog(user=u, resource=f"chapter:{chapters[-1].id}", granted=False, created_at=now)
            for u in users
        ]
    )
    SearchLog.objects.bulk_create(
        [
            SearchLog(query=f"gap {n % 50}", day=timezone.localdate(), outcome="no_hits")
            for n in range(count)
        ]
    )


@pytest.mark.parametrize("course_filter", [False, True])
def test_the_dashboard_costs_the_same_queries_for_10_and_1000_students(
    editor_client, course_filter
):
    course = CourseFactory()
    chapters = [ChapterFactory(course=course, order=n + 1) for n in range(3)]
    quiz = QuizFactory(chapter=chapters[0])
    questions = [QuestionFactory(quiz=quiz, order=n + 1) for n in range(3)]
    params = {"course": course.id} if course_filter else {}
    counts = []
    for first, students in ((0, 10), (10, 990)):  # 10, then 1,000 in all
        seed_students(students, quiz=quiz, questions=questions, chapters=chapters, first=first)
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(URL, params).status_code == 200
        counts.append(len(queries))
    assert User.objects.filter(is_staff=False).count() == 1000
    assert counts[0] == counts[1], counts
