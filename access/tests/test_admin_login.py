"""The admin's sign-in is limited by the same failed-login policy as POST /auth/token."""

import pytest
from django.test import Client

from conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"
LOGIN = "/admin/login/?next=/admin/"


def admin_login(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password, "next": "/admin/"})


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_the_right_password_is_refused_after_five_wrong_ones_from_the_same_client(
    frozen_time, settings
):
    make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    limit = int(settings.RATE_LIMITS["login_per_account_ip"].split("/")[0])
    for _ in range(limit):
        response = admin_login(client, "root@example.com", "wrong-guess-123")
        assert response.status_code == 200
        assert "Please enter the correct" in response.content.decode()
    response = admin_login(client, "root@example.com", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert not signed_in(client)


def test_admin_failures_count_for_the_api_and_api_failures_for_the_admin(frozen_time, settings):
    make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    limit = int(settings.RATE_LIMITS["login_per_account_ip"].split("/")[0])
    for _ in range(limit):
        admin_login(client, "root@example.com", "wrong-guess-123")
    api = client.post(
        "/api/v1/auth/token",
        {"email": "root@example.com", "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 429
    assert api.json()["error"]["details"]["scope"].startswith("auth:login")


def test_api_failures_lock_the_admin_too(frozen_time, settings):
    make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    limit = int(settings.RATE_LIMITS["login_per_account_ip"].split("/")[0])
    for _ in range(limit):
        client.post(
            "/api/v1/auth/token",
            {"email": "root@example.com", "password": "wrong-guess-123"},
            content_type="application/json",
        )
    assert (
        "Too many failed sign-ins"
        in admin_login(client, "root@example.com", PASSWORD).content.decode()
    )


def test_a_successful_admin_login_counts_nothing(frozen_time, settings):
    make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    limit = int(settings.RATE_LIMITS["login_per_account_ip"].split("/")[0])
    for _ in range(limit + 2):
        response = admin_login(client, "root@example.com", PASSWORD)
        assert response.status_code == 302
        client.logout()
    admin_login(client, "root@example.com", PASSWORD)
    assert signed_in(client)
