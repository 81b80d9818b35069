import http.client
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings

from access.models import User
from access.tiers import Tier
from coursecompanion.tests.factories import ChapterFactory, CourseFactory, SectionFactory

# Tests use a local-memory cache, whatever REDIS_URL says: the cache is cleared around every
# test, and clearing a django-redis cache empties the whole Redis database. A test that needs
# Redis overrides CACHES itself (access/tests/test_ratelimits.py: redis_cache).
TEST_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "course-companion-tests",
    }
}


# --- the log of the whole run, scanned for secrets at the end ---------------------------------

RUN_LOG_VARIABLE = "COURSECOMPANION_RUN_LOG"


@pytest.fixture(scope="session", autouse=True)
def _log_of_the_run(tmp_path_factory):
    """Every log line of the run, formatted as in production, in one file; the production
    servers the tests start add theirs (coursecompanion/tests/production_server.py)."""
    import logging
    import os

    from coursecompanion.logs import JsonFormatter

    path = tmp_path_factory.mktemp("run-log") / "run.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    os.environ[RUN_LOG_VARIABLE] = str(path)
    yield path
    logging.getLogger().removeHandler(handler)
    handler.close()


def pytest_sessionfinish(session, exitstatus):
    """No token, password or key in any log line of the run: fails the run otherwise."""
    import os
    from pathlib import Path

    from django.conf import settings

    from coursecompanion.tests.log_secrets import secrets_in

    path = os.environ.get(RUN_LOG_VARIABLE)
    if not path or not Path(path).exists():
        return
    lines = Path(path).read_text(errors="replace").splitlines()
    leaked = secrets_in(lines, keys=(settings.SECRET_KEY, settings.JWT_SIGNING_KEY))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaked:
        if reporter:
            reporter.write_line(f"SECRETS IN THE LOG ({len(leaked)} lines of {path}):", red=True)
            for line in leaked[:10]:
                reporter.write_line(f"  {line[:300]}")
        session.exitstatus = 1
    elif reporter:
        reporter.write_line(f"log of the run: {len(lines)} lines, no token, password or key")


@pytest.fixture(scope="session", autouse=True)
def _local_memory_cache():
    # Once for the session, not per test: replacing CACHES replaces the cache objects, which
    # would break monkeypatching them.
    with override_settings(CACHES=TEST_CACHES):
        yield


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # Hashing passwords for real would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")


# --- races: real threads against a live server ------------------------------------------------

RACE_THREADS = 16


def run_together(count: int, work: Callable[[int], Any]) -> list:
    """Run work(i) in `count` threads released at the same moment; return what each returned
    (or raised)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as error:  # reported by the caller's assertion, not lost in the thread
            results[index] = error
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@dataclass
class LiveResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class LiveApi:
    """JSON over real HTTP to pytest-django's live server (a thread per request, each with its
    own database connection), so races meet the database as they would in production."""

    def __init__(self, base_url: str, user: User | None = None) -> None:
        self.base_url = base_url
        self.token = None
        if user is not None:
            from rest_framework_simplejwt.tokens import AccessToken

            self.token = str(AccessToken.for_user(user))

    def call(self, method: str, path: str, body: Any = None, headers=None) -> LiveResponse:
        parsed = urllib.parse.urlsplit(self.base_url)
        sent = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        connection_ = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        try:
            data = None if body is None else json.dumps(body)
            connection_.request(method, f"/api/v1{path}", body=data, headers=sent)
            response = connection_.getresponse()
            return LiveResponse(response.status, dict(response.getheaders()), response.read())
        finally:
            connection_.close()

    def get(self, path: str, **kwargs) -> LiveResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs) -> LiveResponse:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs) -> LiveResponse:
        return self.call("PUT", path, body, **kwargs)


PASSWORD = "correct-horse-battery-9"
PREMIUM_TEXT = "PREMIUM-ONLY-TEXT-c41b"


def count_shared_cache_calls(monkeypatch) -> list[tuple[str, tuple]]:
    """From now on, each call the code makes to the shared cache (get, get_many, get_or_set,
    set), with its first argument: one entry per round trip the real cache would make."""
    calls: list[tuple[str, tuple]] = []
    inside = []  # the local-memory cache's get_many calls its own get: count the outer call
    for name in ("get", "get_many", "get_or_set", "set"):
        original = getattr(cache, name)

        def counting(*args, _name=name, _original=original, **kwargs):
            if not inside:
                calls.append((_name, args[:1]))
            inside.append(_name)
            try:
                return _original(*args, **kwargs)
            finally:
                inside.pop()

        monkeypatch.setattr(cache, name, counting)
    return calls


def post_json(client: Client, url: str, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape, with this status and code and a message; returns the error."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.fixture
def gated_course():
    """Chapter 1 free, chapter 2 premium (with text only premium may read), 3 a draft."""
    course = CourseFactory()
    free = ChapterFactory(course=course, order=1, slug="free", title="Free")
    free_section = SectionFactory(chapter=free, order=1, content="Free text.")
    premium = ChapterFactory(
        course=course, order=2, slug="premium", title="Premium", required_tier=Tier.PREMIUM
    )
    premium_section = SectionFactory(chapter=premium, order=1, content=PREMIUM_TEXT)
    draft = ChapterFactory(course=course, order=3, slug="draft", published=False)
    draft_section = SectionFactory(chapter=draft, order=1)
    return {
        "free": free,
        "free_section": free_section,
        "premium": premium,
        "premium_section": premium_section,
        "draft": draft,
        "draft_section": draft_section,
    }


def make_user(email: str = "student@example.com", *, tier: str = Tier.FREE, **extra) -> User:
    return User.objects.create_user(email, PASSWORD, tier=tier, **extra)


@pytest.fixture
def user(db) -> User:
    return make_user()


@pytest.fixture
def premium_user(db) -> User:
    return make_user("premium@example.com", tier=Tier.PREMIUM)


@pytest.fixture
def staff_user(db) -> User:
    return make_user("staff@example.com", is_staff=True)


def make_editor(email: str = "editor@example.com") -> User:
    """A staff member in the Editors group (course material only)."""
    from django.contrib.auth.models import Permission

    from access.editors import EDITOR_ACTIONS, EDITORS_GROUP

    group, created = Group.objects.get_or_create(name=EDITORS_GROUP)
    if created:
        # A transactional test flushed what the data migrations made (the permissions come
        # back with post_migrate): rebuild the group exactly as those migrations do.
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=("content", "quizzes"),
                codename__regex=rf"^({'|'.join(EDITOR_ACTIONS)})_",
            )
        )
    editor = make_user(email, is_staff=True)
    editor.groups.add(group)
    return editor


@pytest.fixture
def editor_client(db) -> Client:
    """A browser session of an Editors-group member, logged in to the admin."""
    client = Client()
    client.force_login(make_editor())
    return client


@pytest.fixture
def anon_client() -> Client:
    return Client()


def bearer_client(user: User) -> Client:
    from rest_framework_simplejwt.tokens import AccessToken

    return Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")


@pytest.fixture
def auth_client(user) -> Client:
    return bearer_client(user)


@pytest.fixture
def premium_client(premium_user) -> Client:
    return bearer_client(premium_user)


# --- Media on R2: a real S3-speaking server (moto) on loopback ---


@pytest.fixture(scope="session")
def s3_server():
    from coursecompanion.tests.loopback_s3 import LoopbackS3

    server = LoopbackS3()
    yield server
    server.stop()


@pytest.fixture
def r2_bucket(s3_server, settings) -> str:
    """A fresh bucket on the loopback S3 server, made the default storage with exactly the options
    settings.py uses for R2 (Django's setting_changed handler drops the cached storages)."""
    from coursecompanion.storage import r2_storage
    from coursecompanion.tests.loopback_s3 import ACCESS_KEY, SECRET_KEY

    bucket = s3_server.create_bucket()
    settings.R2_ENABLED = True
    settings.R2_BUCKET = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "default": r2_storage(
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            bucket=bucket,
            endpoint_url=s3_server.endpoint_url,
            url_expire_seconds=settings.R2_URL_EXPIRE_SECONDS,
        ),
    }
    s3_server.requests.clear()
    return bucket


@pytest.fixture
def rate_limits_off(settings):
    """For a test that calls one operation more than 60 times (e.g. hypothesis over the API):
    the API-wide rate limits (access/ratelimits.py) would answer 429."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture
def frozen_time():
    """Time stands still, so a rate-limit window cannot roll over in the middle of a test."""
    with time_machine.travel(datetime(2030, 1, 7, 12, 0, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


# --- Pages and widgets in a real browser: headless Chromium (Debian's package) ---

CHROMIUM = "/usr/bin/chromium"
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def browser_page(monkeypatch):
    """A Playwright page in Debian's headless Chromium, with `page.console_errors` collecting
    console errors and uncaught exceptions. Skips, naming what is missing, without the browser.

    One browser per test, not per session: Playwright's sync API keeps an asyncio loop running
    in this thread while it is started, and Django refuses ORM calls under a running loop, so a
    session-wide browser would break every other test. For the same reason the ORM is allowed
    under that loop for the duration of a browser test only."""
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium package (apt-get install chromium): not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs playwright (pip install -r requirements-dev.txt): not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=PHONE_VIEWPORT)
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        yield page
        browser.close()
