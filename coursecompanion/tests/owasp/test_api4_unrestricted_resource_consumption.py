"""OWASP API4:2023 Unrestricted Resource Consumption: page size, body size, query length,
calls per minute, attempts per day and registrations per address are bounded. Also covered:
parallel submits never pass the daily attempt cap (quizzes/tests/test_services.py), the other
rate limits per user and IP (access/tests/test_ratelimits.py), chunked bodies and request-line
limits on the real server (coursecompanion/tests/test_web_server.py)."""

import json

import pytest
from django.conf import settings
from django.test import Client

from access.models import User
from access.tests.test_auth_api import REGISTER
from access.tests.test_ratelimits import assert_limited, call_until_limited
from conftest import PASSWORD, assert_error, bearer_client, post_json
from coursecompanion.tests.factories import ChapterFactory

pytestmark = pytest.mark.django_db


def test_page_size_is_clamped(anon_client):
    for order in range(1, settings.API_PAGE_SIZE_MAX + 6):
        ChapterFactory(order=order)
    body = anon_client.get("/api/v1/chapters?limit=100000").json()
    assert len(body["items"]) == settings.API_PAGE_SIZE_MAX


def test_a_body_over_the_limit_is_413_before_parsing(anon_client):
    big = b'{"email": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    response = anon_client.post("/api/v1/auth/token", big, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_search_query_over_200_characters_is_422(anon_client):
    response = anon_client.get("/api/v1/search", {"q": "a" * 201})
    assert response.status_code == 422


def test_an_absurd_offset_is_422_not_a_database_overflow(anon_client):
    response = anon_client.get(f"/api/v1/chapters?offset={settings.API_OFFSET_MAX + 1}")
    assert response.status_code == 422


def test_registrations_per_ip_are_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register_per_ip": "3/h"}
    client = Client()
    statuses = [
        client.post(
            "/api/v1/auth/register",
            {"email": f"new{n}@example.com", "password": "correct-horse-battery-9"},
            content_type="application/json",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 201, 429]


def test_register_body_over_the_upload_limit_is_413_json(anon_client):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = post_json(
        anon_client, REGISTER, json.dumps({"email": "a@example.com", "password": padding})
    )
    assert_error(response, 413, "payload_too_large")
    assert not User.objects.exists()


def test_registration_is_limited_per_ip(frozen_time, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register_per_ip": "2/h"}
    for number in range(2):
        body = {"email": f"new{number}@example.com", "password": PASSWORD}
        assert post_json(Client(), REGISTER, body).status_code == 201
    response = post_json(Client(), REGISTER, {"email": "new9@example.com", "password": PASSWORD})
    assert_error(response, 429, "rate_limited")
    assert 60 < int(response["Retry-After"]) <= 3600
    assert not User.objects.filter(email="new9@example.com").exists()


def test_61st_call_in_a_minute_is_429_with_retry_after(frozen_time, user, gated_course):
    client = bearer_client(user)
    url = f"/api/v1/chapters/{gated_course['free'].id}"
    retry_after = assert_limited(call_until_limited(lambda: client.get(url), 60), "api:getChapter")
    # Limits are per operation: another one still answers.
    assert client.get("/api/v1/chapters").status_code == 200
    frozen_time.shift(retry_after)
    assert client.get(url).status_code == 200
