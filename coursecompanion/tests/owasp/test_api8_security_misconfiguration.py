"""OWASP API8:2023 Security Misconfiguration: no debug output, security headers (also on
rewritten errors), JSON errors only (404, 405, 500 without traceback, a disallowed host), no
permissive CORS. Also covered: `check --deploy --fail-level WARNING` passes with the README's
production variables and secrets are required (coursecompanion/tests/test_settings.py),
gunicorn's own refusals in JSON (coursecompanion/tests/test_web_server.py)."""

import pytest
from django.conf import settings
from django.test import Client

from coursecompanion.tests.test_errors_and_openapi import error_of

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


def test_unknown_api_url_is_404_json(anon_client):
    assert error_of(anon_client.get("/api/v1/nope"), 404)["code"] == "not_found"


def test_wrong_method_is_405_json(anon_client):
    response = anon_client.delete("/api/v1/chapters")
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_unhandled_error_is_json_500_without_traceback(monkeypatch, settings):
    from content import services

    def explode(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services, "list_chapters", explode)
    for debug in (False, True):
        settings.DEBUG = debug
        response = Client(raise_request_exception=False).get("/api/v1/chapters")
        error = error_of(response, 500)
        assert error["code"] == "server_error"
        assert "secret internal detail" not in response.content.decode()
        assert "Traceback" not in response.content.decode()


def test_disallowed_host_on_an_api_path_is_the_json_error_shape(anon_client):
    # Refused by CommonMiddleware, before any view: only a middleware in front of it sees it.
    response = anon_client.get("/api/v1/tiers", HTTP_HOST="evil.example")
    assert error_of(response, 400) == {
        "code": "bad_request",
        "message": "The request is malformed.",
        "details": None,
    }


def test_rewritten_errors_keep_the_security_headers(anon_client):
    response = anon_client.get("/api/v1/nope")
    assert error_of(response, 404)["code"] == "not_found"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
