"""Readiness checks: each returns None when healthy or a short reason when not."""

import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return f"{type(exc).__name__}"
    return None


def check_cache() -> str | None:
    try:
        cache.set("readyz:probe", "1", 5)
        if cache.get("readyz:probe") != "1":
            return "cache did not return the probe value"
    except Exception as exc:
        return f"{type(exc).__name__}"
    return None


def check_storage() -> str | None:
    """The R2 bucket answers (a HEAD on the bucket: cheap, reads and writes nothing)."""
    try:
        storage: Any = default_storage  # S3Storage here: only asked when R2 is configured
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    except Exception as exc:
        return f"{type(exc).__name__}"
    return None


def readiness_checks() -> dict[str, Callable[[], str | None]]:
    checks: dict[str, Callable[[], str | None]] = {"database": check_database}
    if settings.REDIS_URL:
        checks["cache"] = check_cache
    if settings.R2_ENABLED:
        checks["storage"] = check_storage
    return checks


@dataclass
class ProbeStep:
    name: str
    ok: bool
    detail: str


def probe_storage(storage: Storage | None = None, *, timeout: float = 10) -> list[ProbeStep]:
    """Write, read back, fetch by URL (when the storage gives absolute URLs, as R2 does) and
    delete a small probe object, reporting each step. Stops early only when the write fails;
    the probe is deleted whatever happened in between."""
    storage = storage or default_storage
    token = uuid.uuid4().hex
    data = f"course companion storage probe {token}\n".encode()
    steps: list[ProbeStep] = []

    def step(name: str, action: Callable[[], str]) -> bool:
        try:
            steps.append(ProbeStep(name, True, action()))
        except Exception as exc:
            steps.append(ProbeStep(name, False, f"{type(exc).__name__}: {exc}"))
            return False
        return True

    stored: list[str] = []

    def write() -> str:
        stored.append(storage.save(f"healthchecks/probe-{token}.txt", ContentFile(data)))
        return stored[0]

    def read() -> str:
        with storage.open(stored[0], "rb") as handle:
            body = handle.read()
        if body != data:
            raise ValueError(f"read {len(body)} bytes that differ from the {len(data)} written")
        return f"{len(body)} bytes match"

    def fetch() -> str:
        url = storage.url(stored[0])
        if not url.startswith(("http://", "https://")):
            return f"skipped: {url} is served by this site"
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http/s only)
            body = response.read()
        if body != data:
            raise ValueError("the URL served different bytes")
        return "the URL serves the same bytes"

    def delete() -> str:
        storage.delete(stored[0])
        if storage.exists(stored[0]):
            raise ValueError("the probe still exists after delete")
        return "deleted"

    if step("write", write):
        step("read", read)
        step("url", fetch)
        step("delete", delete)
    return steps
