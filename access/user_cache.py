"""The signed-in user behind a token, from the cache: one cache read per request, not a query.

The cache holds what resolving a token needs (active, tier, staff flags, profile fields) and a
stamp of the password hash, never the hash itself. Every save or delete of a user drops the
entry once it commits (tier changes through QuerySet.update call `forget_user`), so a password
change, a deactivation or a new tier applies to the next request on every worker. The TTL
(USER_CACHE_SECONDS) bounds what a read racing a write could leave behind. Without a shared
cache (no REDIS_URL) there is nothing to invalidate across processes, so it is off by default.

Users come back with the password and last login deferred: reading one loads it, and a save
writes only the loaded fields, so a cached user can never blank a password.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_delete, post_save
from rest_framework_simplejwt.utils import get_md5_hash_password

from access.models import User
from coursecompanion.shared_cache import forget, prefetch_for_user, read_through

CACHED_FIELDS = frozenset(
    {
        "id",
        "email",
        "display_name",
        "tier",
        "timezone",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
    }
)
# In the model's field order, as Model.from_db takes them.
_FIELD_ORDER = [f.attname for f in User._meta.concrete_fields if f.attname in CACHED_FIELDS]
_VERSION = 1  # bump when CACHED_FIELDS change, so old entries are never read


@dataclass(frozen=True)
class CachedUser:
    user: User
    password_stamp: str


def _key(user_id: Any) -> str:
    return f"access:user:v{_VERSION}:{user_id}"


def _load(user_id: Any) -> dict[str, Any] | None:
    row = User.objects.filter(pk=user_id).values(*_FIELD_ORDER, "password").first()
    if row is None:
        return None
    row["password_stamp"] = get_md5_hash_password(row.pop("password"))
    return row


def _snapshot(user_id: int) -> dict[str, Any] | None:
    if settings.USER_CACHE_SECONDS > 0:
        prefetch_for_user(user_id, _key(user_id))
    return read_through(_key(user_id), lambda: _load(user_id), seconds=settings.USER_CACHE_SECONDS)


def cached_user(user_id: Any) -> CachedUser | None:
    """The user with this id (active or not) and their password stamp, or None."""
    try:
        snapshot = _snapshot(int(user_id))
    except (TypeError, ValueError):
        return None
    if snapshot is None:
        return None
    user = User.from_db(DEFAULT_DB_ALIAS, _FIELD_ORDER, [snapshot[name] for name in _FIELD_ORDER])
    return CachedUser(user=user, password_stamp=snapshot["password_stamp"])


def forget_user(user_id: Any) -> None:
    forget(_key(user_id))


def _forget_saved(*, instance: User, **kwargs) -> None:
    forget_user(instance.pk)


post_save.connect(_forget_saved, sender=User, dispatch_uid="access-user-cache-save")
post_delete.connect(_forget_saved, sender=User, dispatch_uid="access-user-cache-delete")
