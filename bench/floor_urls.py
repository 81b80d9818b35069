"""The benchmark's floors: the product's URLs plus three endpoints that each do one thing a real
request must do (a Redis GET, a PostgreSQL query, a committed write) and nothing else.

Served only by the benchmark's own floors phase (bench/floor_settings.py), never by the product.
Their req/s, as shares of the no-op measured on the same server just before them, bound what
any endpoint paying that round trip can reach on this machine: a target above its floor cannot
be met by tuning the app."""

import random

from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_safe

from coursecompanion.urls import urlpatterns as product_urlpatterns
from progress.models import Streak


@require_safe
def one_cache_get(request: HttpRequest) -> JsonResponse:
    """The shared cache's one round trip, as a content read makes it (django-redis, one GET)."""
    cache.get("bench:floor")
    return JsonResponse({"status": "ok"})


@require_safe
def one_select(request: HttpRequest) -> JsonResponse:
    """One PostgreSQL round trip on the request's persistent connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


# The seeded streaks' ids, read once: the write lands on a different student's row each time,
# so it waits on the commit's flush, not on another request's row lock.
_streak_ids: list[int] = []


@require_safe
def one_commit(request: HttpRequest) -> JsonResponse:
    """One durable write: a transaction that updates one row and commits (WAL flushed), as
    every progress write does at least once. The row's values do not change."""
    if not _streak_ids:
        _streak_ids.extend(Streak.objects.values_list("id", flat=True)[:1000])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE progress_streak SET current = current WHERE id = %s",
            [random.choice(_streak_ids)],
        )
    return JsonResponse({"status": "ok"})


urlpatterns = [
    *product_urlpatterns,
    path("bench-floor/cache-get", one_cache_get),
    path("bench-floor/select", one_select),
    path("bench-floor/commit", one_commit),
]
