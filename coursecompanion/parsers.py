"""Request parsing that refuses text no database column can hold.

PostgreSQL rejects NUL characters and unpaired UTF-16 surrogates (JSON allows both as escapes);
refusing them here, once, keeps every text field of every operation from turning bad input into a
500 deep inside a query."""

import re
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser

UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def unstorable_text_at(value: Any, path: tuple = ()) -> tuple | None:
    """The path to the first string (value or key) holding unstorable text, or None."""
    if isinstance(value, str):
        return path if UNSTORABLE_TEXT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and UNSTORABLE_TEXT.search(key):
                return (*path, key)
            found = unstorable_text_at(item, (*path, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_text_at(item, (*path, index))
            if found is not None:
                return found
    return None


class StorableTextParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        where = unstorable_text_at(data)
        if where is not None:
            # Ninja answers any parse failure with 400 (malformed body).
            raise ValueError(f"text at {list(where)} holds a NUL or an unpaired surrogate")
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        where = unstorable_text_at(parsed)
        if where is not None:
            raise ValidationError(
                [
                    {
                        "loc": ["query", *where],
                        "msg": "Text may not hold a NUL character or an unpaired surrogate.",
                        "type": "invalid_text",
                    }
                ]
            )
        return parsed
