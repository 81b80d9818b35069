"""Faults injected for real against the web process as deployed (gunicorn, DEBUG off): what the
user sees, how long the answer takes, and that nothing was written."""

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from coursecompanion.tests.faults import SilentListener, SwitchableProxy, access_token, closed_port
from coursecompanion.tests.production_server import ProductionServer, production_env

# The calls the review found answering 500 with the database down.
DATABASE_CALLS = [
    ("GET", "/api/v1/me", True, None),
    ("POST", "/api/v1/auth/token", False, {"email": "a@example.com", "password": "x-y-z-1234"}),
    ("POST", "/api/v1/streaks/me/checkin", True, None),
    ("GET", "/api/v1/search?q=python", False, None),
    ("GET", "/api/v1/chapters/1", False, None),
    ("GET", "/api/v1/chapters", False, None),
]


def call(server, method, path, *, token=None, body=None, timeout=30):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, dict(response.getheaders()), payload, time.monotonic() - started
    finally:
        connection.close()


def database_fault_server(tmp_path, static_root, database_url: str) -> ProductionServer:
    env = production_env(tmp_path, DATABASE_URL=database_url, DJANGO_STATIC_ROOT=str(static_root))
    server = ProductionServer(env, tmp_path / "gunicorn.log").start()
    # The first API call of a process imports and builds the API; time the faults, not that.
    for _ in range(4):
        call(server, "GET", "/api/v1/openapi.json")
    return server


def assert_database_unavailable_everywhere(server, *, within: float) -> dict[str, float]:
    token = access_token(server.env["JWT_SIGNING_KEY"])

    def one(case):
        method, path, signed_in, body = case
        return path, call(server, method, path, token=token if signed_in else None, body=body)

    with ThreadPoolExecutor(len(DATABASE_CALLS) + 1) as pool:
        readiness = pool.submit(call, server, "GET", "/readyz")
        results = dict(pool.map(one, DATABASE_CALLS))
        # /healthz never waits on the database, even while every call above does.
        status, _, _, healthz_seconds = call(server, "GET", "/healthz")
        assert status == 200
        assert healthz_seconds < 1.0, healthz_seconds
        ready_status, _, ready_body, ready_seconds = readiness.result()
    timings = {"/healthz": healthz_seconds, "/readyz": ready_seconds}
    assert ready_status == 503, ready_body
    assert json.loads(ready_body)["error"]["code"] == "not_ready"
    for path, (status, headers, body, seconds) in results.items():
        assert status == 503, (path, body)
        assert headers["Content-Type"].startswith("application/json"), path
        error = json.loads(body)["error"]
        assert error["code"] == "database_unavailable", (path, error)
        assert int(headers["Retry-After"]) > 0, path
        assert seconds < within, (path, seconds)
        timings[path] = seconds
    assert ready_seconds < within
    return timings


def test_database_on_a_closed_port_is_503_database_unavailable(tmp_path, collected_static_root):
    server = database_fault_server(
        tmp_path,
        collected_static_root,
        f"postgres://postgres@127.0.0.1:{closed_port()}/coursecompanion",
    )
    try:
        timings = assert_database_unavailable_everywhere(server, within=3.0)
    finally:
        server.stop()
    assert "Traceback" not in server.log()
    print("closed database port, seconds to answer:", timings)


def test_a_database_that_never_answers_is_503_within_the_connect_timeout(
    tmp_path, collected_static_root
):
    listener = SilentListener()
    server = database_fault_server(
        tmp_path,
        collected_static_root,
        f"postgres://postgres@127.0.0.1:{listener.port}/coursecompanion",
    )
    try:
        # DATABASE_CONNECT_TIMEOUT defaults to 3 s; gunicorn's worker timeout is 30 s.
        timings = assert_database_unavailable_everywhere(server, within=8.0)
    finally:
        server.stop()
        listener.stop()
    assert listener.accepted, "the server never tried the database"
    print("never-answering database, seconds to answer:", timings)


def test_the_app_recovers_on_its_own_when_the_database_returns(
    tmp_path, collected_static_root, postgres_only, transactional_db
):
    from django.db import connection

    database = connection.settings_dict
    proxy = SwitchableProxy(int(database["PORT"] or 5432))
    server = database_fault_server(
        tmp_path,
        collected_static_root,
        f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}"
        f"?application_name={FAULT_SERVER_APPLICATION}",
    )
    try:
        status, _, body, _ = call(server, "GET", "/api/v1/chapters")
        assert status == 503, body
        proxy.up = True
        status, _, body, _ = call(server, "GET", "/api/v1/chapters")
        assert status == 200, body
        # Chapters are cached now; readiness always asks the database.
        proxy.go_down()
        status, _, body, _ = call(server, "GET", "/readyz")
        assert status == 503, body
        proxy.up = True
        status, _, body, _ = call(server, "GET", "/readyz")
        assert status == 200, body
    finally:
        server.stop()
        proxy.stop()
        wait_until_only_this_session_uses(connection)


FAULT_SERVER_APPLICATION = "coursecompanion-fault-test"


def wait_until_only_this_session_uses(connection) -> None:
    """The stopped server's sessions on this test database (its own, through the proxy, named
    by their application_name) may outlive it for a moment; the test database can only be
    dropped once they are gone. Nobody else's sessions are touched."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [FAULT_SERVER_APPLICATION],
        )


@pytest.mark.django_db
def test_redis_stopped_reads_keep_working_and_sign_in_fails_closed(user):
    """Fault injected for real: a Redis we started serves the cache, then we stop it."""
    import shutil

    from django.core.cache import cache
    from django.test import Client, override_settings
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from conftest import bearer_client
    from coursecompanion.tests.faults import OwnRedis

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server (Debian package redis-server; .ci/run installs it)")
    redis = OwnRedis(binary)
    caches = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    login = {"email": user.email, "password": "correct-horse-battery-9"}
    try:
        with override_settings(CACHES=caches):
            assert Client().post("/api/v1/auth/token", login, "application/json").status_code == 200
            tokens_before = OutstandingToken.objects.count()
            redis.stop()
            timings = {}
            started = time.monotonic()
            refused = Client().post("/api/v1/auth/token", login, "application/json")
            timings["POST /auth/token"] = time.monotonic() - started
            started = time.monotonic()
            me = bearer_client(user).get("/api/v1/me")
            timings["GET /me"] = time.monotonic() - started
            started = time.monotonic()
            chapters = Client().get("/api/v1/chapters")
            timings["GET /chapters"] = time.monotonic() - started
            cache.close()
    finally:
        redis.stop()
    # Sign-in fails closed (no password guessing while the counters are gone), and no token
    # was issued; reads fail open.
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "rate_limiter_unavailable"
    assert int(refused["Retry-After"]) > 0
    assert OutstandingToken.objects.count() == tokens_before
    assert (me.status_code, chapters.status_code) == (200, 200)
    assert max(timings.values()) < 10, timings
    print("Redis stopped, seconds to answer:", timings)
