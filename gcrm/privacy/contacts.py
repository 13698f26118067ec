"""Marketing contact lists: only people who consented to the channel, never erased ones.

Every list and export reads the ``marketing_contacts`` view, which the database builds
from consent (one row per account and agreed channel, erased people left out) and which
only marketers and admins may read. Exports are audited with their row count.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.errors import GcrmError
from gcrm.privacy import sql

CHANNELS = ("email", "phone", "sms", "mail")
FORMATS = ("csv", "xlsx")


def contacts(channel: str, *, statuses: list[str] | None = None,
             segments: list[str] | None = None, regions: list[str] | None = None,
             engine: Engine | None = None) -> pd.DataFrame:
    """People who may be contacted on ``channel``, optionally by status, segment, region."""
    if channel not in CHANNELS:
        raise GcrmError(f"Unknown channel {channel!r}; choose from {', '.join(CHANNELS)}.")
    engine = engine or get_engine()
    with engine.connect() as conn:
        region_ids = None
        if regions:
            found = conn.execute(text(sql.REGION_IDS), {"codes": list(regions)}).all()
            missing = set(regions) - {r.code for r in found}
            if missing:
                raise GcrmError(f"Unknown region code(s): {', '.join(sorted(missing))}.")
            region_ids = [r.id for r in found]
        rows = conn.execute(text(sql.CONTACTS), {
            "channel": channel, "statuses": statuses or None, "segments": segments or None,
            "region_ids": region_ids}).mappings().all()
    return pd.DataFrame(rows, columns=[
        "account_id", "source", "external_id", "channel", "name", "email", "phone", "street",
        "unit", "city", "region", "postcode", "country", "segment", "status"])


def export_contacts(channel: str, out: Path, *, format: str | None = None,
                    actor: str | None = None, engine: Engine | None = None,
                    **filters) -> int:
    """Write the contact list to CSV or XLSX; returns the number of people written."""
    out = Path(out)
    format = format or out.suffix.lstrip(".").lower() or "csv"
    if format not in FORMATS:
        raise GcrmError(f"Unknown format {format!r}; choose from {', '.join(FORMATS)}.")
    engine = engine or get_engine()
    frame = contacts(channel, engine=engine, **filters)
    out.parent.mkdir(parents=True, exist_ok=True)
    if format == "csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_excel(out, index=False, sheet_name="contacts")
    audit.record("export.contacts", out.name,
                 {"channel": channel, "rows": len(frame), "format": format,
                  "filters": {k: v for k, v in filters.items() if v}},
                 actor=actor, engine=engine)
    return len(frame)
