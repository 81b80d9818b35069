"""The published-content cache: one version key, bumped on every edit, invalidates it all."""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from access.models import User, is_staff

logger = logging.getLogger(__name__)

T = TypeVar("T")
CONTENT_VERSION_KEY = "content:version"


def _fresh_version() -> int:
    # A lost version key (evicted, or a flushed Redis) must never restart at a number that old
    # entries still carry: start from the clock, which only moves forward.
    return time.time_ns() // 1000


def bump_content_version() -> None:
    """Invalidate every cached piece of published content at once."""
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:
        cache.set(CONTENT_VERSION_KEY, _fresh_version(), None)
    except Exception:
        logger.warning("Could not bump the content cache version", exc_info=True)


def cached(key: str, build: Callable[[], T]) -> T:
    """Published content from the cache, built on a miss. A cache outage falls back to the
    database: content reads fail open."""
    try:
        version = cache.get_or_set(CONTENT_VERSION_KEY, _fresh_version, None)
        full_key = f"content:v{version}:{key}"
        value = cache.get(full_key)
    except Exception:
        logger.warning("Content cache unavailable; reading the database", exc_info=True)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(full_key, value, settings.CONTENT_CACHE_SECONDS)
        except Exception:
            logger.warning("Could not store content in the cache", exc_info=True)
    return value


def read(user: User | None, key: str, build: Callable[[], T]) -> T:
    """Content as `user` may see it. Staff may see drafts, so their reads never touch the shared
    published-content cache."""
    return build() if is_staff(user) else cached(key, build)
