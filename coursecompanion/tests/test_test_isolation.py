"""The suite never touches a real cache: conftest.py gives it a local-memory one, whatever
REDIS_URL (from the environment or .env) says, since clearing a django-redis cache empties the
whole Redis database."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache


def test_tests_use_a_local_memory_cache():
    assert isinstance(caches["default"], LocMemCache)


def test_running_the_suite_with_redis_url_leaves_that_redis_alone(tmp_path):
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
    server = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        server.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    sentinel = f"cc-test-sentinel-{uuid.uuid4().hex}"
    server.set(sentinel, "kept", ex=60)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "coursecompanion/tests/test_errors_and_openapi.py::test_healthz",
                # Tables from the models, and without the property-testing plugins the inner test
                # never uses: what is checked is the cache, and the inner run's migrations and
                # imports were most of this test's time.
                "--nomigrations",
                "-p",
                "no:schemathesis",
                "-p",
                "no:hypothesispytest",
            ],
            cwd=settings.BASE_DIR,
            # Its own database, so the inner run can never touch this run's test database.
            env={
                **os.environ,
                "REDIS_URL": url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'inner.sqlite3'}",
            },
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert server.get(sentinel) == b"kept"
    finally:
        server.delete(sentinel)
