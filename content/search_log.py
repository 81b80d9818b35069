"""The search-gap log: queries that found nothing, or only locked hits, for the staff dashboard.

Only the normalised text and the day are kept, never who asked; rows older than
SEARCH_LOG_DAYS are deleted by `manage.py prune_search_log` (with the access log)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from access.models import AccessLog
from content.models import SearchLog
from content.search_query import tokens

MAX_QUERY_LENGTH = SearchLog._meta.get_field("query").max_length


def normalise_query(text: str) -> str:
    """Lower case words separated by single spaces: "Recursion?!  BASE case" -> "recursion
    base case", so the same question asked twice is counted as one query."""
    return " ".join(tokens(text))[:MAX_QUERY_LENGTH].strip()


def record_search_outcome(*, text: str, items: list[dict], count: int) -> None:
    """Log the first page of a search when it found nothing or only locked hits."""
    query = normalise_query(text)
    if not query:
        return
    if count == 0:
        outcome = SearchLog.Outcome.NO_HITS
    elif all(item["locked"] for item in items):
        outcome = SearchLog.Outcome.LOCKED_ONLY
    else:
        return
    SearchLog.objects.create(query=query, day=timezone.localdate(), outcome=outcome)


def prune(*, days: int | None = None) -> tuple[int, int]:
    """Delete search-log and access-log rows older than `days` (SEARCH_LOG_DAYS); returns the
    numbers deleted (search, access)."""
    days = settings.SEARCH_LOG_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    searches, _ = SearchLog.objects.filter(day__lt=timezone.localdate(cutoff)).delete()
    accesses, _ = AccessLog.objects.filter(created_at__lt=cutoff).delete()
    return searches, accesses
