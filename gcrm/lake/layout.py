"""The lake's layout: its tables, their columns and Arrow types, and the manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa

from gcrm.errors import InvalidInput

SCHEMA_VERSION = 1
MANIFEST = "_gcrm_lake.json"
H3_RESOLUTION = 3  # accounts' partition key: coarse (~12,000 km2), names no one

# Per table: its columns (no partition key) and the partition key. Amounts are
# decimal128(14,2) as in PostGIS, so sums hold to the cent. No personal column: the lake
# leaves the database's access control, so it holds what an analyst may see.
TABLES: dict[str, tuple[dict[str, pa.DataType], str]] = {
    "sales": ({
        "account_id": pa.int64(), "order_date": pa.date32(), "amount": pa.decimal128(14, 2),
        "quantity": pa.int32(), "category": pa.string(), "channel": pa.string(),
    }, "month"),
    "service_cases": ({
        "account_id": pa.int64(), "opened_at": pa.timestamp("us", tz="UTC"),
        "closed_at": pa.timestamp("us", tz="UTC"), "case_type": pa.string(),
        "channel": pa.string(), "status": pa.string(), "satisfaction": pa.int16(),
    }, "month"),
    "accounts": ({
        "id": pa.int64(), "kind": pa.string(), "status": pa.string(), "segment": pa.string(),
        "customer_since": pa.date32(), "churned_at": pa.date32(), "erased": pa.bool_(),
        "geometry": pa.binary(),
    }, "h3"),
}


class LakeError(InvalidInput):
    """A lake that cannot be read: no manifest, a newer schema, a partition that does not
    match the manifest (the message names the file and the column)."""


def schema(table: str) -> pa.Schema:
    return pa.schema(list(TABLES[table][0].items()))


def type_name(type_: pa.DataType) -> str:
    return str(type_).replace(", ", ",")


def read_manifest(root: Path) -> dict:
    path = Path(root) / MANIFEST
    if not Path(root).is_dir():
        raise LakeError(f"{root}: no such folder.")
    if not path.exists():
        raise LakeError(f"{root}: no {MANIFEST}; not a gcrm lake, or its writing did not "
                        "finish. Write it again with `gcrm lake write`.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise LakeError(f"{path}: not readable JSON ({exc}).") from None
    version = manifest.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise LakeError(f"{path}: schema version {version}, this gcrm reads up to "
                        f"{SCHEMA_VERSION}; upgrade gcrm to read this lake.")
    return manifest


def write_manifest(root: Path, manifest: dict) -> None:
    """Written last, atomically: a half-written lake has no manifest."""
    path = Path(root) / MANIFEST
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(tmp, path)


def remove_manifest(root: Path) -> dict | None:
    """Take the manifest away while a write runs (returns what it said, if readable)."""
    path = Path(root) / MANIFEST
    try:
        old = read_manifest(root)
    except LakeError:
        old = None
    path.unlink(missing_ok=True)
    return old
