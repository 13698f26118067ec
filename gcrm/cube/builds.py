"""What the cube holds now: its last finished build (when, kind, months, source rows) and
the months it has cells for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

from gcrm.cube import sql
from gcrm.db.engine import get_engine


def last_build(*, engine: Engine | None = None) -> dict | None:
    """The last finished build (id, kind, started_at, finished_at, seconds, first_month,
    last_month, source_rows, cells, note), or None when the cube was never built.

    ``source_rows`` and ``cells`` count the whole company: a manager gets None for them."""
    with (engine or get_engine()).connect() as conn:
        visible = conn.execute(text(sql.TOTALS_VISIBLE)).scalar_one()
        totals = ("source_rows, cells" if visible
                  else "NULL::jsonb AS source_rows, NULL::jsonb AS cells")
        row = conn.execute(text(sql.LAST_BUILD_AS.format(totals=totals))).mappings().first()
    return None if row is None else dict(row)


def months(*, engine: Engine | None = None) -> list[dt.date]:
    """The months the cube has cells for (that the caller may see), oldest first: those
    with a fact or a customer won or lost, not every month between the first and the last
    (a sale dated 0001-01-01 adds one month, not two thousand years of them)."""
    with (engine or get_engine()).connect() as conn:
        found = conn.execute(text(sql.CUBE_MONTHS)).scalars().all()
        if not found:  # no customer ever: the months of the facts themselves
            found = conn.execute(text(sql.FACT_CELL_MONTHS)).scalars().all()
    return list(found)
