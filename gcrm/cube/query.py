"""`gcrm.cube.query`: measures by region (one level) x time x one split, from the cube.

Reads month cells (as the caller: a manager's row-level security holds), adds them up to
the period and time grain asked for, and computes every measure from its parts there.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from gcrm.config import get_settings
from gcrm.cube import periods, sql
from gcrm.cube.definitions import (
    CONTRIBUTORS,
    DIMENSIONS,
    MEASURES,
    PARTS,
    RAW,
    SPLITS,
    TIME,
    TIMELESS,
)
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.regions.grid import FINE_LEVELS

TABLES = {"sales": "cube_sales", "service": "cube_service", "customers": "cube_customers",
          "accounts": "cube_accounts", "risk": "cube_risk", "cost": "cube_cost"}
# Where a split's values are read from, to check a filter's values.
MEMBERS_FROM = {"segment": "accounts", "status": "accounts", "category": "sales",
                "channel": "sales", "case_type": "service"}
# ("latest": one row per cell is left once _latest_scoring has kept the bucket's month.)
AGGREGATE = {"sum": "sum", "max": "max", "first": "first", "last": "last", "latest": "sum"}
# A split as the measures counted from rows read it (accounts a, service cases c); which
# of them a measure can take is SPLITS' to say (checked with the request).
ROW_MEMBER = {"*": "'*'", "segment": "coalesce(a.segment, '(none)')", "status": "a.status",
              "case_type": "c.case_type"}


def query(measures: Sequence[str], *, by: Iterable[str] = (), level: str = "state",
          where: dict | None = None, period=None, compare: str | None = None,
          share_of_parent: bool = False, geometry: bool = False,
          min_count: int | None = None, fiscal_year_start: int | None = None,
          engine: Engine | None = None) -> pd.DataFrame:
    """Measures per region of ``level`` (and per ``by``: year, quarter, month, and at most
    one of segment, status, category, channel).

    where: ``{level name: code or codes}`` keeps regions inside those regions;
    ``{dimension: value or values}`` keeps those members.
    period: None (every month), '2026', 'FY2026', '2026-Q1', '2026-03' or a pair of months.
    compare='previous_period': adds ``<measure>_previous`` and ``<measure>_change``.
    share_of_parent: adds ``<measure>_share`` (of the parent region) for counts and sums.
    geometry: returns a GeoDataFrame with each region's polygon.
    min_count: blanks measures of rows built from fewer than this many people and marks
    them ``suppressed``.
    """
    request = _Request.make(measures, by, level, where, period, compare, fiscal_year_start)
    with (engine or get_engine()).connect() as conn:
        request.check_level(conn)  # a wrong request is wrong whether built or not
        if conn.execute(text(sql.ANY_BUILD)).first() is None:
            raise InvalidInput("The cube has not been built yet: run `gcrm cube build` "
                               "(the operator does, after loading data).")
        request.check_members(conn)
        frame = _measures(conn, request, request.months)
        if compare is not None:
            frame = _compare(conn, request, frame)
        if share_of_parent:
            frame = _share_of_parent(conn, request, frame)
        if min_count is not None:
            frame = _suppress(frame, request, min_count)
        frame = frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
        if geometry:
            shapes = gpd.GeoDataFrame.from_postgis(
                text("SELECT id AS region_id, geom FROM regions WHERE level = :level"), conn,
                params={"level": level}, geom_col="geom")
            frame = gpd.GeoDataFrame(frame.merge(shapes, on="region_id", how="left"),
                                     geometry="geom", crs=shapes.crs)
    return frame


def drill_down(code: str, measures: Sequence[str], *, level: str, child_level: str,
               **options) -> pd.DataFrame:
    """The children (regions of ``child_level``) of region ``code`` of ``level``."""
    where = dict(options.pop("where", None) or {})
    where[level] = code
    return query(measures, level=child_level, where=where, **options)


def roll_up(code: str, measures: Sequence[str], *, level: str, parent_level: str,
            engine: Engine | None = None, **options) -> pd.DataFrame:
    """The parent (at ``parent_level``) of region ``code`` of ``level``."""
    with (engine or get_engine()).connect() as conn:
        parent = conn.execute(text(
            "SELECT p.code FROM regions r JOIN regions p ON p.id = r.parent_id "
            "WHERE r.level = :level AND r.code = :code AND p.level = :parent"),
            {"level": level, "code": code, "parent": parent_level}).scalar()
    if parent is None:
        raise InvalidInput(f"Region {code!r} of level {level!r} has no parent at "
                           f"{parent_level!r}.")
    where = dict(options.pop("where", None) or {})
    where[parent_level] = parent
    return query(measures, level=parent_level, where=where, engine=engine, **options)


# --- the request -----------------------------------------------------------------------------

class _Request:
    """A checked query: measures, the parts they need, time keys, the one split."""

    @classmethod
    def make(cls, measures, by, level, where, period, compare, fiscal_year_start) -> _Request:
        self = cls()
        self.measures = [m.strip() for m in ([measures] if isinstance(measures, str)
                                               else measures)]
        unknown = [m for m in self.measures if m not in MEASURES]
        if not self.measures or unknown:
            raise InvalidInput(f"Unknown measure {', '.join(unknown) or '(none given)'}; "
                               f"choose from {', '.join(MEASURES)}.")
        self.by = [b.strip() for b in ([by] if isinstance(by, str) else by)]
        bad = [b for b in self.by if b not in (*TIME, *DIMENSIONS, "region")]
        if bad:
            raise InvalidInput(f"Cannot group by {', '.join(bad)}; choose from "
                               f"{', '.join((*TIME, *DIMENSIONS))}.")
        self.time = [t for t in TIME if t in self.by]
        timeless = [m for m in self.measures if MEASURES[m].timeless]
        if self.time and timeless:
            raise InvalidInput(
                f"{', '.join(timeless)} cannot be shown by {self.time[0]}: "
                f"{', '.join(TIMELESS)} are counts as things are now and have no time grain. "
                "Leave year, quarter and month out of `by` for them, or use customers "
                "(customers at the end of each period).")
        self.level = level
        self.where = {k.strip(): ([v] if isinstance(v, (str, int)) else list(v))
                      for k, v in (where or {}).items()}
        dims = {d for d in self.by if d in DIMENSIONS} | {k for k in self.where
                                                          if k in DIMENSIONS}
        if len(dims) > 1:
            raise InvalidInput(
                f"The cube splits by one of {', '.join(DIMENSIONS)} at a time; this asks for "
                f"{' and '.join(sorted(dims))}. Query one split at a time.")
        self.dim = dims.pop() if dims else "*"
        self.members = ([str(v) for v in self.where[self.dim]]
                        if self.dim in self.where else None)
        self.parts = list(dict.fromkeys(p for m in self.measures
                                        for p in MEASURES[m].parts))
        self.families = list(dict.fromkeys(PARTS[p][0] for p in self.parts))
        for measure in self.measures:
            for family in MEASURES[measure].families:
                if self.dim != "*" and self.dim not in SPLITS[family]:
                    raise InvalidInput(
                        f"{measure} cannot be split by {self.dim}; it can by "
                        f"{', '.join(SPLITS[family])}.")
        self.fiscal_start = fiscal_year_start or get_settings().fiscal_year_start
        self.period = period
        self.months = periods.month_range(period, self.fiscal_start)
        if compare not in (None, "previous_period"):
            raise InvalidInput(f"Unknown comparison {compare!r}; use 'previous_period'.")
        if compare and self.time:
            raise InvalidInput("compare='previous_period' compares whole periods; leave "
                               "year, quarter and month out of `by`.")
        if compare and self.months is None:
            raise InvalidInput("compare='previous_period' needs a period, e.g. '2026-Q1'.")
        return self

    def check_level(self, conn: Connection) -> None:
        kinds = dict(conn.execute(text(sql.KNOWN_LEVELS)).all())
        known = set(kinds)
        if self.level not in known:
            raise InvalidInput(f"Unknown level {self.level!r}; loaded levels: "
                               f"{', '.join(sorted(known)) or 'none'}.")
        if re.match(FINE_LEVELS, self.level):
            raise InvalidInput(f"The cube stops at H3 resolution 7: {self.level} cells are "
                               "small enough to point at single people.")
        if self.dim != "*" and kinds[self.level] == "h3":
            split = [name for name, kind in conn.execute(text(sql.LEVELS)) if kind != "h3"]
            raise InvalidInput(
                f"{self.level} cells hold only totals (H3 levels are for density maps): "
                f"they cannot be split or filtered by {self.dim}. Levels that can: "
                f"{', '.join(split) or 'none loaded'}.")
        geo = [k for k in self.where if k not in DIMENSIONS]
        unknown = [k for k in geo if k not in known]
        if unknown:
            raise InvalidInput(f"Cannot filter by {', '.join(unknown)}: not a dimension "
                               f"({', '.join(DIMENSIONS)}) nor a loaded level "
                               f"({', '.join(sorted(known))}).")
        self.regions = None
        for within in geo:
            codes = [str(c) for c in self.where[within]]
            found = set(conn.execute(text(sql.CODES_AT), {"level": within, "codes": codes})
                        .scalars())
            missing = [c for c in codes if c not in found]
            if missing:
                raise InvalidInput(f"No {within} with code {', '.join(missing)}.")
            ids = set(conn.execute(text(sql.REGIONS_WITHIN), {
                "level": self.level, "within": within, "codes": codes}).scalars())
            self.regions = ids if self.regions is None else self.regions & ids
        if self.regions is not None:
            self.regions = sorted(self.regions)

    def check_members(self, conn: Connection) -> None:
        """Every value asked for of the split is one the cube holds (at this level, in the
        regions the caller may see): a typo is said, with the values there are, rather than
        answered with no rows."""
        if self.members is None:
            return
        table = TABLES[MEMBERS_FROM[self.dim]]
        there = sorted(conn.execute(text(sql.MEMBERS.format(table=table)), {
            "level": self.level, "dim": self.dim}).scalars())
        unknown = [m for m in self.members if m not in there]
        if unknown:
            raise InvalidInput(
                f"No {self.dim} {', '.join(map(repr, unknown))} in the cube; "
                f"{self.dim} values: {', '.join(there) or 'none'}.")

    @property
    def keys(self) -> list[str]:
        return ["region_id", *self.time, *([self.dim] if self.dim != "*" else [])]


# --- reading and adding up -------------------------------------------------------------------

def _measures(conn: Connection, request: _Request, months) -> pd.DataFrame:
    keys = request.keys
    frame = None
    for family in request.families:
        if family in RAW:
            continue
        part = _family(conn, request, family, months)
        frame = part if frame is None else frame.merge(part, on=keys, how="outer")
    if "margins_raw" in request.families:
        part = _unprofitable(conn, request, months)
        frame = part if frame is None else frame.merge(part, on=keys, how="outer")
    if "cases_raw" in request.families:
        part = _case_figures(conn, request, months)
        frame = part if frame is None else frame.merge(part, on=keys, how="outer")
    regions = pd.DataFrame([tuple(row) for row in conn.execute(
                               text(sql.REGION_INFO), {"level": request.level}).all()],
                           columns=["region_id", "code", "name", "parent_id", "population",
                                    "households"])
    if frame is None:  # only region attributes
        frame = regions[["region_id"]].copy()
        if request.regions is not None:
            frame = frame[frame["region_id"].isin(request.regions)]
    frame = frame.merge(regions, on="region_id", how="left")
    for part in ("population", "households"):
        frame[part] = frame[part].astype("float64")
    out = frame[["region_id", "code", "name", *keys[1:]]].copy()
    out.insert(0, "level", request.level)
    for name in request.measures:
        value = _evaluate(frame, MEASURES[name].formula)
        money = MEASURES[name].unit == "currency" and MEASURES[name].additive
        out[name] = value.round(2) if money else value  # sums of cents, without float noise
    for family in request.families:
        if family in CONTRIBUTORS:
            out[f"_{family}_people"] = frame[CONTRIBUTORS[family]].to_numpy()
    out["_parent_id"] = frame["parent_id"].to_numpy()
    sort = ["code", *keys[1:]]
    return out.sort_values(sort, kind="stable").reset_index(drop=True)


def _family(conn: Connection, request: _Request, family: str, months) -> pd.DataFrame:
    parts = [p for p in request.parts if PARTS[p][0] == family]  # only what is asked
    if family in CONTRIBUTORS and CONTRIBUTORS[family] not in parts:
        parts.append(CONTRIBUTORS[family])
    monthly = family != "accounts"
    # As float8 on the server: the same doubles as from Decimals, without making them.
    query = sql.CELLS.format(
        table=TABLES[family], parts=", ".join(f"{p}::float8 AS {p}" for p in parts),
        month="month," if monthly else "",
        months=sql.CELL_MONTHS if monthly and months else "")
    params = {"level": request.level, "dim": request.dim, "members": request.members,
              "regions": request.regions}
    if months:
        params.update(first=months[0], last=months[1])
    columns = ["region_id", *(["month"] if monthly else []), "member", *parts]
    # Plain tuples, in the query's column order: a frame from them is built column by
    # column, several times faster than from one mapping per row.
    rows = [tuple(row) for row in conn.execute(text(query), params).all()]
    if family == "customers" and months and not request.time:
        carried = _carried_customers(conn, query, params, months[0])
        rows = [tuple(row[c] for c in columns) for row in carried] + rows
    cells = pd.DataFrame(rows, columns=columns)
    for part in parts:
        cells[part] = pd.to_numeric(cells[part], errors="coerce").astype("float64")
    if request.dim != "*":
        cells = cells.rename(columns={"member": request.dim})
    else:
        cells = cells.drop(columns="member")
    keys = request.keys
    if not monthly:
        return cells[["region_id", *([request.dim] if request.dim != "*" else []), *parts]]
    cells["month"] = pd.to_datetime(cells["month"])
    cells = cells.sort_values("month", kind="stable")
    if any(PARTS[p][1] == "latest" for p in parts):
        cells = _latest_scoring(conn, request, cells, TABLES[family], months, parts)
    if request.time:
        time = periods.labels(cells["month"], request.fiscal_start)
        for key in request.time:
            cells[key] = time[key]
    rules = {p: AGGREGATE[PARTS[p][1]] for p in parts}
    if cells.empty:
        return cells[[*keys, *parts]]
    return cells.groupby(keys, sort=False, dropna=False).agg(rules).reset_index()


def _latest_scoring(conn: Connection, request: _Request, cells: pd.DataFrame, table: str,
                    months, parts: list[str]) -> pd.DataFrame:
    """Stocks taken now and then (churn scores): in each period bucket (the period, or each
    year, quarter or month of it), only the cells of its latest month that has a cell
    anywhere in the cube (as the caller may read it; a build gives every region that was
    ever scored a cell of 0 in each month of scoring, so a manager's latest month is
    everyone's). A region (or member) with cells in the bucket but none that month has 0,
    so every level's regions add up to their parent. A bucket without any scoring keeps
    no cell: blank."""
    held = conn.execute(text(sql.CELL_MONTHS_HELD.format(table=table)), {
        "first": months[0] if months else None,
        "last": months[1] if months else None}).scalars().all()
    if cells.empty or not held:  # nothing scored in the period: blank
        return cells.iloc[0:0]
    held = pd.Series(pd.to_datetime(pd.Series(held, dtype="object")),
                     dtype="datetime64[ns]")

    def bucket(month: pd.Series) -> pd.Series:  # the finest time key names the bucket
        if not request.time:
            return pd.Series("*", index=month.index)
        return periods.labels(month, request.fiscal_start)[request.time[-1]]

    latest = held.groupby(bucket(held)).max()
    keys = ["region_id", *([request.dim] if request.dim != "*" else [])]
    cells = cells.assign(_bucket=bucket(cells["month"]))
    present = cells[[*keys, "_bucket"]].drop_duplicates()
    kept = cells[cells["month"].to_numpy() == cells["_bucket"].map(latest).to_numpy()]
    out = present.merge(kept[[*keys, "_bucket", *parts]], on=[*keys, "_bucket"], how="left")
    out[parts] = out[parts].fillna(0.0)
    out["month"] = out["_bucket"].map(latest)
    return out.drop(columns="_bucket").dropna(subset=["month"])


def _carried_customers(conn: Connection, query: str, params: dict, first: dt.date) -> list:
    """The customers at the start of a period, carried from the last month before it that
    the cube holds (it holds only the months facts need: nobody was won or lost between),
    as a row of the period's first month that wins or loses nobody. It goes first, so the
    period's figures are right even when it has no row of its own. (By year, quarter or
    month, only the grains with a stored month have a row, each right by itself.)"""
    before = conn.execute(text(sql.CUSTOMERS_BEFORE), {
        "level": params["level"], "dim": params["dim"], "first": first}).scalar()
    if before is None:
        return []
    rows = conn.execute(text(query), {**params, "first": before, "last": before}).mappings()
    return [{**row, "month": first, "customers_start": row["customers_end"],
             "new_customers": 0, "churned_customers": 0} for row in rows]


def _case_figures(conn: Connection, request: _Request, months) -> pd.DataFrame:
    """The median hours to close and the overdue open cases, from the case rows."""
    labels = periods.label_sql("(c.opened_at AT TIME ZONE 'UTC')", request.fiscal_start)
    keys = "".join(f"{labels[t]} AS {t}, " for t in request.time)
    member = ROW_MEMBER[request.dim]
    group = ", ".join(["ra.region_id", *[labels[t] for t in request.time],
                       *([member] if request.dim != "*" else [])])
    of_account = request.dim in ("segment", "status")
    query = sql.CASE_FIGURES.format(
        keys=keys, member=member, group=group,
        join_accounts="JOIN accounts a ON a.id = c.account_id" if of_account else "")
    after = None
    if months:
        last = months[1]
        after = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    rows = conn.execute(text(query), {
        "level": request.level, "regions": request.regions,
        "first": months[0] if months else None, "after": after}).mappings().all()
    figures = ["median_resolution_hours", "overdue_cases"]
    frame = pd.DataFrame(rows, columns=["region_id", *request.time, "member", *figures])
    return _of_members(frame, request, figures)


def _unprofitable(conn: Connection, request: _Request, months) -> pd.DataFrame:
    """Customers of the period and those with a negative margin over it, per region (and
    segment or status), counted per account (not additive over months, so not a cube
    cell). By year, quarter or month: each of them is its own period."""
    spans = pd.DataFrame({"first": [months[0] if months else None],
                          "last": [months[1] if months else None]})
    if request.time:
        first, last = months or conn.execute(text(sql.MARGIN_MONTHS)).one()
        every = pd.Series(pd.date_range(first, last, freq="MS")) if first else pd.Series(
            [], dtype="datetime64[ns]")
        spans = periods.labels(every, request.fiscal_start)[request.time].assign(
            month_=every).groupby(request.time, sort=False).agg(
            first=("month_", "min"), last=("month_", "max")).reset_index()
    rows = conn.execute(text(sql.UNPROFITABLE.format(member=ROW_MEMBER[request.dim])), {
        "level": request.level, "regions": request.regions,
        "ks": list(range(len(spans))),
        "firsts": [None if pd.isna(d) else pd.Timestamp(d).date() for d in spans["first"]],
        "lasts": [None if pd.isna(d) else pd.Timestamp(d).date() for d in spans["last"]],
    }).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[
        "region_id", "_k", "member", "unprofitable_customers", "period_customers"])
    if request.time:
        frame = frame.merge(spans[request.time], left_on="_k", right_index=True)
    return _of_members(frame.drop(columns="_k"), request,
                       ["unprofitable_customers", "period_customers"])


def _of_members(frame: pd.DataFrame, request: _Request, parts: list[str]) -> pd.DataFrame:
    """Rows counted at query time (a ``member`` column, ``parts``): the members asked for,
    the member column named as the split (none without one), parts as floats."""
    if request.members is not None:
        frame = frame[frame["member"].isin(request.members)]
    frame = frame.assign(**{part: frame[part].astype("float64") for part in parts})
    if request.dim != "*":
        frame = frame.rename(columns={"member": request.dim})
    return frame[[*request.keys, *parts]]


def _evaluate(frame: pd.DataFrame, formula: str) -> pd.Series:
    """A measure's formula (gcrm.cube.definitions: parts, + - * /, numbers) over the
    frame's part columns, as float64 with NaN where it divides by zero. Compiled once
    and run on NumPy arrays (DataFrame.eval set up a resolver per column per call)."""
    code = _compiled(formula)
    parts = {name: frame[name].to_numpy(dtype="float64", na_value=np.nan)
             for name in code.co_names}
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.broadcast_to(eval(code, {"__builtins__": {}}, parts),  # noqa: S307
                                (len(frame),)).astype("float64")
    value[np.isinf(value)] = np.nan
    return pd.Series(value, index=frame.index)


@functools.cache
def _compiled(formula: str):
    """A formula of gcrm's own definitions (never user text) as a code object."""
    return compile(formula, "<measure>", "eval")


# --- comparisons, shares, suppression ---------------------------------------------------------

def _compare(conn: Connection, request: _Request, frame: pd.DataFrame) -> pd.DataFrame:
    before = _measures(conn, request, periods.previous(*request.months))
    keys = request.keys
    before = before[[*keys, *request.measures]].rename(
        columns={m: f"{m}_previous" for m in request.measures})
    frame = frame.merge(before, on=keys, how="left")
    for m in request.measures:
        with np.errstate(divide="ignore", invalid="ignore"):
            change = (frame[m] - frame[f"{m}_previous"]) / frame[f"{m}_previous"].abs()
        frame[f"{m}_change"] = change.replace([np.inf, -np.inf], np.nan)
    return frame


def _share_of_parent(conn: Connection, request: _Request, frame: pd.DataFrame) -> pd.DataFrame:
    shares = [m for m in request.measures if MEASURES[m].additive]
    if not shares:
        raise InvalidInput("Shares of the parent region are for counts and sums ("
                           + ", ".join(m for m in MEASURES if MEASURES[m].additive) + ").")
    parent_level = conn.execute(text(
        "SELECT parent_level FROM region_levels WHERE name = :level"),
        {"level": request.level}).scalar()
    if parent_level is None:
        raise InvalidInput(f"Level {request.level!r} has no parent level.")
    parents = _Request.make(shares, request.by, parent_level, None, request.period, None,
                            request.fiscal_start)
    parents.dim, parents.members = request.dim, request.members
    parents.regions = sorted(set(frame["_parent_id"].dropna().astype(int)))
    upper = _measures(conn, parents, request.months)
    upper = upper[["region_id", *parents.keys[1:], *shares]].rename(
        columns={"region_id": "_parent_id", **{m: f"_{m}_parent" for m in shares}})
    frame = frame.merge(upper, on=["_parent_id", *request.keys[1:]], how="left")
    for m in shares:
        with np.errstate(divide="ignore", invalid="ignore"):
            frame[f"{m}_share"] = (frame[m] / frame[f"_{m}_parent"]).replace(
                [np.inf, -np.inf], np.nan)
    return frame


def _suppress(frame: pd.DataFrame, request: _Request, k: int) -> pd.DataFrame:
    people = [c for c in frame.columns if c.startswith("_") and c.endswith("_people")]
    small = np.zeros(len(frame), dtype=bool)
    for column in people:
        small |= frame[column].fillna(0).to_numpy() < k
    frame["suppressed"] = small
    values = [c for c in frame.columns if c in request.measures
              or any(c == f"{m}_{s}" for m in request.measures
                     for s in ("previous", "change", "share"))]
    frame.loc[small, values] = np.nan
    return frame
