"""Schemas shared by every app: the one error shape and pagination."""

from typing import Annotated, Any

from django.conf import settings
from ninja import Field, Schema
from pydantic import ConfigDict, JsonValue

from coursecompanion.errors import BY_STATUS, error_code

# A database id: larger numbers cannot exist, and SQLite cannot even bind them (a 500 otherwise).
ObjectId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RequestBody(Schema):
    """The base of every request body: unknown fields are refused (422 `extra_forbidden`), so
    `user_id`, `score`, `tier` or `is_staff` in a body can never be half-applied or ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(Schema):
    code: str = Field(examples=["chapter_locked"])
    message: str = Field(examples=["Chapter 4 needs the premium tier."])
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


class PageParams(Schema):
    limit: int = Field(
        settings.API_PAGE_SIZE_DEFAULT,
        ge=1,
        description=f"Page size; values above {settings.API_PAGE_SIZE_MAX} are clamped.",
    )
    # Bounded so an absurd offset is a 422, never a database integer overflow (a 500).
    offset: int = Field(0, ge=0, le=settings.API_OFFSET_MAX)

    @property
    def page_slice(self) -> slice:
        limit = min(self.limit, settings.API_PAGE_SIZE_MAX)
        return slice(self.offset, self.offset + limit)


# Errors any operation may answer: a malformed body, invalid input, rate limiting, and an
# unexpected server error.
COMMON_ERRORS = (
    "bad_request",
    "malformed_body",
    "validation_error",
    "rate_limited",
    "server_error",
    # Any operation may meet a database that is down or hung (503 with Retry-After).
    "database_unavailable",
)


def responses(ok: Any, *errors: str | int, status: int = 200) -> dict[int, Any]:
    """The response map for an operation: its success schema plus every error code it may
    answer (from coursecompanion/errors.py), grouped by status; each error response names its
    codes in the OpenAPI document. A bare status stands for that status's generic code."""
    codes: dict[int, list[str]] = {}
    for error in (*errors, *COMMON_ERRORS):
        entry = BY_STATUS[error] if isinstance(error, int) else error_code(error)
        listed = codes.setdefault(entry.status, [])
        if entry.code not in listed:
            listed.append(entry.code)
    documented: dict[int, Any] = {status: ok}
    for error_status, listed in codes.items():
        documented[error_status] = Annotated[
            ErrorOut,
            Field(
                description="Error codes: " + ", ".join(f"`{code}`" for code in listed) + ".",
                json_schema_extra={"x-error-codes": list[JsonValue](listed)},
            ),
        ]
    return documented
