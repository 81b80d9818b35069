"""OWASP API8:2023 Security Misconfiguration: no debug output, security headers, JSON errors
only, no permissive CORS. Also covered: `check --deploy --fail-level WARNING` passes with the
README's production variables and secrets are required (coursecompanion/tests/test_settings.py),
JSON 500 without traceback (coursecompanion/tests/test_errors_and_openapi.py), gunicorn's own
refusals in JSON (coursecompanion/tests/test_web_server.py)."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_debug_is_off_under_test_as_in_production():
    assert settings.DEBUG is False


def test_api_answers_carry_the_security_headers(anon_client):
    response = anon_client.get("/api/v1/tiers")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/nope"), ("delete", "/api/v1/chapters"), ("get", "/api/v1/chapters/999")],
)
def test_errors_on_the_api_are_never_html(anon_client, method, path):
    response = getattr(anon_client, method)(path)
    assert response.status_code >= 400
    assert response["Content-Type"].startswith("application/json")
    assert b"<html" not in response.content.lower()


def test_a_disallowed_host_is_a_json_400(anon_client):
    response = anon_client.get("/api/v1/tiers", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
