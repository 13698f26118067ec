"""Numbers, dates and labels as people read them, in one place for every page.

Pure functions (no ``st.*``): $4,008,743 not 4008743.12, 13 not 13.0, dates without
"+00:00", a rate's change in percentage points, legend steps in whole numbers for counts,
and a measure's unit named only when it adds something ("revenue ($)", never
"customers (customers)").

>>> value(4008743.12, "currency")
'$4,008,743'
>>> value(13.0, "customers")
'13'
>>> change(0.031, 0.024, "share")
'+0.7 pp'
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

# Units whose values are counts of things: whole numbers, and the unit is the thing itself.
COUNT_UNITS = frozenset({"accounts", "customers", "orders", "cases", "people", "households",
                         "count", "number", "members", "sites"})
# The short sign a unit is shown with after a label; counts need none.
UNIT_SIGNS = {"currency": "$", "share": "%", "hours": "hours", "score 1-5": "1-5"}
MISSING = "–"


def is_count(unit: str) -> bool:
    """Whether ``unit`` counts things (whole numbers)."""
    return unit in COUNT_UNITS


def _missing(x) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, float | np.floating) and math.isnan(x))
    except TypeError:
        return False


def money(x, *, compact: bool = False) -> str:
    """Dollars: whole dollars from $1,000 ($4,008,743), cents below ($52.37); ``compact``
    for tight spaces (legends): $4.0M, $261.4k."""
    if _missing(x):
        return MISSING
    x = float(x)
    sign = "-" if x < 0 else ""
    if compact:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(x) >= size:
                return f"{sign}${abs(x) / size:,.1f}{suffix}"
    if abs(x) >= 1000:
        return f"{sign}${abs(x):,.0f}"
    return f"{sign}${abs(x):,.2f}"


def count(x) -> str:
    """A count: 13, 1,446 (rounded to a whole number)."""
    if _missing(x):
        return MISSING
    return f"{round(float(x)):,}"


def percent(x, *, digits: int = 1) -> str:
    """A share (0.024) as 2.4%."""
    if _missing(x):
        return MISSING
    return f"{float(x):.{digits}%}"


def number(x) -> str:
    """Any other number: whole numbers plainly (1,234), else two decimals (3.55)."""
    if _missing(x):
        return MISSING
    x = float(x)
    return f"{x:,.0f}" if x.is_integer() else f"{x:,.2f}"


def value(x, unit: str, *, compact: bool = False) -> str:
    """``x`` of a measure in ``unit`` (currency, share, a count unit, hours, ...)."""
    if unit == "currency":
        return money(x, compact=compact)
    if unit == "share":
        return percent(x)
    if is_count(unit):
        return count(x)
    return number(x)


def change(x, previous, unit: str) -> str | None:
    """The change of a measure against the previous period: rates in percentage points
    (2.4% -> 3.1%: "+0.7 pp"), everything else as a relative change ("+2.3%"); None when
    there is nothing to compare with."""
    if _missing(x) or _missing(previous):
        return None
    x, previous = float(x), float(previous)
    if unit == "share":
        shown = f"{(x - previous) * 100:+.1f} pp"
    elif previous == 0:
        return None
    else:
        shown = f"{(x - previous) / abs(previous):+.1%}"
    return shown.replace("+0.0", "0.0").replace("-0.0", "0.0")  # flat: no sign


def is_flat(shown: str | None) -> bool:
    """Whether a change written by :func:`change` is none at all ("0.0%", "0.0 pp")."""
    return bool(shown) and shown.startswith("0.0")


def when(x, *, time: bool | None = None) -> str:
    """A date or timestamp without its time zone ("+00:00"): "2026-03-04", or with the
    time "2026-03-04 14:05" (``time=None``: only when it is not midnight)."""
    if _missing(x):
        return MISSING
    stamp = pd.Timestamp(x)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(None) if time is not False else stamp.tz_localize(None)
    if isinstance(x, dt.date) and not isinstance(x, dt.datetime):
        time = False
    if time is None:
        time = (stamp.hour, stamp.minute, stamp.second) != (0, 0, 0)
    return stamp.strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")


def label(name: str) -> str:
    """A measure or column name as a label: "churn_rate" -> "Churn rate"."""
    return str(name).replace("_", " ").capitalize()


def titled(text: str, unit: str) -> str:
    """``text`` with its unit when the unit adds something: "revenue ($)", "churn rate
    (%)", but "customers" (never "customers (customers)")."""
    sign = UNIT_SIGNS.get(unit)
    if sign is None or is_count(unit) or sign.lower() in text.lower().split():
        return text
    return f"{text} ({sign})"


def whole_bounds(bounds, lowest=None) -> tuple[float, ...]:
    """Class bounds of a count rounded up to whole numbers (3.4 -> 4), repeated ones
    merged: a legend of counts reads 1 – 4, 5 – 12, never 3.4 – 7.8."""
    out: list[float] = []
    for b in bounds:
        b = float(math.ceil(b - 1e-9))
        if not out or b > out[-1]:
            out.append(b)
    return tuple(out)


def for_people(frame: pd.DataFrame, *, drop: tuple[str, ...] = ("id",),
               counts: tuple[str, ...] = (), keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table ready to show: internal id columns (``id``, ``*_id``, except those to
    ``keep``) dropped, dates and timestamps written without time zone, the ``counts``
    columns as whole numbers.

    >>> for_people(pd.DataFrame({"id": [7], "at": [pd.Timestamp("2026-03-04", tz="UTC")],
    ...                          "n": [13.0]}), counts=("n",)).to_dict("records")
    [{'at': '2026-03-04', 'n': 13}]
    """
    out = frame.drop(columns=[c for c in frame.columns if c not in keep
                              and (c in drop or str(c).endswith("_id"))])
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series) or (
                series.dtype == object and len(series.dropna())
                and all(isinstance(v, dt.date) for v in series.dropna())):
            out[column] = pd.Series([None if _missing(v) else when(v) for v in series],
                                    index=out.index, dtype=object)
        elif column in counts:
            out[column] = pd.to_numeric(series, errors="coerce").round().astype("Int64")
    return out


def clock(t) -> str:
    """A time of day as on a plan: "08:30"."""
    return "" if _missing(t) else t.strftime("%H:%M")


def minutes(seconds) -> str:
    """Seconds of driving in whole minutes: "1 h 05 min", "27 min"."""
    if _missing(seconds):
        return ""
    total = int(round(float(seconds) / 60))
    return f"{total // 60} h {total % 60:02d} min" if total >= 60 else f"{total} min"
