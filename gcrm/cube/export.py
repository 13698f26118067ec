"""`gcrm cube export`: a slice of the cube as CSV, Parquet, GeoParquet, GeoPackage or XLSX,
always with its metadata: measure definitions, filters, the build it came from and how
many source rows that build read. A sidecar ``<file>.meta.json``; in XLSX a sheet."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from gcrm import audit, tablefile
from gcrm.config import get_settings
from gcrm.cube.builds import last_build
from gcrm.cube.definitions import MEASURES
from gcrm.cube.query import query
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput

FORMATS = {"csv": ".csv", "parquet": ".parquet", "geoparquet": ".parquet", "gpkg": ".gpkg",
           "xlsx": ".xlsx"}
GEO = ("geoparquet", "gpkg")


@dataclass
class ExportResult:
    path: Path
    metadata_path: Path | None  # None: the metadata is a sheet of the workbook
    rows: int
    suppressed: int


def export(path: str | Path, measures: Sequence[str], *, level: str, by: Sequence[str] = (),
           where: dict | None = None, period=None, fmt: str | None = None,
           min_count: int | None = None, fiscal_year_start: int | None = None,
           engine: Engine | None = None) -> ExportResult:
    """Write the cube slice ``query(measures, by=by, level=level, ...)`` to ``path``."""
    path = Path(path)
    fmt = (fmt or _format_of(path)).lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}; choose from {', '.join(FORMATS)}.")
    if min_count is not None and min_count < 1:
        raise InvalidInput("--min-count must be 1 or more.")
    engine = engine or get_engine()
    fiscal_year_start = fiscal_year_start or get_settings().fiscal_year_start
    frame = query(measures, by=by, level=level, where=where, period=period,
                  geometry=fmt in GEO, min_count=min_count,
                  fiscal_year_start=fiscal_year_start, engine=engine)
    metadata = _metadata(engine, frame, measures, level, by, where, period, min_count,
                         fiscal_year_start, fmt)
    sidecar = None
    if fmt == "xlsx":
        path.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(path) as book:
            frame.to_excel(book, sheet_name="cube", index=False)
            _metadata_sheet(metadata).to_excel(book, sheet_name="metadata", index=False)
    else:
        sidecar = tablefile.write(frame, path, fmt, metadata, layer=f"cube_{level}")
    suppressed = int(frame["suppressed"].sum()) if "suppressed" in frame else 0
    audit.record("cube.export", str(path.name), {
        "format": fmt, "level": level, "measures": list(measures), "by": list(by),
        "where": where or {}, "period": period, "min_count": min_count, "rows": len(frame),
        "suppressed": suppressed}, engine=engine)
    return ExportResult(path, sidecar, len(frame), suppressed)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise InvalidInput(f"Cannot tell the format of {path.name}; give --format "
                       f"({', '.join(FORMATS)}).")


def _metadata(engine, frame, measures, level, by, where, period, min_count, fiscal_start,
              fmt) -> dict:
    build = last_build(engine=engine)
    return {
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "format": fmt,
        "rows": len(frame),
        "measures": {m: {"formula": MEASURES[m].formula, "unit": MEASURES[m].unit,
                         "description": MEASURES[m].description} for m in measures},
        "filters": {"level": level, "by": list(by), "where": where or {}, "period": period,
                    "fiscal_year_start": fiscal_start, "min_count": min_count},
        "suppression": (None if min_count is None else
                        f"rows built from fewer than {min_count} people have their measures "
                        "blanked and suppressed = true"),
        "build": None if build is None else {
            "id": build["id"], "kind": build["kind"], "finished_at": build["finished_at"],
            "seconds": build["seconds"], "months": [build["first_month"], build["last_month"]],
            "source_rows": build["source_rows"]},
    }


def _metadata_sheet(metadata: dict) -> pd.DataFrame:
    rows = []
    for key, value in metadata.items():
        if key == "measures":
            for name, definition in value.items():
                rows.append((f"measure {name}", f"{definition['formula']} "
                             f"({definition['unit']}): {definition['description']}"))
        else:
            rows.append((key, json.dumps(value, default=str) if isinstance(value, (dict, list))
                         else value))
    return pd.DataFrame(rows, columns=["item", "value"])
