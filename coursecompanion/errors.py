"""The error catalogue: every error code the backend answers, defined once with its status, its
default message and its headers, and the one function that renders an error.

Services raise the DomainError classes below and never build HTTP responses, so the API, the
admin, management commands and the MCP tools can all call the same services. The REST handlers
(coursecompanion/api.py), the JSON error middleware and the MCP adapter all render with
`render_error`, so a code means the same status and body wherever it is answered."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    message: str
    # Headers every answer with this code carries.
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Whether an answer says when to retry (Retry-After, and "retry_after" on the error).
    retry_after: bool = False


_CATALOGUE = [
    # 400: the request itself is broken.
    ErrorCode("bad_request", 400, "The request is malformed."),
    ErrorCode("malformed_body", 400, "The request body is not valid JSON."),
    ErrorCode("http_error", 400, "The request failed."),
    ErrorCode("invalid", 400, "The request cannot be carried out."),
    # 401: who is calling is not known.
    ErrorCode(
        "not_authenticated",
        401,
        "A valid bearer access token is required.",
        headers=MappingProxyType({"WWW-Authenticate": 'Bearer realm="api"'}),
    ),
    ErrorCode("invalid_credentials", 401, "The email or password is not correct."),
    ErrorCode("invalid_token", 401, "The refresh token is invalid, expired or revoked."),
    # 403: known, but not allowed.
    ErrorCode("forbidden", 403, "You may not do this."),
    ErrorCode("chapter_locked", 403, "This chapter needs a higher tier."),
    ErrorCode("quiz_locked", 403, "This quiz needs a higher tier."),
    ErrorCode(
        "insufficient_scope",
        403,
        "This token's scopes do not allow this operation.",
        headers=MappingProxyType({"WWW-Authenticate": 'Bearer error="insufficient_scope"'}),
    ),
    # 404
    ErrorCode("not_found", 404, "Not found."),
    ErrorCode("chapter_not_found", 404, "No such chapter."),
    ErrorCode("section_not_found", 404, "No such section."),
    ErrorCode("quiz_not_found", 404, "No such quiz."),
    ErrorCode("user_not_found", 404, "User not found."),
    ErrorCode("course_not_found", 404, "No such course."),
    ErrorCode("connection_not_found", 404, "No such connected app."),
    ErrorCode("method_not_allowed", 405, "This method is not allowed here."),
    # 409
    ErrorCode("conflict", 409, "This conflicts with what is stored."),
    ErrorCode("email_taken", 409, "An account with this email already exists."),
    ErrorCode("length_required", 411, "A request body needs a Content-Length header here."),
    ErrorCode("payload_too_large", 413, "The request body is too large."),
    # Answered by gunicorn itself (gunicorn.conf.py) for requests over its limits.
    ErrorCode("expectation_failed", 417, "The Expect header cannot be met."),
    ErrorCode("request_header_fields_too_large", 431, "The request headers are too large."),
    # 422: well formed, but not valid.
    ErrorCode("validation_error", 422, "The request is not valid."),
    ErrorCode("weak_password", 422, "The password is too weak."),
    ErrorCode("invalid_percent", 422, "A quiz percentage must be 0-100."),
    ErrorCode("invalid_resource", 422, 'A resource is written "<kind>:<id>".'),
    ErrorCode("unknown_resource_kind", 422, "Unknown resource kind."),
    ErrorCode("invalid_idempotency_key", 422, "The Idempotency-Key is not valid."),
    ErrorCode("idempotency_key_reused", 422, "This Idempotency-Key was used for another submit."),
    ErrorCode("invalid_answers", 422, "Some answers are not valid; nothing was saved."),
    ErrorCode("course_file_invalid", 422, "A course file is not valid."),
    # 429
    ErrorCode("rate_limited", 429, "Too many requests.", retry_after=True),
    ErrorCode("attempt_limit_reached", 429, "Today's attempts are used up.", retry_after=True),
    # 5xx
    ErrorCode("server_error", 500, "Something went wrong on our side."),
    ErrorCode("not_implemented", 501, "The server does not support this request."),
    # The database is down, hung past its timeouts or locked past the busy timeout.
    ErrorCode(
        "database_unavailable",
        503,
        "The database is unavailable for a moment; try again shortly.",
        retry_after=True,
    ),
    ErrorCode("not_ready", 503, "The service is not ready.", retry_after=True),
    ErrorCode(
        "rate_limiter_unavailable",
        503,
        "Sign-in is unavailable for a moment; try again shortly.",
        retry_after=True,
    ),
    ErrorCode("storage_unavailable", 503, "The media storage is unavailable.", retry_after=True),
    ErrorCode("search_unavailable", 503, "Search is not available.", retry_after=True),
]
ERRORS: Mapping[str, ErrorCode] = MappingProxyType({entry.code: entry for entry in _CATALOGUE})
# For statuses answered outside our handlers (the middleware) with no code of their own.
FALLBACK = ErrorCode("error", 0, "The request failed.")
# The code of a bare status, for responses made outside our handlers (Django's 404, 405, ...).
BY_STATUS: Mapping[int, ErrorCode] = MappingProxyType(
    {
        ERRORS[code].status: ERRORS[code]
        for code in (
            "bad_request",
            "not_authenticated",
            "forbidden",
            "not_found",
            "method_not_allowed",
            "conflict",
            "payload_too_large",
            "validation_error",
            "rate_limited",
            "server_error",
            "not_ready",
            "length_required",
            "expectation_failed",
            "request_header_fields_too_large",
            "not_implemented",
        )
    }
)


def error_code(code: str) -> ErrorCode:
    """The catalogue entry of `code`. Raises KeyError for a code nobody defined."""
    return ERRORS[code]


@dataclass(frozen=True)
class RenderedError:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def render_error(
    code: str,
    message: str | None = None,
    details: Any = None,
    *,
    status: int | None = None,
    retry_after: int | None = None,
) -> RenderedError:
    """The one error shape, `{"error": {"code", "message", "details"}}`, with the code's status
    (or `status`, for a code answered outside our handlers) and headers."""
    entry = ERRORS.get(code, FALLBACK)
    headers = dict(entry.headers)
    if retry_after is not None and entry.retry_after:
        headers["Retry-After"] = str(retry_after)
    body = {"error": {"code": code, "message": message or entry.message, "details": details}}
    return RenderedError(status=status or entry.status, body=body, headers=headers)


def render_status(status: int) -> RenderedError:
    """The error for a bare status (a response made outside our handlers)."""
    entry = BY_STATUS.get(status, FALLBACK)
    return render_error(entry.code, entry.message, status=status)


class DomainError(Exception):
    """An error a service raises; its code (from the catalogue) decides the status."""

    code = "invalid"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        retry_after: int | None = None,
    ) -> None:
        self.code = code or self.code
        self.entry = error_code(self.code)
        self.message = message or self.entry.message
        super().__init__(self.message)
        self.details = details
        self.retry_after = retry_after

    @property
    def status_code(self) -> int:
        return self.entry.status

    def render(self) -> RenderedError:
        return render_error(self.code, self.message, self.details, retry_after=self.retry_after)


class NotFound(DomainError):
    code = "not_found"


class AccessDenied(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class Invalid(DomainError):
    code = "validation_error"


class RateLimited(DomainError):
    """Always says when to retry."""

    code = "rate_limited"

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, retry_after=retry_after, **kwargs)


class NotReady(DomainError):
    code = "not_ready"


class DatabaseUnavailable(NotReady):
    """The database refused, timed out or stayed locked: the request may succeed when retried."""

    code = "database_unavailable"
