import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from progress import services
from progress.models import ChapterProgress, DailyActivity, QuizResult, Streak

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    # Plain staff, not a superuser, in no group: looking up a student needs no extra permission.
    make_user("support@example.com", is_staff=True)
    client = Client()
    assert client.login(username="support@example.com", password="correct-horse-battery-9")
    return client


@pytest.fixture
def alice(course):
    alice = make_user("alice@example.com")
    make_user("bob@example.com")
    services.set_chapter_status(user=alice, chapter_id=course["one"].id, status="completed")
    services.record_quiz_result(
        user=alice,
        quiz_id=3,
        chapter_id=course["one"].id,
        percent=80,
        passed=True,
        at=timezone.now(),
    )
    return alice


@pytest.mark.parametrize("model", ["chapterprogress", "streak", "dailyactivity", "quizresult"])
def test_staff_look_up_a_student_by_email(staff_client, alice, model):
    response = staff_client.get(f"/admin/progress/{model}/", {"q": "alice@"})
    assert response.status_code == 200
    assert b"alice@example.com" in response.content
    assert b"bob@example.com" not in response.content


def test_progress_admin_is_read_only(staff_client, alice):
    row = ChapterProgress.objects.get(user=alice)
    base = "/admin/progress/chapterprogress"
    assert staff_client.get(f"{base}/{row.pk}/change/").status_code == 200  # view only
    assert (
        staff_client.post(f"{base}/{row.pk}/change/", {"status": "in_progress"}).status_code == 403
    )
    assert staff_client.get(f"{base}/add/").status_code == 403
    assert staff_client.post(f"{base}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    for model in (Streak, DailyActivity, QuizResult):
        assert staff_client.get(f"/admin/progress/{model._meta.model_name}/add/").status_code == 403
    row.refresh_from_db()
    assert row.status == "completed"


def test_students_cannot_open_the_progress_admin(alice):
    client = Client()
    assert client.login(username="alice@example.com", password="correct-horse-battery-9")
    response = client.get("/admin/progress/streak/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
