"""Domain errors raised by services; coursecompanion/api.py turns them into the one error shape.

Services raise these and never build HTTP responses, so the API, the admin, management commands
and (later) the MCP endpoint can all call the same services."""

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details


class NotFound(DomainError):
    status_code, code = 404, "not_found"


class AccessDenied(DomainError):
    status_code, code = 403, "forbidden"


class Conflict(DomainError):
    status_code, code = 409, "conflict"


class Invalid(DomainError):
    status_code, code = 422, "validation_error"


class RateLimited(DomainError):
    status_code, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class NotReady(DomainError):
    status_code, code = 503, "not_ready"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class DatabaseUnavailable(NotReady):
    """The database refused, timed out or stayed locked: the request may succeed when retried."""

    code = "database_unavailable"
