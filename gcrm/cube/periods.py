"""Time in the cube: months, (fiscal) quarters and years, and the periods a query names.

The cube stores months; quarters and years are added up from them when queried, so the
fiscal-year start is a query setting (``fiscal_year_start``, default January), not a
rebuild. A fiscal year is named by the calendar year it ends in: with a July start,
FY2026 runs from July 2025 to June 2026.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from gcrm.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(FY)?(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(FY)?(\d{4})$")


def fiscal_year(months: pd.Series, start: int) -> pd.Series:
    years = months.dt.year
    return years + ((months.dt.month >= start) & (start > 1)).astype(int)


def labels(months: pd.Series, start: int) -> pd.DataFrame:
    """Year, quarter and month labels of each month (``months``: datetime64)."""
    prefix = "FY" if start > 1 else ""
    year = fiscal_year(months, start).astype(str).str.zfill(4)  # 0001, as periods are written
    quarter = ((months.dt.month - start) % 12) // 3 + 1
    return pd.DataFrame({
        "year": prefix + year,
        "quarter": prefix + year + "-Q" + quarter.astype(str),
        "month": months.dt.strftime("%Y-%m"),
    }, index=months.index)


def label_sql(column: str, start: int) -> dict[str, str]:
    """The same labels in SQL, for queries that group facts themselves."""
    prefix = "FY" if start > 1 else ""
    year = (f"(extract(year FROM {column})::int + CASE WHEN {start} > 1 AND "
            f"extract(month FROM {column}) >= {start} THEN 1 ELSE 0 END)")
    quarter = f"(((extract(month FROM {column})::int - {start} + 12) % 12) / 3 + 1)"
    year = f"lpad({year}::text, 4, '0')"
    return {
        "year": f"'{prefix}' || {year}",
        "quarter": f"'{prefix}' || {year} || '-Q' || {quarter}::text",
        "month": f"to_char({column}, 'YYYY-MM')",
    }


def month_range(period, start: int) -> tuple[dt.date, dt.date] | None:
    """First and last month of ``period``: None (everything), 'YYYY', 'FYYYYY',
    'YYYY-Qn', 'FYYYYY-Qn', 'YYYY-MM', or a (first, last) pair of 'YYYY-MM'."""
    if period is None:
        return None
    if isinstance(period, (tuple, list)) and len(period) == 2:
        first, last = (month_range(str(p), start) for p in period)
        if first[0] > last[1]:
            raise InvalidInput(f"The period {period[0]}..{period[1]} ends before it starts.")
        return first[0], last[1]
    text = str(period).strip().upper()
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise InvalidInput(f"{period!r} is not a month: write YYYY-MM, e.g. 2026-03.")
        return dt.date(year, month, 1), dt.date(year, month, 1)
    if m := _QUARTER.match(text):
        fy_start = _fiscal_start(int(m[2]), start)
        first = _add_months(fy_start, 3 * (int(m[3]) - 1))
        return first, _add_months(first, 2)
    if m := _YEAR.match(text):
        first = _fiscal_start(int(m[2]), start)
        return first, _add_months(first, 11)
    raise InvalidInput(
        f"Unknown period {period!r}: write a year (2026, or FY2026 with a fiscal year), a "
        "quarter (2026-Q1), a month (2026-03) or a pair of months.")


def previous(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length just before."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return _add_months(first, -months), _add_months(first, -1)


def _fiscal_start(year: int, start: int) -> dt.date:
    return dt.date(year - (1 if start > 1 else 0), start, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
