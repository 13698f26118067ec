"""Clock times of a planned day: "08:30" <-> seconds from midnight <-> datetime.time."""

from __future__ import annotations

import datetime as dt
import re

from gcrm.errors import InvalidInput

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def clock_seconds(value: str, what: str = "a time") -> int:
    """"08:30" -> 30600; "24:00" is the end of the day."""
    match = _CLOCK.match(str(value))
    if not match or int(match[2]) > 59 or int(match[1]) * 60 + int(match[2]) > 24 * 60:
        raise InvalidInput(f"{what} must be a time of day as HH:MM (08:30), not {value!r}.")
    return int(match[1]) * 3600 + int(match[2]) * 60


def time_of(seconds: int) -> dt.time:
    """Seconds from midnight as a time of day (the last second of the day at most)."""
    seconds = min(int(seconds), 24 * 3600 - 1)
    return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def clock(value: dt.time) -> str:
    """A time of day as people read it on a plan: "08:30"."""
    return value.strftime("%H:%M")


def day_words(day: dt.date) -> str:
    """A plan's day as people write it: "Tuesday 8 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"
