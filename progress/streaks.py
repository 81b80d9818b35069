"""The daily streak rule, pure: no queries, no clocks. Days are the student's own calendar days.

A day after the last counted day extends the streak when it is the very next day and restarts it
at 1 otherwise; a day already counted (or an earlier one arriving late) changes nothing, so the
streak never rewinds and `longest` never decreases.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    last_day: date | None = None


def next_streak(state: StreakState, day: date) -> StreakState:
    """The streak after activity on `day`."""
    if state.last_day is not None and day <= state.last_day:
        return state
    if state.last_day is not None and day == state.last_day + ONE_DAY:
        current = state.current + 1
    else:
        current = 1
    return StreakState(current=current, longest=max(state.longest, current), last_day=day)


def current_streak_on(state: StreakState, today: date) -> int:
    """The streak as it stands on `today`: 0 once a whole day has been missed (the next activity
    restarts it at 1). A last day after `today` (the student moved west) still counts."""
    if state.last_day is None or state.last_day < today - ONE_DAY:
        return 0
    return state.current


def student_zone(timezone_name: str | None) -> zoneinfo.ZoneInfo:
    """The student's IANA zone; UTC if the stored name is unknown (it is validated on input)."""
    try:
        return zoneinfo.ZoneInfo(timezone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_day(at: datetime, timezone_name: str | None) -> date:
    """The calendar day `at` falls on in the student's time zone (a naive `at` is UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(student_zone(timezone_name)).date()
