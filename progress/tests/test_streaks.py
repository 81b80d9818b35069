"""The pure streak rule and local days: no database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from progress.streaks import StreakState, current_streak_on, local_day, next_streak

D = date


def run(days) -> StreakState:
    state = StreakState()
    for day in days:
        state = next_streak(state, day)
    return state


def test_next_streak_first_day_starts_at_one():
    assert next_streak(StreakState(), D(2024, 5, 1)) == StreakState(1, 1, D(2024, 5, 1))


def test_next_streak_same_day_twice_changes_nothing():
    once = run([D(2024, 5, 1)])
    assert next_streak(once, D(2024, 5, 1)) == once


def test_next_streak_consecutive_days_extend():
    assert run([D(2024, 5, 1), D(2024, 5, 2), D(2024, 5, 3)]) == StreakState(3, 3, D(2024, 5, 3))


def test_next_streak_missed_day_restarts_at_one_and_keeps_longest():
    state = run([D(2024, 5, 1), D(2024, 5, 2), D(2024, 5, 3), D(2024, 5, 5)])
    assert state == StreakState(current=1, longest=3, last_day=D(2024, 5, 5))


def test_next_streak_late_earlier_day_never_rewinds():
    state = run([D(2024, 5, 1), D(2024, 5, 2)])
    assert next_streak(state, D(2024, 4, 20)) == state


@pytest.mark.parametrize(
    ("days", "current"),
    [
        ([D(2024, 1, 31), D(2024, 2, 1)], 2),  # month end
        ([D(2023, 2, 28), D(2023, 3, 1)], 2),  # February, common year
        ([D(2024, 2, 28), D(2024, 3, 1)], 1),  # leap year: the 29th was missed
        ([D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1)], 3),
        ([D(2023, 12, 30), D(2023, 12, 31), D(2024, 1, 1)], 3),  # year end
        ([D(2023, 12, 31), D(2024, 1, 2)], 1),
        ([D(2024, 4, 30), D(2024, 5, 1)], 2),  # 30-day month
    ],
)
def test_next_streak_across_month_and_year_ends(days, current):
    assert run(days).current == current


@pytest.mark.parametrize(
    ("last_day", "today", "shown"),
    [
        (None, D(2024, 5, 10), 0),
        (D(2024, 5, 10), D(2024, 5, 10), 4),  # checked in today
        (D(2024, 5, 9), D(2024, 5, 10), 4),  # today still open: not broken yet
        (D(2024, 5, 8), D(2024, 5, 10), 0),  # a whole day missed
        (D(2024, 5, 11), D(2024, 5, 10), 4),  # moved west: last day is "tomorrow" here
    ],
)
def test_current_streak_on_breaks_after_a_missed_day(last_day, today, shown):
    state = StreakState(current=4 if last_day else 0, longest=6, last_day=last_day)
    assert current_streak_on(state, today) == shown


# --- local calendar days ---------------------------------------------------------------------


def local(zone: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def test_local_day_tokyo_2330_and_0030_are_two_days():
    evening = local("Asia/Tokyo", 2024, 5, 10, 23, 30)
    after_midnight = local("Asia/Tokyo", 2024, 5, 11, 0, 30)
    # Both are on 10 May in UTC: a UTC day would count them once.
    assert evening.astimezone(UTC).date() == after_midnight.astimezone(UTC).date()
    assert local_day(evening, "Asia/Tokyo") == D(2024, 5, 10)
    assert local_day(after_midnight, "Asia/Tokyo") == D(2024, 5, 11)
    assert run([local_day(evening, "Asia/Tokyo"), local_day(after_midnight, "Asia/Tokyo")]) == (
        StreakState(2, 2, D(2024, 5, 11))
    )


def test_local_day_new_york_spring_forward_keeps_consecutive_days():
    zone = "America/New_York"
    # 10 March 2024 has 23 hours (02:00 EST -> 03:00 EDT).
    moments = [
        local(zone, 2024, 3, 9, 23, 30),
        local(zone, 2024, 3, 10, 23, 30),
        local(zone, 2024, 3, 11, 0, 30),
    ]
    days = [local_day(m.astimezone(UTC), zone) for m in moments]
    assert days == [D(2024, 3, 9), D(2024, 3, 10), D(2024, 3, 11)]
    assert moments[1].astimezone(UTC) - moments[0].astimezone(UTC) == timedelta(hours=23)
    assert run(days).current == 3


def test_local_day_new_york_fall_back_25_hour_day_counts_once():
    zone = "America/New_York"
    # 3 November 2024 has 25 hours; 00:30 and 23:30 are 24 hours apart yet the same day.
    early = local(zone, 2024, 11, 3, 0, 30)
    late = local(zone, 2024, 11, 3, 23, 30)
    assert late.astimezone(UTC) - early.astimezone(UTC) == timedelta(hours=24)
    assert local_day(early, zone) == local_day(late, zone) == D(2024, 11, 3)


def test_local_day_london_fall_back_two_utc_days_are_one_local_day():
    zone = "Europe/London"
    # 00:30 BST on 27 October 2024 is still the 26th in UTC.
    first = datetime(2024, 10, 26, 23, 30, tzinfo=UTC)
    second = datetime(2024, 10, 27, 23, 30, tzinfo=UTC)  # 23:30 GMT, same local day
    assert local_day(first, zone) == local_day(second, zone) == D(2024, 10, 27)
    assert run([local_day(first, zone), local_day(second, zone)]).current == 1


def test_local_day_london_spring_forward():
    zone = "Europe/London"
    # 31 March 2024: 01:00 GMT -> 02:00 BST. 23:30 UTC on the 31st is already 1 April.
    assert local_day(datetime(2024, 3, 31, 0, 30, tzinfo=UTC), zone) == D(2024, 3, 31)
    assert local_day(datetime(2024, 3, 31, 23, 30, tzinfo=UTC), zone) == D(2024, 4, 1)


def test_local_day_naive_is_utc_and_unknown_zone_falls_back_to_utc():
    assert local_day(datetime(2024, 1, 1, 23, 0), "Asia/Tokyo") == D(2024, 1, 2)
    assert local_day(datetime(2024, 1, 1, 23, 0, tzinfo=UTC), "Not/AZone") == D(2024, 1, 1)


# --- property tests against a reference model ------------------------------------------------

day_lists = st.lists(
    # Around a year end, a leap day and month ends; gaps and repeats are both likely.
    st.dates(min_value=D(2023, 12, 25), max_value=D(2024, 3, 5)),
    max_size=40,
)


def reference(days: list[date]) -> tuple[int, int]:
    """Streaks straight from the definition, for days given in calendar order: the current
    streak is the run of consecutive days ending on the last day; the longest is the longest
    run of consecutive days in the set."""
    counted = set(days)
    if not counted:
        return 0, 0
    current, day = 0, max(counted)
    while day in counted:
        current, day = current + 1, day - timedelta(days=1)
    longest = 0
    for start in counted:
        if start - timedelta(days=1) in counted:
            continue
        length = 0
        while start + timedelta(days=length) in counted:
            length += 1
        longest = max(longest, length)
    return current, longest


@given(day_lists)
def test_next_streak_matches_reference_for_days_in_order(days):
    days = sorted(days)
    state = run(days)
    assert (state.current, state.longest) == reference(days)
    assert state.last_day == (max(days) if days else None)


@given(day_lists)
def test_next_streak_out_of_order_days_count_as_the_days_that_moved_forward(days):
    # A day not after the last counted one changes nothing, so the result is the reference
    # over the days that were each a new latest day when they arrived.
    moved_forward = []
    for day in days:
        if not moved_forward or day > moved_forward[-1]:
            moved_forward.append(day)
    state = run(days)
    assert (state.current, state.longest) == reference(moved_forward)


@given(day_lists, st.dates(min_value=D(2023, 12, 25), max_value=D(2024, 3, 5)))
def test_next_streak_invariants(days, extra):
    before = run(days)
    after = next_streak(before, extra)
    assert after.longest >= before.longest  # longest never decreases
    assert 0 <= after.current <= after.longest
    assert after.current in (before.current, before.current + 1, 1)
    assert next_streak(after, extra) == after  # the same day again is a no-op
