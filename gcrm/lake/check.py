"""``gcrm lake check``: a lake's summary, or every problem in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gcrm.lake import layout
from gcrm.lake.read import partition_files


@dataclass
class CheckResult:
    root: Path
    months: tuple[str | None, str | None]
    tables: dict[str, tuple[int, int]] = field(default_factory=dict)  # partitions, rows
    problems: list[str] = field(default_factory=list)
    written_at: str | None = None


def check(root: str | Path) -> CheckResult:
    """Check every partition of every table against the manifest (a lake without a
    manifest, or of a newer schema version, raises LakeError)."""
    root = Path(root)
    manifest = layout.read_manifest(root)
    span = manifest.get("months") or {}
    result = CheckResult(root, (span.get("from"), span.get("to")),
                         written_at=manifest.get("written_at"))
    for table in layout.TABLES:
        try:
            _files, problems = partition_files(root, manifest, table)
        except layout.LakeError as exc:
            result.problems.append(str(exc))
            continue
        result.problems += problems
        parts = manifest["tables"][table]["partitions"]
        result.tables[table] = (len(parts), sum(p["rows"] for p in parts.values()))
    return result
