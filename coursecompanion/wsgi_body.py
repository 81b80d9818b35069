"""Request bodies sent with `Transfer-Encoding: chunked` and no Content-Length.

Django reads exactly CONTENT_LENGTH bytes of a body, so without that header it sees an empty
body: a valid chunked login answered 422 "Field required", and a 3 MiB chunked body slipped past
the size limit. This WSGI wrapper reads such a body up to the limit, then hands Django the body
with its length; past the limit it answers 413. A server that does not decode chunked bodies
itself (it does not set `wsgi.input_terminated`, as gunicorn does) gets 411 instead: its input
stream would hold the chunk framing."""

import json
import tempfile
from collections.abc import Callable, Iterable
from http import HTTPStatus

from django.conf import settings

from coursecompanion.errors import render_error

READ_BLOCK = 64 * 1024
# Bodies up to this size stay in memory while they are read; larger ones go to a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024
# How much of a body past the limit is read and dropped, as a multiple of the limit.
DRAIN_FACTOR = 4


def json_error(start_response: Callable, code: str) -> list[bytes]:
    error = render_error(code)
    body = json.dumps(error.body).encode()
    start_response(
        f"{error.status} {HTTPStatus(error.status).phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def body_limit(path: str) -> int:
    """API bodies are small JSON (DATA_UPLOAD_MAX_MEMORY_SIZE); the admin uploads media files."""
    if path.startswith("/api/"):
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return settings.CHUNKED_BODY_MAX_SIZE


class ChunkedBodyReader:
    def __init__(self, application: Callable) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked or environ.get("CONTENT_LENGTH"):
            return self.application(environ, start_response)
        if not environ.get("wsgi.input_terminated"):
            return json_error(start_response, "length_required")
        limit = body_limit(environ.get("PATH_INFO", ""))
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (handed on)
        size = 0
        stream = environ["wsgi.input"]
        while size <= limit:
            block = stream.read(min(READ_BLOCK, limit + 1 - size))
            if not block:
                break
            body.write(block)
            size += len(block)
        if size > limit:
            body.close()
            # Read (and drop) what the client is still sending, within a bound: closing on
            # unread data resets the connection, and the client would lose the 413 with it.
            drain_left = DRAIN_FACTOR * limit
            while drain_left > 0 and (block := stream.read(min(READ_BLOCK, drain_left))):
                drain_left -= len(block)
            return json_error(start_response, "payload_too_large")
        body.seek(0)
        environ["CONTENT_LENGTH"] = str(size)
        environ["wsgi.input"] = body
        return self.application(environ, start_response)
