"""The audit log: sign-ins, exports, erasures, role changes, territory applies.

Append-only in the database (a trigger refuses UPDATE and DELETE), and an application
user's entries always carry their own name, whatever the caller passes as ``actor``.
Details must never hold the personal data an action touched: counts and ids only.
"""

from __future__ import annotations

import getpass
import json

import pandas as pd
from sqlalchemy import Connection, Engine, text

from gcrm.db.engine import get_engine

_RECORD = """
INSERT INTO audit_log (actor, action, target, details)
VALUES (:actor, :action, :target, CAST(:details AS jsonb))
"""
_RECENT = """
SELECT at, actor, action, target, details FROM audit_log
WHERE (CAST(:action AS text) IS NULL OR action = :action)
ORDER BY id DESC LIMIT :limit
"""

# Exports are audited as cube.export, export.<what> (targets, contacts) and report.<what>.
_MINE = """
SELECT at, action, target, details FROM my_audit_log
WHERE (NOT CAST(:exports AS boolean) OR action = 'cube.export' OR action LIKE 'export.%'
       OR action LIKE 'report%')
ORDER BY id DESC LIMIT :limit
"""


def operator_name() -> str:
    """Who runs the command line, for entries the operator makes."""
    try:
        return f"operator:{getpass.getuser()}"
    except (KeyError, OSError):
        return "operator"


def record(action: str, target: str | None = None, details: dict | None = None, *,
           actor: str | None = None, connection: Connection | None = None,
           engine: Engine | None = None) -> None:
    """Append one entry (inside ``connection``'s transaction when given)."""
    params = {"actor": actor or operator_name(), "action": action, "target": target,
              "details": json.dumps(details or {}, default=str)}
    if connection is not None:
        connection.execute(text(_RECORD), params)
        return
    with (engine or get_engine()).begin() as conn:
        conn.execute(text(_RECORD), params)


def recent(action: str | None = None, limit: int = 200, *,
           engine: Engine | None = None) -> pd.DataFrame:
    """The newest entries first (admins and the operator only)."""
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(_RECENT), {"action": action, "limit": limit}).mappings().all()
    return pd.DataFrame(rows, columns=["at", "actor", "action", "target", "details"])


def mine(*, exports: bool = False, limit: int = 20, engine: Engine | None = None
         ) -> pd.DataFrame:
    """The caller's own entries, newest first (any user; ``my_audit_log``, migration 0016):
    with ``exports`` only the files they exported (cube slices, target lists, contacts,
    reports)."""
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(_MINE), {"exports": exports, "limit": limit}).mappings().all()
    return pd.DataFrame(rows, columns=["at", "action", "target", "details"])
