"""Schemas shared by every app: the one error shape and pagination."""

from typing import Any

from django.conf import settings
from ninja import Field, Schema


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
    offset: int = Field(0, ge=0)

    @property
    def page_slice(self) -> slice:
        limit = min(self.limit, settings.API_PAGE_SIZE_MAX)
        return slice(self.offset, self.offset + limit)


# Errors any operation may answer: bad input, rate limiting, and an unexpected server error.
COMMON_ERRORS = (422, 429, 500)


def responses(ok: Any, *errors: int, status: int = 200) -> dict[int, Any]:
    """The response map for an operation: its success schema plus every error it documents."""
    documented: dict[int, Any] = {status: ok}
    for code in (*errors, *COMMON_ERRORS):
        documented[code] = ErrorOut
    return documented
