"""OWASP API5:2023 Broken Function Level Authorization: staff-only functions refuse students
whatever the body, and staff without the user permission (editors) may not manage users. Also
covered: the tier upgrade by managers (access/tests/test_access_api.py), OAuth tokens never
carry staff powers (access OAuth tests), admin permissions per group
(access/tests/test_admin.py)."""

import pytest
from django.test import Client

from access.models import TierChange, User
from access.tests.test_access_api import UPGRADE
from conftest import assert_error, bearer_client, make_user, post_json

pytestmark = pytest.mark.django_db


def test_a_student_cannot_upgrade_anyone_not_even_themselves():
    student = make_user()
    changes_before = TierChange.objects.count()
    response = bearer_client(student).post(
        "/api/v1/access/upgrade",
        {"user_id": student.pk, "new_tier": "pro"},
        content_type="application/json",
    )
    assert response.status_code == 403
    student.refresh_from_db()
    assert student.tier == "free"
    assert TierChange.objects.count() == changes_before


def test_staff_without_the_user_permission_cannot_upgrade():
    editor = make_user("editor@example.com", is_staff=True)
    target = make_user("target@example.com")
    response = bearer_client(editor).post(
        "/api/v1/access/upgrade",
        {"user_id": target.pk, "new_tier": "pro"},
        content_type="application/json",
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.tier == "free"


def test_a_student_cannot_open_the_admin():
    make_user()
    client = Client()
    assert client.login(username="student@example.com", password="correct-horse-battery-9")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "body",
    [
        "self",
        "other",
        {},
        {"user_id": "x", "new_tier": []},
        "not json",
    ],
)
def test_students_get_403_from_upgrade_whatever_the_body(user, body):
    other = make_user("other@example.com")
    if body == "self":
        body = {"user_id": user.id, "new_tier": "team", "reason": "I said so"}
    elif body == "other":
        body = {"user_id": other.id, "new_tier": "pro"}
    response = post_json(bearer_client(user), UPGRADE, body)
    assert_error(response, 403, "forbidden")
    assert set(User.objects.values_list("tier", flat=True)) == {"free"}
    assert not TierChange.objects.exists()


def test_editors_are_staff_but_may_not_change_tiers(user):
    editor = make_user("editor@example.com", is_staff=True)
    response = post_json(bearer_client(editor), UPGRADE, {"user_id": user.id, "new_tier": "pro"})
    assert_error(response, 403, "forbidden")
    user.refresh_from_db()
    assert user.tier == "free"
