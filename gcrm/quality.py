"""Data quality at a glance: loads, their rejected rows, how accounts were placed, and the
accounts outside every region of a level.

Every function reads on the engine it is given, normally the signed-in user's
(``gcrm.access.user_engine``), so the database decides what comes back: load runs and the
precision mix for every role (a manager counts only the accounts of their regions), the
rejected rows themselves for admins only (they hold the original rows, personal data
included); anyone else gets :class:`~gcrm.errors.PermissionDenied`.
"""

from __future__ import annotations

import io
import json

import pandas as pd
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput, PermissionDenied

# --- SQL: the one place for this feature's queries -----------------------------------------

LOADS = """
SELECT id AS run_id, entity, source, file_name AS file, read, inserted, updated, unchanged,
       rejected, started_at, finished_at
FROM load_runs
ORDER BY started_at DESC, id DESC
LIMIT :limit
"""

REJECTS = """
SELECT r.run_id, r.line, r.reason, r.row
FROM load_rejects r
WHERE (CAST(:run_id AS bigint) IS NULL OR r.run_id = :run_id)
ORDER BY r.run_id DESC, r.line, r.id
LIMIT :limit
"""

# account_profiles: the accounts this user may see (row-level security), with the
# precision column everyone may read; a point with no geometry is "unplaced" whatever
# precision a failed geocode left behind.
GEOCODE_MIX = """
SELECT CASE WHEN p.geom IS NULL THEN 'unplaced'
            ELSE coalesce(p.geocode_precision, 'unknown') END AS precision,
       count(*) AS accounts
FROM account_profiles p
GROUP BY 1
"""

# The accounts ``gcrm.regions.unassigned`` lists, counted per level (every level, 0 too).
UNASSIGNED_BY_LEVEL = """
SELECT l.name AS level, count(p.id) AS unassigned
FROM region_levels l
LEFT JOIN region_assignments ra
       ON ra.level = l.name AND ra.entity = 'account' AND ra.region_id IS NULL
LEFT JOIN account_profiles p ON p.id = ra.entity_id
GROUP BY l.name, l.kind, l.depth
ORDER BY l.kind, l.depth, l.name
"""

# Best placement first; anything else the data holds comes after, in name order.
PRECISIONS = ("rooftop", "provided", "interpolated", "postcode", "city", "none", "unknown",
              "unplaced")
REJECTS_DENIED = ("Rejected rows are the original rows of a file, personal data included: "
                  "they are available to admins only, not to your role. The load table "
                  "shows how many rows each load rejected.")


def loads(*, limit: int = 500, engine: Engine | None = None) -> pd.DataFrame:
    """The load runs, newest first: run_id, entity, source, file, read, inserted, updated,
    unchanged, rejected, started_at, finished_at.

    Examples
    --------
    >>> loads(engine=engine).loc[0, ["file", "inserted", "rejected"]]  # doctest: +SKIP
    """
    _check_limit(limit)
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(LOADS), {"limit": limit}).mappings().all()
    return pd.DataFrame(rows, columns=["run_id", "entity", "source", "file", "read",
                                       "inserted", "updated", "unchanged", "rejected",
                                       "started_at", "finished_at"])


def rejects(run_id: int | None = None, *, limit: int = 10_000,
            engine: Engine | None = None) -> pd.DataFrame:
    """The rows loads refused (of ``run_id``, or of every run): run_id, line, reason and
    ``row``, the original row as a dict of the file's columns.

    Admins only: for any other role the database refuses and this raises
    :class:`~gcrm.errors.PermissionDenied`.
    """
    _check_limit(limit)
    if run_id is not None and (isinstance(run_id, bool) or not isinstance(run_id, int)):
        raise InvalidInput(f"run_id must be a load run's number, not {run_id!r}.")
    try:
        with (engine or get_engine()).connect() as conn:
            rows = conn.execute(text(REJECTS), {"run_id": run_id, "limit": limit}
                                ).mappings().all()
    except DBAPIError as exc:
        if isinstance(exc.orig, InsufficientPrivilege):
            raise PermissionDenied(REJECTS_DENIED) from None
        raise
    return pd.DataFrame(rows, columns=["run_id", "line", "reason", "row"])


def rejects_csv(run_id: int, *, engine: Engine | None = None) -> bytes:
    """One run's rejects as CSV (UTF-8): line, reason, then the file's own columns, ready
    to fix and load again. Admins only, like :func:`rejects`."""
    frame = rejects(run_id, limit=1_000_000, engine=engine)
    originals = pd.DataFrame([_as_dict(row) for row in frame["row"]], index=frame.index)
    table = pd.concat([frame[["line", "reason"]], originals], axis=1)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def geocode_mix(*, engine: Engine | None = None) -> pd.DataFrame:
    """How the accounts this user may see were placed: precision, accounts, share (0..1).

    ``unplaced`` counts accounts with no point at all (the geocoder found nothing).
    The accounts column sums to the number of accounts visible to the user.
    """
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(GEOCODE_MIX)).mappings().all()
    frame = pd.DataFrame(rows, columns=["precision", "accounts"])
    frame["accounts"] = frame["accounts"].astype("int64")
    known = {name: rank for rank, name in enumerate(PRECISIONS)}
    frame = (frame.assign(_rank=frame["precision"].map(known).fillna(len(known)))
             .sort_values(["_rank", "precision"]).drop(columns="_rank")
             .reset_index(drop=True))
    total = frame["accounts"].sum()
    frame["share"] = frame["accounts"] / total if total else 0.0
    return frame


def unassigned_summary(*, engine: Engine | None = None) -> pd.DataFrame:
    """Per region level, the accounts (this user may see) whose point lies in no region
    of that level: level, unassigned. Every loaded level is listed, with 0 when none.

    The rows counted are those :func:`gcrm.regions.unassigned` lists one by one.
    """
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(UNASSIGNED_BY_LEVEL)).mappings().all()
    frame = pd.DataFrame(rows, columns=["level", "unassigned"])
    frame["unassigned"] = frame["unassigned"].astype("int64")
    return frame


# --- helpers ----------------------------------------------------------------------------------

def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(f"limit must be a positive whole number, not {limit!r}.")


def _as_dict(row) -> dict:
    if isinstance(row, dict):
        return row
    return json.loads(row) if row else {}


__all__ = ["geocode_mix", "loads", "rejects", "rejects_csv", "unassigned_summary"]
