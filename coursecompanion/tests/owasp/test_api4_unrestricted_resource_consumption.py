"""OWASP API4:2023 Unrestricted Resource Consumption: page size, body size, query length,
attempts per day and registrations are bounded. Also covered: quiz attempts per day
(quizzes/tests/test_services.py, parallel submits never pass the cap), rate limits per user and
IP (access/tests/test_ratelimits.py), chunked bodies and request-line limits on the real server
(coursecompanion/tests/test_web_server.py)."""

import pytest
from django.conf import settings
from django.test import Client

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
