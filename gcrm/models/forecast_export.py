"""A forecast written to a file with its metadata beside it, and recorded in the audit
trail under whoever asked (the CLI's ``--out`` and the Overview's download)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from gcrm import audit, tablefile

FORMATS = {".csv": "csv", ".parquet": "parquet"}


def export(frame: pd.DataFrame, meta: dict, path: Path, *, actor: str | None = None,
           engine: Engine | None = None) -> Path:
    """Write ``frame`` (``gcrm.models.forecast.forecast``'s) to ``path`` (.csv or
    .parquet, refused otherwise) and ``meta`` to ``FILE.<ext>.meta.json``; audit it as
    ``actor`` (default: the operator). Returns the metadata's path."""
    fmt = tablefile.format_of(path, FORMATS)
    sidecar = tablefile.write(frame, path, fmt, meta, layer="forecast")
    audit.record("export.forecast", path.name, {
        "format": fmt, "measure": meta["measure"], "level": meta["level"],
        "months": meta["months"], "where": meta["where"], "rows": len(frame)},
        actor=actor, engine=engine)
    return sidecar
