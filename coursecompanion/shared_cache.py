"""Entries in the shared cache (Redis) that are dropped when their rows change.

The pattern of the user cache and the completed-chapter cache: read through, fail open (a cache
outage reads the database), and forget an entry both at once and again when the writing
transaction commits (a request that read the old rows in between may have stored them again).
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")


def read_through(key: str, build: Callable[[], T | None], *, seconds: int) -> T | None:
    """The cached value of `key`, else `build()`, stored for `seconds` unless it is None.
    `seconds` <= 0 turns caching off."""
    if seconds <= 0:
        return build()
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("Cache unavailable reading %s; using the database", key, exc_info=True)
        return build()
    if value is None:
        value = build()
        if value is not None:
            try:
                cache.set(key, value, seconds)
            except Exception:
                logger.warning("Could not store %s in the cache", key, exc_info=True)
    return value


def forget(key: str) -> None:
    """Drop `key` now and once the current transaction commits (only now outside one)."""

    def drop() -> None:
        try:
            cache.delete(key)
        except Exception:
            logger.warning("Could not drop %s from the cache", key, exc_info=True)

    drop()
    transaction.on_commit(drop)
