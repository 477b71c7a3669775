"""When notifications are due: business hours, escalation, digests, backoff (pure functions,
time passed in, never read from a clock)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from screener.store.schedule import (
    backoff,
    digest_due,
    escalation_due,
    is_open,
    next_opening,
    parse_hours,
)

DENVER = ZoneInfo("America/Denver")
WEEKDAYS = parse_hours("mon-fri 09:00-17:00")
HALF_HOUR = dt.timedelta(minutes=30)


def utc(local: str, zone=DENVER) -> dt.datetime:
    """'2026-12-08 10:00' in Denver → the naive UTC the database stores."""
    parsed = dt.datetime.fromisoformat(local).replace(tzinfo=zone)
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)


def test_parse_hours_reads_ranges_lists_and_several_entries():
    hours = parse_hours("Mon-Fri 09:00-17:00; sat,sun 10:30-12:00")
    days = sorted({w.day for w in hours.windows})
    assert days == [0, 1, 2, 3, 4, 5, 6]
    saturday = [w for w in hours.windows if w.day == 5][0]
    assert (saturday.opens, saturday.closes) == (dt.time(10, 30), dt.time(12))
    assert parse_hours("always").always and parse_hours("").always and parse_hours("24/7").always
    assert [w.day for w in parse_hours("fri-mon 08:00-09:00").windows] == [0, 4, 5, 6]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weekdays 9-5", "cannot read 'weekdays 9-5'"),
        ("mon-fri 17:00-09:00", "closes before it opens"),
        ("mon-fry 09:00-17:00", "unknown day 'fry'"),
        ("mon-fri 09:00-25:00", "is not a time of day"),
        ("mon-fri 09:00-17:00; noon", "cannot read 'noon'"),
    ],
)
def test_parse_hours_says_what_it_cannot_read(text, message):
    with pytest.raises(ValueError, match=message):
        parse_hours(text)


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        ("2026-12-08 10:00", "2026-12-08 10:00"),  # Tuesday, open: now
        ("2026-12-08 08:59", "2026-12-08 09:00"),  # before opening: today 09:00
        ("2026-12-08 17:00", "2026-12-09 09:00"),  # closing time is closed
        ("2026-12-11 18:00", "2026-12-14 09:00"),  # Friday evening: Monday
        ("2026-12-12 12:00", "2026-12-14 09:00"),  # Saturday: Monday
        ("2026-03-07 12:00", "2026-03-09 09:00"),  # over the spring DST change (MST → MDT)
    ],
)
def test_next_opening_in_the_practice_time_zone(now, opening):
    assert next_opening(WEEKDAYS, utc(now), DENVER) == utc(opening)


def test_opening_hours_follow_daylight_saving_time():
    # 09:00 in Denver is 16:00 UTC in winter (MST) and 15:00 UTC in summer (MDT)
    assert next_opening(WEEKDAYS, dt.datetime(2026, 3, 7, 12), DENVER) == dt.datetime(
        2026, 3, 9, 15
    )
    assert next_opening(WEEKDAYS, dt.datetime(2026, 12, 12, 12), DENVER) == dt.datetime(
        2026, 12, 14, 16
    )
    assert is_open(WEEKDAYS, utc("2026-07-01 16:59"), DENVER)
    assert not is_open(WEEKDAYS, utc("2026-07-01 17:00"), DENVER)


@pytest.mark.parametrize(
    ("arrived", "escalates"),
    [
        ("2026-12-08 10:00", "2026-12-08 10:30"),  # open all along: 30 minutes later
        ("2026-12-08 16:29", "2026-12-08 16:59"),  # just before closing
        ("2026-12-08 16:45", "2026-12-09 09:00"),  # due after closing: the next opening
        ("2026-12-08 08:00", "2026-12-08 09:00"),  # due before opening: at opening
        ("2026-12-11 16:50", "2026-12-14 09:00"),  # Friday afternoon: Monday morning
        ("2026-12-13 03:00", "2026-12-14 09:00"),  # Sunday night
    ],
)
def test_escalation_waits_for_business_hours(arrived, escalates):
    assert escalation_due(utc(arrived), HALF_HOUR, WEEKDAYS, DENVER) == utc(escalates)


def test_escalation_without_business_hours_is_the_wait_itself():
    arrived = utc("2026-12-12 03:00")  # Saturday night
    always = parse_hours("always")
    assert escalation_due(arrived, HALF_HOUR, always, DENVER) == arrived + HALF_HOUR
    assert escalation_due(arrived, dt.timedelta(minutes=5), always, DENVER) == arrived + (
        dt.timedelta(minutes=5)
    )


def test_routine_submissions_of_one_interval_share_one_digest():
    hour = dt.timedelta(hours=1)
    first = dt.datetime(2026, 12, 8, 14, 0, 1)
    assert digest_due(first, hour) == dt.datetime(2026, 12, 8, 15)
    assert digest_due(dt.datetime(2026, 12, 8, 14, 59, 59), hour) == dt.datetime(2026, 12, 8, 15)
    assert digest_due(dt.datetime(2026, 12, 8, 15), hour) == dt.datetime(2026, 12, 8, 16)
    assert digest_due(dt.datetime(2026, 12, 8, 23, 30), hour) == dt.datetime(2026, 12, 9)
    quarter = dt.timedelta(minutes=15)
    assert digest_due(dt.datetime(2026, 12, 8, 14, 20), quarter) == dt.datetime(2026, 12, 8, 14, 30)


def test_backoff_doubles_from_30_seconds_up_to_5_minutes():
    waits = [backoff(n).total_seconds() for n in range(0, 9)]
    assert waits == [0, 30, 60, 120, 240, 300, 300, 300, 300]
    assert backoff(10_000) == dt.timedelta(minutes=5)
