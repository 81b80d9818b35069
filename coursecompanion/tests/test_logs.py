"""One JSON log line per request, with request id, user, operationId, status and latency; the
development server prints each request once."""

import json
import logging
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import bearer_client
from coursecompanion.tests.production_server import REPO, free_port

pytestmark = pytest.mark.django_db


def request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "coursecompanion.request"]


def test_each_request_logs_one_line_with_id_user_operation_status_and_latency(caplog, user):
    client = bearer_client(user)
    with caplog.at_level(logging.INFO, logger="coursecompanion.request"):
        response = client.get("/api/v1/me", headers={"X-Request-ID": "chatgpt-call-42"})
    assert response["X-Request-ID"] == "chatgpt-call-42"
    (line,) = request_lines(caplog)
    assert (line.request_id, line.user_id, line.operation_id, line.status) == (
        "chatgpt-call-42",
        user.pk,
        "getMe",
        200,
    )
    assert line.latency_ms >= 0
    from coursecompanion.logs import JsonFormatter

    formatted = json.loads(JsonFormatter().format(line))
    assert {"request_id", "user_id", "operation_id", "status", "latency_ms"} <= set(formatted)


def test_a_request_without_a_usable_id_gets_a_new_one(caplog, anon_client):
    with caplog.at_level(logging.INFO, logger="coursecompanion.request"):
        first = anon_client.get("/api/v1/tiers", headers={"X-Request-ID": "bad id\nforged"})
        second = anon_client.patch("/api/v1/me", {}, content_type="application/json")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert "\n" not in first["X-Request-ID"]
    lines = request_lines(caplog)
    assert [(line.operation_id, line.user_id, line.status) for line in lines] == [
        ("listTiers", None, 200),
        ("updateMe", None, 401),  # PATCH /me shares its URL with GET /me
    ]


def test_the_development_server_prints_each_request_once(tmp_path):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    log = (tmp_path / "runserver.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/nope", timeout=2)
        except urllib.error.HTTPError as error:
            assert error.code == 404
        time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)
    output = (tmp_path / "runserver.log").read_text()
    lines = [line for line in output.splitlines() if "/api/v1/nope" in line]
    assert len(lines) == 1, output
    assert json.loads(lines[0])["status"] == 404
    assert output.count('"path": "/healthz"') >= 1, output


def test_the_run_log_scan_finds_tokens_passwords_and_keys():
    from coursecompanion.tests.log_secrets import secrets_in

    token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    lines = [
        '{"message": "GET /api/v1/me 200"}',
        f'{{"message": "Authorization: Bearer {token}"}}',
        '{"message": "login failed for correct-horse-battery-9"}',
        '{"message": "key s3cr3t-signing-key-value"}',
    ]
    assert secrets_in(lines, keys=["s3cr3t-signing-key-value"]) == lines[1:]
