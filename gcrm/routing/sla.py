"""SLA clocks: the open cases past their case type's hours to a first response or to
resolution (``case_slas``), as of a moment (now by default)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, text

from gcrm.db.engine import get_engine
from gcrm.routing import sql

COLUMNS = ["id", "external_id", "case_type", "status", "opened_at", "first_response_at",
           "owner", "queue", "respond_by", "resolve_by", "breached"]


def overdue(*, now: dt.datetime | None = None, engine: Engine | None = None) -> pd.DataFrame:
    """Open cases past a clock: which (``breached``: "first response" or "resolution"),
    their owner or queue, and when each clock ran out. Cases of a type without an SLA
    have no clock and are never overdue."""
    now = now or dt.datetime.now(dt.UTC)
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.OVERDUE), {"now": now}).mappings().all(),
                            columns=COLUMNS)
