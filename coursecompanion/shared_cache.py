"""The shared cache (Redis) as the hot paths read it: few round trips, fail open.

- `read_through` / `forget`: entries dropped when their rows change (the user cache, the
  completed-chapter cache). A forget happens at once and again when the writing transaction
  commits, since a request that read the old rows in between may have stored them again.
- A per-request memo: within one request a key is fetched from the shared cache at most once,
  and `prefetch` fetches several in one round trip (MGET): resolving a token fetches the user
  with what the request will read next (`user_request_keys`). It lives for one request only, so
  the next request sees every change made before it started.
- `VersionedLocalCache`: a per-process copy of entries that belong to one version (published
  content). Each request asks the shared cache for the version once, and serves every entry
  of that version from process memory; a bumped version empties it, in every process, on its
  next request.

Whatever the shared cache is doing (down, evicting), reads fall back to building the value.
"""

import logging
import pickle
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

T = TypeVar("T")
# What the memo holds for a key the shared cache does not have.
_ABSENT = object()
_memo: ContextVar[dict[str, Any] | None] = ContextVar("shared_cache_memo", default=None)


class RequestMemoMiddleware:
    """Gives each request its own memo of shared-cache reads, dropped when it ends."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)


def _get(key: str) -> Any:
    """cache.get through the request's memo (None when absent). Raises what the cache raises."""
    memo = _memo.get()
    if memo is not None and key in memo:
        found = memo[key]
        return None if found is _ABSENT else found
    value = cache.get(key)
    if memo is not None:
        memo[key] = _ABSENT if value is None else value
    return value


def _remember(key: str, value: Any) -> None:
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


def prefetch(keys: Iterable[str]) -> None:
    """Fetch `keys` into this request's memo in one round trip (nothing outside a request)."""
    memo = _memo.get()
    if memo is None:
        return
    wanted = [key for key in keys if key not in memo]
    if not wanted:
        return
    try:
        found = cache.get_many(wanted)
    except Exception:
        logger.warning("Cache unavailable prefetching %s", wanted, exc_info=True)
        return
    for key in wanted:
        memo[key] = found.get(key, _ABSENT)


# Keys most requests of a signed-in user go on to read, fetched together with the user in one
# round trip (`prefetch_for_user`). Apps add theirs: the completed chapters, the content version.
user_request_keys: list[Callable[[int], str]] = []


def prefetch_for_user(user_id: int, *keys: str) -> None:
    prefetch([*keys, *(key_of(user_id) for key_of in user_request_keys)])


def read_through(key: str, build: Callable[[], T | None], *, seconds: int) -> T | None:
    """The cached value of `key`, else `build()`, stored for `seconds` unless it is None.
    `seconds` <= 0 turns caching off."""
    if seconds <= 0:
        return build()
    try:
        value = _get(key)
    except Exception:
        logger.warning("Cache unavailable reading %s; using the database", key, exc_info=True)
        return build()
    if value is None:
        value = build()
        if value is not None:
            _remember(key, value)
            try:
                cache.set(key, value, seconds)
            except Exception:
                logger.warning("Could not store %s in the cache", key, exc_info=True)
    return value


def fresh_generation() -> int:
    """A first value for a counter. A lost counter (evicted, or a flushed Redis) must never
    restart at a number that old entries still carry: start from the clock, which only moves
    forward. Random last digits, so two starts within one microsecond (or under a frozen test
    clock) differ too: workers keep entries in memory by version number."""
    return time.time_ns() // 1000 * 1000 + secrets.randbelow(1000)


def generation(key: str, start: Callable[[], int] = fresh_generation) -> int:
    """The current value of the counter `key` (`bump_generation` moves it on), set to `start()`
    when missing. Through the request's memo, so prefetching it saves the round trip. Raises
    what the cache raises."""
    value = _get(key)
    if value is None:
        cache.add(key, start(), None)
        value = cache.get(key)
        _remember(key, value)
    return value


def bump_generation(key: str, start: Callable[[], int] = fresh_generation) -> None:
    """Move the counter `key` on, so every entry stamped with its old value stops being served:
    now, and again once the current transaction commits, since a read between the two may have
    stamped what it read of the old rows with the new value."""

    def bump() -> None:
        try:
            cache.incr(key)
        except ValueError:  # missing: a fresh start is a value no entry carries
            cache.set(key, start(), None)

    _now_and_after_commit(key, bump, failure="Could not bump %s")


def read_stamped(key: str, stamp: tuple, build: Callable[[], T], *, seconds: int) -> T:
    """The value cached at `key` if it was stored with this exact `stamp`, else `build()`,
    stored with it. A stamp that holds a generation read before `build` runs makes a value
    built from rows a concurrent write then changed unreachable, whenever it is stored: that
    write bumps the generation. The shared cache down: `build()`."""
    try:
        held = _get(key)
    except Exception:
        logger.warning("Cache unavailable reading %s; using the database", key, exc_info=True)
        return build()
    if held is not None and held[0] == stamp:
        return held[1]
    value = build()
    try:
        cache.set(key, (stamp, value), seconds)
    except Exception:
        logger.warning("Could not store %s in the cache", key, exc_info=True)
    return value


def forget(key: str) -> None:
    """Drop `key` now and once the current transaction commits (only now outside one)."""
    _now_and_after_commit(
        key, lambda: cache.delete(key), failure="Could not drop %s from the cache"
    )


class _KeyChange:
    """A change to one shared-cache key, dropping the request's memo of it; what
    `_now_and_after_commit` runs now and registers to run on commit."""

    def __init__(self, key: str, change: Callable[[], object], failure: str) -> None:
        self.key, self.change, self.failure = key, change, failure

    def __call__(self) -> None:
        memo = _memo.get()
        if memo is not None:
            memo.pop(self.key, None)
        try:
            self.change()
        except Exception:
            logger.warning(self.failure, self.key, exc_info=True)


def _now_and_after_commit(key: str, change: Callable[[], object], *, failure: str) -> None:
    """Run `change` to the shared cache's `key` now and again once the current transaction
    commits, dropping the request's memo of `key` each time. A failure is logged, not raised:
    the write it follows has happened, and cached entries' TTLs bound what is left behind.

    The change on commit runs once per transaction and key, however many of its writes asked
    for it (a submit saves a quiz result and the streak): each write still changes the key at
    once, for what the same transaction reads next. Outside a transaction the write has
    committed already, so once is enough."""
    key_change = _KeyChange(key, change, failure)
    key_change()
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    for _, pending, _ in connection.run_on_commit:
        if isinstance(pending, _KeyChange) and pending.key == key:
            return
    transaction.on_commit(key_change)


class VersionedLocalCache:
    """Entries of one version, kept in this process in front of the shared cache.

    `version_key` holds the current version in the shared cache (`new_version()` when it is
    missing). Values are kept pickled and unpickled per read, so no caller can change what the
    next request gets."""

    def __init__(
        self, *, prefix: str, version_key: str, new_version: Callable[[], int], size: int = 256
    ) -> None:
        self.prefix = prefix
        self.version_key = version_key
        self.new_version = new_version
        self.size = size
        self._version: tuple[str, int] | None = None
        # key -> (monotonic expiry, pickled value)
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def version(self) -> int:
        """The current version (once per request). Raises what the cache raises."""
        return generation(self.version_key, self.new_version)

    def identity(self) -> tuple[str, int]:
        """The current version, named with the shared cache's own name for the version key (its
        KEY_PREFIX included): another shared cache may well hold the same number. Raises what
        the cache raises."""
        return (cache.make_key(self.version_key), self.version())

    def get(self, key: str, build: Callable[[], T], *, seconds: int) -> T:
        try:
            identity = self.identity()
        except Exception:
            logger.warning("Content cache unavailable; reading the database", exc_info=True)
            return build()
        version = identity[1]
        if identity != self._version:
            self._entries = OrderedDict()
            self._version = identity
        entries = self._entries
        held = entries.get(key)
        now = time.monotonic()
        # The same lifetime as in the shared cache: an entry may depend on the clock too.
        if held is not None and held[0] > now:
            return pickle.loads(held[1])  # noqa: S301 (our own bytes, never a client's)
        full_key = f"{self.prefix}:v{version}:{key}"
        try:
            value = cache.get(full_key)
        except Exception:
            logger.warning("Content cache unavailable; reading the database", exc_info=True)
            value = None
        if value is None:
            value = build()
            try:
                cache.set(full_key, value, seconds)
            except Exception:
                logger.warning("Could not store content in the cache", exc_info=True)
        entries[key] = (now + seconds, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        while len(entries) > self.size:
            entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget this process's copies (tests; a version bump does it on the next read)."""
        self._version = None
        self._entries = OrderedDict()
