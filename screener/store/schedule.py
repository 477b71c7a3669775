"""When notifications are due: business hours, escalation, digests and retry backoff.

Pure functions of the times they are given (naive UTC, as the database stores them) and the
practice's time zone; nothing here reads a clock, so tests drive time by passing `now`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: "mon-fri 09:00-17:00", "sat 10:00-14:00", "mon,wed 08:30-12:00"
_ENTRY = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:\s*-\s*[a-z]{3})?(?:\s*,\s*[a-z]{3}(?:\s*-\s*[a-z]{3})?)*)"
    r"\s+(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$"
)
ALWAYS = ("always", "24/7")
#: retry after 30 s, 1, 2, 4 minutes, then every 5 minutes until it is delivered
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Window:
    """Open from `opens` to `closes` (local time) on weekday `day` (0 = Monday)."""

    day: int
    opens: dt.time
    closes: dt.time


@dataclass(frozen=True)
class BusinessHours:
    """The practice's opening hours; no windows means always open."""

    windows: tuple[Window, ...] = ()

    @property
    def always(self) -> bool:
        return not self.windows


def parse_hours(text: str) -> BusinessHours:
    """ "mon-fri 09:00-17:00; sat 10:00-14:00" (or "always") → BusinessHours.

    Raises ValueError with a message that names the part it could not read.
    """
    text = (text or "").strip().lower()
    if not text or text in ALWAYS:
        return BusinessHours()
    windows = []
    for part in re.split(r"[;\n]", text):
        if not part.strip():
            continue
        match = _ENTRY.match(part)
        if not match:
            raise ValueError(
                f"business hours: cannot read {part.strip()!r}; write e.g. 'mon-fri 09:00-17:00'"
            )
        opens, closes = _clock(match["open"], part), _clock(match["close"], part)
        if closes <= opens:
            raise ValueError(f"business hours: {part.strip()!r} closes before it opens")
        for day in _days(match["days"], part):
            windows.append(Window(day, opens, closes))
    return BusinessHours(tuple(sorted(windows, key=lambda w: (w.day, w.opens))))


def _clock(text: str, part: str) -> dt.time:
    hours, minutes = (int(n) for n in text.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"business hours: {text!r} in {part.strip()!r} is not a time of day")
    return dt.time(hours, minutes)


def _days(text: str, part: str) -> list[int]:
    out = []
    for piece in text.split(","):
        ends = [d.strip() for d in piece.split("-")]
        unknown = [d for d in ends if d not in DAYS]
        if unknown:
            raise ValueError(f"business hours: unknown day {unknown[0]!r} in {part.strip()!r}")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        out += (
            list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(last + 1)]
        )
    return out


def _local(utc: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return utc.replace(tzinfo=dt.UTC).astimezone(zone)


def _utc(local: dt.datetime) -> dt.datetime:
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def is_open(hours: BusinessHours, utc: dt.datetime, zone: dt.tzinfo) -> bool:
    return next_opening(hours, utc, zone) == utc


def next_opening(hours: BusinessHours, utc: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """`utc` itself when the practice is open then, else when it next opens (naive UTC)."""
    if hours.always:
        return utc
    local = _local(utc, zone)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        for window in (w for w in hours.windows if w.day == day.weekday()):
            opens = dt.datetime.combine(day, window.opens, tzinfo=zone)
            closes = dt.datetime.combine(day, window.closes, tzinfo=zone)
            if opens <= local < closes:
                return utc
            if local < opens:
                return _utc(opens)
    raise ValueError("business hours have no opening in the coming week")  # pragma: no cover


def escalation_due(
    created: dt.datetime, wait: dt.timedelta, hours: BusinessHours, zone: dt.tzinfo
) -> dt.datetime:
    """When an unacknowledged urgent submission escalates: `wait` after it arrived, or, when
    that falls outside business hours, at the next opening."""
    return next_opening(hours, created + wait, zone)


def digest_due(created: dt.datetime, interval: dt.timedelta) -> dt.datetime:
    """The end of the digest interval `created` falls in (intervals count from midnight UTC),
    so every routine submission of one interval shares one digest."""
    midnight = created.replace(hour=0, minute=0, second=0, microsecond=0)
    step = max(interval, dt.timedelta(minutes=1))
    intervals = (created - midnight) // step + 1
    return midnight + intervals * step


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait before trying again after `attempts` failed deliveries."""
    if attempts <= 0:
        return dt.timedelta(0)
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(attempts - 1, 16))
