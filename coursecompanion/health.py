"""Readiness checks: each returns None when healthy or a short reason when not."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
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


def readiness_checks() -> dict[str, Callable[[], str | None]]:
    checks: dict[str, Callable[[], str | None]] = {"database": check_database}
    if settings.REDIS_URL:
        checks["cache"] = check_cache
    return checks
