"""What the cube holds now: its last finished build (when, kind, months, source rows)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from gcrm.cube import sql
from gcrm.db.engine import get_engine


def last_build(*, engine: Engine | None = None) -> dict | None:
    """The last finished build (id, kind, started_at, finished_at, seconds, first_month,
    last_month, source_rows, cells, note), or None when the cube was never built."""
    with (engine or get_engine()).connect() as conn:
        row = conn.execute(text(sql.LAST_BUILD)).mappings().first()
    return None if row is None else dict(row)
