"""Scans the log of a whole test run for what must never be logged: bearer tokens (JWTs),
the passwords the tests use, and the signing keys."""

import re
from collections.abc import Iterable

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# Every password the suite signs in with (conftest.make_user, access tests, the admin tests).
TEST_PASSWORDS = ("correct-horse-battery-9", "wrong-guess-123", "wrong-password-1")


def secrets_in(lines: Iterable[str], *, keys: Iterable[str] = ()) -> list[str]:
    """The lines holding a token, a test password or one of `keys`."""
    needles = [*TEST_PASSWORDS, *(key for key in keys if key)]
    return [line for line in lines if JWT.search(line) or any(n in line for n in needles)]
