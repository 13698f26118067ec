"""Accounts in a map view: counts per cell when zoomed out, the accounts themselves when
zoomed in, never more than ``limit`` rows whatever the data size."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, text

from gcrm.accounts import sql
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput

ACCOUNT_ZOOM = 12  # from this zoom on, a view with at most ``limit`` accounts shows them
COLUMNS = {"clusters": ["lon", "lat", "count", "customers", "prospects", "churned"],
           "accounts": ["id", "name", "status", "segment", "owner", "lon", "lat"]}
STATUSES = ("customer", "prospect", "churned")
_GRID_CELLS = 64  # a view without an H3 grid is counted in at most 64 x 64 squares


@dataclass
class ViewResult:
    """``kind``: 'clusters' (lon, lat, count, customers, prospects, churned per cell) or
    'accounts'
    (id, name, status, segment, owner, lon, lat); ``total``: the accounts they stand for;
    ``level``: the H3 level counted ('' for accounts or a square grid)."""

    kind: str
    frame: pd.DataFrame
    total: int
    level: str = ""


def in_view(bbox: tuple[float, float, float, float], zoom: int, *,
            filters: dict | None = None, search: str | None = None, limit: int = 5000,
            engine: Engine | None = None) -> ViewResult:
    """The accounts the signed-in user may see in ``bbox`` (west, south, east, north,
    EPSG:4326) at map ``zoom``.

    filters: ``{"status"|"segment"|"owner"|"region": value}``; an owner is a rep's name or
    id, a region a code (``"county:42003"`` names its level). Each value is checked against
    what exists; an unknown one is refused with the allowed values.
    search: a name (any part, any case; personal-data roles), an external id or an id;
    finds accounts anywhere, the first ``limit`` by id.

    >>> in_view((-80.5, 39.7, -74.7, 42.3), 7)  # doctest: +SKIP
    ViewResult(kind='clusters', ...)
    """
    if len(bbox) != 4 or not all(math.isfinite(float(v)) for v in bbox):
        raise InvalidInput(f"A view is four numbers: west, south, east, north; got {bbox}.")
    west, south, east, north = (float(v) for v in bbox)
    if not (west < east and south < north):
        raise InvalidInput(f"A view needs west < east and south < north; got {bbox}.")
    if limit < 1:
        raise InvalidInput("limit must be 1 or more.")
    box = {"west": max(west, -180.0), "south": max(south, -90.0), "east": min(east, 180.0),
           "north": min(north, 90.0)}
    with (engine or get_engine()).connect() as conn:
        pii = bool(conn.execute(text(sql.SEES_PII)).scalar_one())
        where, params = _filters(conn, filters or {})
        if search and search.strip():
            return _search(conn, pii, search.strip(), where, params, limit)
        if zoom >= ACCOUNT_ZOOM and pii:
            # exact points are counted finer than the cells; shown one by one when few
            squares = _squares(conn, pii, box, where, params, limit)
            if squares.total > limit:
                return squares
            return _accounts(conn, pii, box, where, params, limit, counted=True)
        if zoom >= ACCOUNT_ZOOM:
            found = _accounts(conn, pii, box, where, params, limit)
            if found is not None:
                return found
        grids = list(conn.execute(text(sql.GRID_LEVELS)).scalars())
        if grids:
            return _cells(conn, grids, box, zoom, where, params, limit)
        return _squares(conn, pii, box, where, params, limit)


def known_values(*, engine: Engine | None = None) -> dict[str, list[str]]:
    """What the filters offer the signed-in user: statuses, segments, the owners (reps) of
    accounts they may see, and the regions they may see accounts in (``level:code``; a
    manager's own regions and those inside them) with their names (``region_name``, in
    the same order)."""
    with (engine or get_engine()).connect() as conn:
        regions = conn.execute(text(sql.VISIBLE_REGION_CODES)).all()
        return {"status": list(STATUSES),
                "segment": [str(v) for v in conn.execute(text(sql.SEGMENTS)).scalars()],
                "owner": [str(v) for v in conn.execute(text(sql.VISIBLE_OWNERS)).scalars()],
                "region": [str(r.code) for r in regions],
                "region_name": [str(r.name) for r in regions]}


def extent(*, engine: Engine | None = None) -> tuple[float, float, float, float] | None:
    """Where a map starts (west, south, east, north): a manager's own regions, else the
    outline of the top-level regions; None before any region is loaded."""
    with (engine or get_engine()).connect() as conn:
        row = conn.execute(text(sql.SCOPE_EXTENT)).one()
        if row[0] is None:
            row = conn.execute(text(sql.EXTENT)).one()
    return None if row[0] is None else tuple(float(v) for v in row)


# --- filters -------------------------------------------------------------------------------
def _filters(conn: Connection, filters: dict) -> tuple[str, dict]:
    unknown = sorted(set(filters) - set(sql.FILTERS))
    if unknown:
        raise InvalidInput(f"Cannot filter accounts by {', '.join(unknown)}; choose from "
                           f"{', '.join(sql.FILTERS)}.")
    clauses, params = [], {}
    for name, value in filters.items():
        if value is None or str(value).strip() == "":
            continue
        params[f"f_{name}"] = _checked(conn, name, str(value).strip())
        clauses.append(sql.FILTERS[name])
    return " ".join(clauses), params


def _checked(conn: Connection, name: str, value: str):
    """The bound value of filter ``name`` for ``value``, or InvalidInput listing what exists."""
    if name == "status":
        if value in STATUSES:
            return value
        allowed = list(STATUSES)
    elif name == "segment":
        if conn.execute(text(sql.SEGMENT_EXISTS), {"value": value}).scalar_one():
            return value
        allowed = list(conn.execute(text(sql.SEGMENTS)).scalars())
    elif name == "owner":
        ids = list(conn.execute(text(sql.OWNER_IDS), {"value": value}).scalars())
        if ids:
            return ids
        allowed = list(conn.execute(text(sql.OWNERS)).scalars())
    else:  # region: "code" or "level:code"
        level, _, code = value.rpartition(":")
        row = conn.execute(text(sql.REGION_IDS), {"code": code, "level": level or None}).first()
        if row is not None:
            return row.id
        allowed = list(conn.execute(text(sql.REGION_CODES)).scalars())
    shown = ", ".join(map(str, allowed[:20])) + (f" ... ({len(allowed):,} in all)"
                                                  if len(allowed) > 20 else "")
    raise InvalidInput(f"No {name} {value!r}; choose from {shown or 'none yet'}.")


# --- what the view shows ---------------------------------------------------------------------
def _accounts(conn, pii, box, where, params, limit, counted: bool = False
              ) -> ViewResult | None:
    """The accounts themselves, or None when more than ``limit`` are in view (counted by
    the point's index first, so a full view reads no account row; ``counted``: the
    caller knows they are not)."""
    probe = sql.IN_VIEW_PII if pii else sql.IN_VIEW_MASKED
    bound = {**box, **params}
    if not counted and conn.execute(text(probe.format(where=where)),
                                    {"limit": limit + 1, **bound}).scalar_one() > limit:
        return None
    query = sql.ACCOUNTS_PII if pii else sql.ACCOUNTS_MASKED
    rows = _frame(conn.execute(text(query.format(where=where)), {"limit": limit, **bound}),
                  COLUMNS["accounts"])
    return ViewResult("accounts", rows, len(rows))


def _cells(conn, grids, box, zoom, where, params, limit) -> ViewResult:
    """Counts per H3 cell: the level that suits the zoom (resolution about zoom - 4), or a
    coarser one when that would be more than ``limit`` cells."""
    by_res = sorted(grids, key=_resolution)
    fitting = [g for g in by_res if _resolution(g) <= zoom - 4] or by_res[:1]
    for level in reversed(by_res[:by_res.index(fitting[-1]) + 1]):
        frame = _cell_counts(conn, level, box, where, params)
        if len(frame) <= limit or level == by_res[0]:
            break
    return ViewResult("clusters", _fullest(frame, limit), int(frame["count"].sum()), level)


def _cell_counts(conn, level, box, where, params) -> pd.DataFrame:
    """From the cube when it splits by the filter given (one status or segment, or none) and
    the user sees every account; else counted live."""
    split = [k[2:] for k in params if k in ("f_segment", "f_status")]
    cube = (len(params) == len(split) <= 1
            and conn.execute(text(sql.SEES_ALL)).scalar_one()
            and conn.execute(text(sql.CUBE_READY), {"level": level}).scalar_one())
    if cube:
        dim = split[0] if split else "*"
        member = params[f"f_{dim}"] if split else "*"
        result = conn.execute(text(sql.CELLS_CUBE),
                              {"level": level, "dim": dim, "member": member, **box})
    else:
        result = conn.execute(text(sql.CELLS_LIVE.format(where=where)),
                              {"level": level, **box, **params})
    return _counts(_frame(result, COLUMNS["clusters"]))


def _squares(conn, pii, box, where, params, limit) -> ViewResult:
    """Counts in a square grid of the view (at most 64 x 64): without an H3 grid, or zoomed
    in too far for the cells."""
    size = max(box["east"] - box["west"], box["north"] - box["south"]) / _GRID_CELLS
    query = sql.GRID_PII if pii else sql.GRID_MASKED_NO_GRID
    rows = _frame(conn.execute(text(query.format(where=where)),
                               {"size": size, **box, **params}),
                  ["gx", "gy", "sum_lon", "sum_lat", "count", "customers", "prospects",
                   "churned"])
    frame = _counts(rows.assign(lon=rows["sum_lon"].astype(float) / rows["count"],
                                lat=rows["sum_lat"].astype(float) / rows["count"])
                    [COLUMNS["clusters"]])
    return ViewResult("clusters", _fullest(frame, limit), int(frame["count"].sum()))


def _search(conn, pii, term, where, params, limit) -> ViewResult:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    clause = sql.SEARCH_PII if pii else sql.SEARCH_MASKED
    query = sql.FOUND_PII if pii else sql.FOUND_MASKED
    found = {"f_pattern": f"%{escaped}%", "f_term": term,
             "f_id": int(term.lstrip("#")) if re.fullmatch(r"#?\d{1,18}", term) else None}
    if not pii:
        found.pop("f_pattern")
    rows = _frame(conn.execute(text(query.format(where=f"{where} {clause}")),
                               {"limit": limit, **params, **found}), COLUMNS["accounts"])
    return ViewResult("accounts", rows, len(rows))


def _frame(result, columns: list[str]) -> pd.DataFrame:
    """A query's rows as a DataFrame of ``columns``, built from plain tuples (pandas probes
    each SQLAlchemy Row for named-tuple fields, a lookup miss per row and column)."""
    return pd.DataFrame([tuple(row) for row in result.all()],
                        columns=list(result.keys()))[columns]


def _fullest(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """At most ``limit`` cells: the fullest ones (a whole continent at the coarsest level)."""
    if len(frame) > limit:
        frame = frame.nlargest(limit, "count")
    return frame.reset_index(drop=True)


def _counts(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("count", "customers", "prospects", "churned"):
        frame[column] = frame[column].astype("int64")
    for column in ("lon", "lat"):
        frame[column] = frame[column].astype("float64")
    return frame


def _resolution(level: str) -> int:
    match = re.search(r"(\d+)$", level)
    return int(match.group(1)) if match else 0
