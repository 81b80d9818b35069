"""Scheduled publishing: a chapter marked published is live only inside its window.

One rule, `is_live`, decides; `live_q` is the same rule for querysets. Nothing runs on a
timer: every read applies the window at request time, so no cron is needed for correctness.
Cached content carries each chapter's window and is filtered after it leaves the cache, so a
cache entry built before a chapter's `publish_at` (or `unpublish_at`) never serves it wrongly.
"""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

Window = tuple[datetime | None, datetime | None]


def now() -> datetime:
    # The one clock reads use; tests move it with time-machine.
    return timezone.now()


def is_live(window: Window, at: datetime | None = None) -> bool:
    """True when `at` (default: now) lies in [publish_at, unpublish_at); an open end is no limit."""
    publish_at, unpublish_at = window
    at = at or now()
    return (publish_at is None or publish_at <= at) and (unpublish_at is None or at < unpublish_at)


def live_q(at: datetime | None = None, *, prefix: str = "") -> Q:
    """`is_live` for a queryset of chapters (or of rows reaching a chapter through `prefix`)."""
    at = at or now()
    return (Q(**{f"{prefix}publish_at__isnull": True}) | Q(**{f"{prefix}publish_at__lte": at})) & (
        Q(**{f"{prefix}unpublish_at__isnull": True}) | Q(**{f"{prefix}unpublish_at__gt": at})
    )


def live_sql(table: str, params: dict[str, object], *, at: datetime | None = None) -> str:
    """`is_live` as an SQL condition on the chapter table aliased `table`, with `at` bound as a
    parameter (for the raw search queries)."""
    params["live_at"] = at or now()
    return (
        f"({table}.publish_at IS NULL OR {table}.publish_at <= %(live_at)s)"
        f" AND ({table}.unpublish_at IS NULL OR {table}.unpublish_at > %(live_at)s)"
    )


def schedule_state(*, published: bool, window: Window, at: datetime | None = None) -> str:
    """What the admin list says: draft, scheduled (before its window), live, or ended."""
    if not published:
        return "draft"
    at = at or now()
    publish_at, unpublish_at = window
    if publish_at is not None and at < publish_at:
        return "scheduled"
    if unpublish_at is not None and at >= unpublish_at:
        return "ended"
    return "live"
