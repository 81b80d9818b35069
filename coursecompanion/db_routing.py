"""Read replica routing: content and search reads go to `settings.READ_REPLICA` when one is set.

Everything else stays on the primary ("default"): every write, every read of another app
(accounts, progress and quizzes are read right before they are written), reads inside a
transaction, every read in a request that has already written (a replica may lag behind, and a
student must see their own write), and the whole admin (editors check what they saved).
"""

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

# Apps whose rows are published content, read all the time and written by editors only.
REPLICA_APPS = frozenset({"content"})
# Paths whose reads always see the primary.
PRIMARY_PATH_PREFIXES = ("/admin/",)

# True once this request (or this thread, outside requests) must read from the primary.
_primary_only: ContextVar[bool] = ContextVar("primary_only", default=False)


def read_alias() -> str:
    """Where a content or search read goes right now."""
    replica = settings.READ_REPLICA
    if replica is None or _primary_only.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return replica


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label in REPLICA_APPS:
            return read_alias()
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        # From the first write on, this request reads what it wrote: from the primary.
        _primary_only.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # Replicas follow the primary's schema through replication, never through migrate.
        return db == DEFAULT_DB_ALIAS


class ReadReplicaMiddleware:
    """Starts each request reading from the replica (or the primary, for the admin), so one
    request's write never sends the next request of the same thread to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _primary_only.set(request.path.startswith(PRIMARY_PATH_PREFIXES))
        try:
            return self.get_response(request)
        finally:
            _primary_only.reset(token)
