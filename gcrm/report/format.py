"""Numbers as a report prints them: $4,008,743, 13 (not 13.0), 3.2%, +0.4 pp."""

from __future__ import annotations

import math

# Units of the cube's measures (gcrm.cube.definitions) that count whole things.
COUNTS = {"accounts", "customers", "orders", "cases"}


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def value(number, unit: str) -> str:
    """``number`` in ``unit`` for people; 'no data' when missing."""
    if is_missing(number):
        return "no data"
    number = float(number)
    if unit == "currency":
        if abs(number) >= 1000:
            return f"${number:,.0f}"
        return f"${number:,.2f}"
    if unit == "share":
        return f"{number:.1%}"
    if unit in COUNTS:
        return f"{round(number):,}"
    if unit == "hours":
        return f"{number:,.1f} h"
    if unit.startswith("score"):
        return f"{number:.2f}"
    return f"{round(number):,}" if number.is_integer() else f"{number:,.2f}"


def change(current, previous, unit: str) -> str | None:
    """The change from ``previous`` to ``current``: in percentage points for shares, in
    the unit for scores and hours, else relative (+4.1%). None when it cannot be told."""
    if is_missing(current) or is_missing(previous):
        return None
    current, previous = float(current), float(previous)
    if unit == "share":
        return f"{(current - previous) * 100:+.1f} pp"
    if unit == "hours":
        return f"{current - previous:+,.1f} h"
    if unit.startswith("score"):
        return f"{current - previous:+.2f}"
    if previous == 0:
        return None if current == 0 else "new"
    return f"{(current - previous) / abs(previous):+.1%}"


def direction(current, previous, unit: str) -> int:
    """+1 up, -1 down, 0 flat (as printed: a change that reads +0.0 is flat) or unknown."""
    printed = change(current, previous, unit)
    if printed is None:
        return 0
    if printed == "new":
        return 1
    if not any(c in "123456789" for c in printed):
        return 0
    return 1 if float(current) > float(previous) else -1


def label(measure: str) -> str:
    """'churn_rate' -> 'Churn rate'."""
    return measure.replace("_", " ").capitalize()


def unit_label(unit: str) -> str:
    return {"currency": "$", "share": "%"}.get(unit, unit)
