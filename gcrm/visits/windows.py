"""When each account may be visited and how long a visit takes (``visit_windows``):
``gcrm visits windows FILE`` reads a CSV of account, opens, closes, minutes. A row that
cannot be used is rejected with its reason; the rows before and after it are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.visits import sql
from gcrm.visits.times import clock_seconds, time_of

COLUMNS = ("account", "opens", "closes", "minutes")


@dataclass
class WindowsLoaded:
    stored: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def load_windows(path: Path, *, engine: Engine | None = None) -> WindowsLoaded:
    """Store the windows of ``path`` (a CSV with the columns ``COLUMNS``; ``account`` an
    external id or source:external_id)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise InvalidInput(f"Cannot read {Path(path).name} as CSV: {error}") from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{Path(path).name} lacks the column(s) {', '.join(missing)}; "
                           f"it needs {', '.join(COLUMNS)}.")
    result = WindowsLoaded()
    engine = engine or get_engine()
    with engine.begin() as conn:
        keys = sorted(set(frame["account"]))
        found: dict[str, list[int]] = {}
        for row in conn.execute(text(sql.ACCOUNTS_BY_KEY), {"keys": keys}).mappings():
            for key in (row["external_id"], f"{row['source']}:{row['external_id']}"):
                found.setdefault(key, []).append(int(row["id"]))
        for line, row in zip(range(2, len(frame) + 2), frame.itertuples(), strict=True):
            try:
                values = _window(row, found)
            except InvalidInput as reason:
                result.rejected.append((line, str(reason)))
                continue
            conn.execute(text(sql.UPSERT_WINDOW), values)
            result.stored += 1
        audit.record("visits.windows", Path(path).name,
                     {"stored": result.stored, "rejected": len(result.rejected)},
                     connection=conn)
    return result


def _window(row, found: dict[str, list[int]]) -> dict:
    ids = found.get(row.account, [])
    if not ids:
        raise InvalidInput(f"no account has the id {row.account!r}")
    if len(set(ids)) > 1:
        raise InvalidInput(f"{len(set(ids))} accounts have the id {row.account!r}: write "
                           "it as source:id")
    opens, closes = clock_seconds(row.opens, "opens"), clock_seconds(row.closes, "closes")
    if closes <= opens:
        raise InvalidInput(f"it closes ({row.closes}) before it opens ({row.opens})")
    try:
        minutes = int(row.minutes)
    except ValueError:
        raise InvalidInput(f"minutes must be a whole number, not {row.minutes!r}") from None
    if minutes <= 0:
        raise InvalidInput(f"a visit must last at least a minute, not {minutes}")
    return {"account_id": ids[0], "opens": time_of(opens), "closes": time_of(closes),
            "minutes": minutes}
