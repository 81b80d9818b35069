"""OWASP API5:2023 Broken Function Level Authorization: staff-only functions refuse students,
and editors may not manage users. Also covered: the tier upgrade by managers
(access/tests/test_access_api.py), OAuth tokens never carry staff powers (access OAuth tests),
admin permissions per group (access/tests/test_admin.py)."""

import pytest
from django.test import Client

from access.models import TierChange
from conftest import bearer_client, make_user

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
