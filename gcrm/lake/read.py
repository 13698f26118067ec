"""Reading the lake back: every partition checked against the manifest before use."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from gcrm.lake import layout
from gcrm.lake.layout import LakeError


def read(root: str | Path, table: str, *, months: Iterable[str] | None = None) -> ds.Dataset:
    """The lake's ``table`` (sales, service_cases, accounts) as a pyarrow dataset, its
    partition key (month or h3) a column; ``months`` (YYYY-MM): only those. Refused with a
    LakeError naming the file and the column if any partition read differs from the
    manifest (a column missing, renamed or of another type, a file missing or unlisted)."""
    root = Path(root)
    paths = checked_files(root, table, months)
    key = pa.schema([(layout.TABLES[table][1], pa.string())])
    return ds.dataset([str(p) for p in paths], format="parquet",
                      schema=pa.unify_schemas([layout.schema(table), key]),
                      partitioning=ds.partitioning(key, flavor="hive"),
                      partition_base_dir=str(root / table))


def checked_files(root: str | Path, table: str,
                  months: Iterable[str] | None = None) -> list[Path]:
    """The paths of ``table``'s Parquet files (of ``months``, YYYY-MM), each checked
    against the manifest as :func:`read` does (a LakeError names every problem)."""
    root = Path(root)
    manifest = layout.read_manifest(root)
    files, problems = partition_files(root, manifest, table, months)
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise LakeError(f"{root}: {shown}{more}. Write these months again with "
                        "`gcrm lake write`, or remove the files.")
    return [root / f for f in files]


def partition_files(root: Path, manifest: dict, table: str,
                    months: Iterable[str] | None = None) -> tuple[list[str], list[str]]:
    """The files of ``table``'s partitions (of ``months``), and every problem found."""
    if table not in layout.TABLES:
        raise LakeError(f"no table {table!r} in a gcrm lake; "
                        f"one of {', '.join(layout.TABLES)}.")
    entry = manifest.get("tables", {}).get(table)
    if entry is None:
        raise LakeError(f"{root}: the manifest lists no table {table}.")
    columns, key = layout.TABLES[table]
    expected = {c: layout.type_name(t) for c, t in columns.items()}
    problems = [f"manifest: {table}.{c} is {entry['columns'].get(c)}, this gcrm reads "
                f"{t}" for c, t in expected.items() if entry["columns"].get(c) != t]
    if months is not None and key != "month":
        raise LakeError(f"{table} are partitioned by {key}, not by month: read them whole.")
    wanted = set(months) if months is not None else None
    files: list[str] = []
    for name, part in sorted(entry["partitions"].items()):
        if wanted is not None and name not in wanted:
            continue
        folder = root / table / f"{key}={name}"
        listed = set(part["files"])
        problems += [f"{f.relative_to(root).as_posix()}: not in the manifest"
                     for f in sorted(folder.glob("*.parquet"))
                     if f.relative_to(root).as_posix() not in listed]
        rows = 0
        for file in part["files"]:
            found, n = _file_problems(root, file, expected)
            problems += found
            rows += n
            files.append(file)
        if not problems and rows != part["rows"]:
            problems.append(f"{table}/{key}={name}: {rows:,} rows, the manifest says "
                            f"{part['rows']:,}")
    return files, problems


def _file_problems(root: Path, file: str, expected: dict[str, str]) -> tuple[list[str], int]:
    path = root / file
    if not path.exists():
        return [f"{file}: missing"], 0
    try:
        metadata = pq.read_metadata(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
        return [f"{file}: not a readable Parquet file ({exc})"], 0
    found = {f.name: layout.type_name(f.type) for f in metadata.schema.to_arrow_schema()}
    problems = []
    for column, type_ in expected.items():
        if column not in found:
            problems.append(f"{file}: column {column} is missing")
        elif found[column] != type_:
            problems.append(f"{file}: column {column} is {found[column]}, expected {type_}")
    problems += [f"{file}: column {c} is not in the manifest" for c in found
                 if c not in expected]
    return problems, metadata.num_rows
