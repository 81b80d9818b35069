"""Rendered JSON bodies, kept in each process for one content version.

The chapter list, a chapter, a quiz and a search page are the same bytes for every student who
sees the same variant of them (`presenters.*_variant`: tier, completed chapters, live chapters,
the search's meaning), and a student's progress overview is the same bytes until its cache
stamp changes. Validating a body against its schema and encoding it cost more than the rest of
such a request (`make bench` profile), so `respond` keeps the encoded body and its ETag per
variant, and serves the bytes. A new content version drops them all in every process on its
next request, as it drops the content cache (`VersionedLocalCache`), so an edit is served fresh
on the next read.

Bodies are rendered exactly as django-ninja renders a response: validated by the operation's
schema, dumped and encoded by ninja's JSON renderer. Only the REST front door uses this: MCP
tools return structured content, not bytes.
"""

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.renderers import JSONRenderer

from content import cache as content

logger = logging.getLogger(__name__)

_renderer = JSONRenderer()
CONTENT_TYPE = f"{_renderer.media_type}; charset={_renderer.charset}"


class RenderedBodies:
    """Encoded bodies and their ETags by variant, for the current content version."""

    def __init__(self, *, size: int) -> None:
        self.size = size
        self._identity: tuple[str, int] | None = None
        self._bodies: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()
        # Threads of one process share the bodies; the lock covers changes, never a read.
        self._lock = threading.Lock()

    def respond(
        self,
        request: HttpRequest,
        schema: type[Schema],
        variant: Hashable | None,
        build: Callable[[], dict[str, Any]],
        *,
        lasting: Callable[[dict[str, Any]], bool] = lambda data: True,
    ) -> HttpResponse | dict[str, Any]:
        """The body of `variant` (None: not shared), rendered from `build()` on a miss and kept
        unless `lasting(data)` says it may go stale by itself. Without the shared cache nothing
        is kept: the version could not be checked, so ninja renders `build()` as usual."""
        if variant is None:
            return build()
        try:
            identity = content.content_cache.identity()
        except Exception:
            logger.warning("Content cache unavailable; rendering the body", exc_info=True)
            return build()
        if identity != self._identity:
            with self._lock:
                if identity != self._identity:
                    self._bodies = OrderedDict()
                    self._identity = identity
        bodies = self._bodies
        held = bodies.get(variant)
        if held is None:
            data = build()
            held = self._render(request, schema, data)
            if lasting(data):
                with self._lock:
                    if bodies is self._bodies:
                        bodies[variant] = held
                        while len(bodies) > self.size:
                            bodies.popitem(last=False)
        response = HttpResponse(held[0], content_type=CONTENT_TYPE)
        # Django's ConditionalGetMiddleware answers If-None-Match with this ETag (the same
        # quoted MD5 it would compute), without hashing the body on every request.
        response["ETag"] = held[1]
        return response

    @staticmethod
    def _render(
        request: HttpRequest, schema: type[Schema], data: dict[str, Any]
    ) -> tuple[bytes, str]:
        context = {"request": request, "response_status": 200}
        dumped = schema.model_validate(data, context=context).model_dump()
        body = _renderer.render(request, dumped, response_status=200).encode()
        return body, f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'

    def clear(self) -> None:
        """Forget every body (tests; a version bump does it on the next request)."""
        with self._lock:
            self._identity = None
            self._bodies = OrderedDict()


# A few bodies per chapter and quiz, per tier and completed set: 1,024 hold a course of dozens
# of chapters in a few MiB.
rendered_bodies = RenderedBodies(size=1024)
# One body per student (their progress overview, named by its cache stamp), apart from the
# shared ones, so a crowd of students cannot push the course's bodies out: 4,096 of about
# 1.5 KiB each.
student_bodies = RenderedBodies(size=4096)
