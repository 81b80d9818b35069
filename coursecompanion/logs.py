"""Structured logs: every log line is one JSON object, and every request gets exactly one line
(`coursecompanion.request`) with its request id, user id, operationId, status and latency.

The request id is the client's `X-Request-ID` when it is a sensible token (so a trace can follow a
call from ChatGPT through a proxy), otherwise a new one; either way the response echoes it. The
request line's query string, headers and bodies are never logged: they may carry tokens and
passwords."""

import functools
import json
import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
request_logger = logging.getLogger("coursecompanion.request")

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


JsonFormatter.converter = time.gmtime


def request_id_for(request: HttpRequest) -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex


@functools.cache
def _operation_ids() -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) -> operationId, read once from the API's own document."""
    from coursecompanion.api import api

    document = api.get_openapi_schema()
    return {
        (path, method.upper()): operation["operationId"]
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def operation_id_of(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None or not request.path.startswith("/api/"):
        return None
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", match.route)
    method = "GET" if request.method == "HEAD" else str(request.method)
    return _operation_ids().get((path, method))


def user_id_of(request: HttpRequest) -> int | None:
    for user in (getattr(request, "auth", None), getattr(request, "_cached_user", None)):
        if user is not None and getattr(user, "is_authenticated", False):
            return user.pk
    return None


class RequestLogMiddleware:
    """Outermost: it sees every request, also those the middleware below refuse."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]  # for views that log
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        status = response.status_code
        request_logger.log(
            logging.ERROR if status >= 500 else logging.INFO,
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "operation_id": operation_id_of(request),
                "user_id": user_id_of(request),
                "status": status,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response
