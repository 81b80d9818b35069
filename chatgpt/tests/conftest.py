# The gated course (free, premium and draft chapters) the access tests use.
from access.tests.conftest import gated_course  # noqa: F401
