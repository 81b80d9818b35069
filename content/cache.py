"""The published-content cache: one version key, bumped on every edit, invalidates it all."""

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from access.models import User, is_staff
from coursecompanion import shared_cache
from coursecompanion.shared_cache import VersionedLocalCache, fresh_generation

T = TypeVar("T")
CONTENT_VERSION_KEY = "content:version"


def bump_content_version() -> None:
    """Invalidate every cached piece of published content at once: now, so the writing
    transaction's own later reads miss the old entries, and again once it commits, since a
    reader in between may have cached the old text under the first bump's version."""
    shared_cache.bump_generation(CONTENT_VERSION_KEY)


# Published content in each process, checked against the shared version once per request: a
# chapter read costs one cache round trip, not four, and an edit reaches every worker on its
# next request.
content_cache = VersionedLocalCache(
    prefix="content", version_key=CONTENT_VERSION_KEY, new_version=fresh_generation
)
# Resolving a token fetches the content version with the user (coursecompanion/shared_cache.py).
shared_cache.user_request_keys.append(lambda user_id: CONTENT_VERSION_KEY)


def cached(key: str, build: Callable[[], T]) -> T:
    """Published content from the cache, built on a miss. A cache outage falls back to the
    database: content reads fail open."""
    return content_cache.get(key, build, seconds=settings.CONTENT_CACHE_SECONDS)


def read(user: User | None, key: str, build: Callable[[], T]) -> T:
    """Content as `user` may see it. Staff may see drafts, so their reads never touch the shared
    published-content cache."""
    return build() if is_staff(user) else cached(key, build)
