"""What a report page holds, read from the cube as the user: the region's KPIs with the
previous period, its sub-regions for one measure (with outlines), and its monthly series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text

from gcrm import cube
from gcrm.config import get_settings
from gcrm.cube import periods
from gcrm.cube.definitions import MEASURES
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.report import scope, sql
from gcrm.report.scope import RegionRef

# The cards, in order: what a regional manager looks at first.
KPI_MEASURES = ("revenue", "orders", "customers", "new_customers", "churn_rate",
                "complaints", "average_satisfaction")
SERIES_MONTHS = 24  # the monthly chart: up to two years ending with the period


@dataclass(frozen=True)
class Kpi:
    measure: str
    unit: str
    value: float | None
    previous: float | None


@dataclass(frozen=True)
class Page:
    """One region's page: everything drawn on it, already read."""

    region: RegionRef
    period: str
    months: tuple[dt.date, dt.date]
    previous_months: tuple[dt.date, dt.date]
    measure: str
    unit: str
    kpis: tuple[Kpi, ...]
    sub_level: str | None  # None: the finest level (the map shows the region itself)
    areas: gpd.GeoDataFrame  # code, name, measure, <measure>_previous, geometry (EPSG:4326)
    outline: gpd.GeoDataFrame  # the region's own outline
    series: pd.DataFrame  # month (YYYY-MM), measure

    @property
    def period_label(self) -> str:
        return _span_label(self.period, *self.months)

    @property
    def previous_label(self) -> str:
        return _span_label(None, *self.previous_months)


def read_pages(regions: Sequence[str], *, period, measure: str = "revenue",
               level: str | None = None, by: str | None = None,
               engine: Engine | None = None,
               progress: Callable[[str, int, int], None] | None = None) -> list[Page]:
    """One page per region of ``regions`` ('code' or 'level:code'), read as the user of
    ``engine``. A region outside a manager's regions is refused before anything is read."""
    if not regions:
        raise InvalidInput("Name at least one region, e.g. --region 42 or "
                           "--region county:42003.")
    if measure not in MEASURES:
        raise InvalidInput(f"Unknown measure {measure!r}; choose from {', '.join(MEASURES)}.")
    if period is None or not str(period).strip():
        raise InvalidInput("Name a period: 2026, 2026-Q1 or 2026-03.")
    engine = engine or get_engine()
    months = periods.month_range(period, get_settings().fiscal_year_start)
    name = ("..".join(str(p) for p in period) if isinstance(period, (tuple, list))
            else str(period).strip())
    refs = check_regions(regions, level=level, engine=engine)
    with engine.connect() as conn:
        subs = [scope.sub_level(conn, ref.level, by) for ref in refs]
    pages = []
    for i, (ref, sub) in enumerate(zip(refs, subs, strict=True)):
        if progress:
            progress("Reading", i, len(refs))
        pages.append(_page(ref, sub, period, name, months, measure, engine))
    if progress:
        progress("Reading", len(refs), len(refs))
    return pages


def check_regions(regions: Sequence[str], *, level: str | None = None,
                  engine: Engine | None = None) -> list[RegionRef]:
    """The regions, when the user of ``engine`` may have their report; else the error
    (InvalidInput: no such region; PermissionDenied: outside a manager's regions)."""
    with (engine or get_engine()).connect() as conn:
        refs = [scope.resolve(conn, given, level) for given in regions]
        for ref in refs:
            scope.check(conn, ref)
    return refs


def _page(ref: RegionRef, sub: str | None, period, name: str, months, measure: str,
          engine: Engine) -> Page:
    where = {ref.level: ref.code}
    kpis = list(dict.fromkeys([*KPI_MEASURES, measure]))
    region = cube.query(kpis, level=ref.level, where=where, period=period,
                        compare="previous_period", engine=engine)
    row = region.iloc[0] if len(region) else pd.Series(dtype=object)
    cards = tuple(Kpi(m, MEASURES[m].unit, _number(row.get(m)),
                      _number(row.get(f"{m}_previous"))) for m in kpis)
    values = [measure, f"{measure}_previous"]
    with engine.connect() as conn:
        outline = _shapes(conn, sql.OUTLINE, {"id": ref.id})
        if sub is None:
            shapes, figures = outline, region
        else:
            shapes = _shapes(conn, sql.AREA_OUTLINES, {"level": sub, "within": ref.level,
                                                       "codes": [ref.code]})
            figures = cube.query([measure], level=sub, where=where, period=period,
                                 compare="previous_period", engine=engine)
    figures = (pd.DataFrame(figures[["code", *values]]) if len(figures)
               else pd.DataFrame(columns=["code", *values], dtype="float64"))
    areas = shapes.merge(figures.astype({"code": str}), on="code", how="left")
    first = max(_months_before(months[1], SERIES_MONTHS - 1), _first_month(engine) or months[0])
    first = min(first, months[0])
    if MEASURES[measure].timeless:  # counted as things are now: no month by month
        series = pd.DataFrame(columns=["month", measure], dtype="float64")
    else:
        series = cube.query([measure], level=ref.level, where=where, by=["month"],
                            period=(f"{first.year:04d}-{first.month:02d}",
                                    f"{months[1].year:04d}-{months[1].month:02d}"),
                            engine=engine)
    return Page(region=ref, period=name, months=months,
                previous_months=periods.previous(*months), measure=measure,
                unit=MEASURES[measure].unit, kpis=cards, sub_level=sub,
                areas=areas, outline=outline,
                series=pd.DataFrame(series[["month", measure]]))


def _shapes(conn: Connection, query: str, params: dict) -> gpd.GeoDataFrame:
    rows = conn.execute(text(query), params).all()
    return gpd.GeoDataFrame({"code": [r.code for r in rows],
                             "name": [r.name or r.code for r in rows]},
                            geometry=shapely.from_wkb([bytes(r.wkb) for r in rows]), crs=4326)


def _number(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _first_month(engine: Engine) -> dt.date | None:
    build = cube.last_build(engine=engine)
    return None if build is None else build["first_month"]


def _months_before(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def _span_label(period: str | None, first: dt.date, last: dt.date) -> str:
    """'2026-Q1 (Jan – Mar 2026)'; a single month reads 'March 2026'."""
    if first == last:
        span = f"{first:%B %Y}"
    elif first.year == last.year:
        span = f"{first:%b} – {last:%b %Y}"
    else:
        span = f"{first:%b %Y} – {last:%b %Y}"
    if period is None or period.upper() in (f"{first:%Y-%m}",):
        return span
    return f"{period} ({span})"
