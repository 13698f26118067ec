"""Read a customer file of any common format into a frame of text cells with line numbers.

CSV (any delimiter; UTF-8 with or without BOM, or Latin-1/Windows-1252),
GeoJSON, GeoPackage, Shapefile (or a zipped one), and Parquet/GeoParquet.
Point geometries become ``lon``/``lat`` columns in EPSG:4326. Every cell is
text ('' when empty) so that validation can quote exactly what the file said.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from gcrm.errors import GcrmError

CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".psv"}
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
SUPPORTED = sorted(CSV_SUFFIXES | VECTOR_SUFFIXES | PARQUET_SUFFIXES)
LINE = "_line"


class FileFormatError(GcrmError):
    """The file cannot be read at all (as opposed to a bad row)."""


@dataclass
class RawTable:
    """A file's rows as text, the line each came from, and rows too broken to read."""

    frame: pd.DataFrame  # text columns; index is the file line number (header is line 1)
    broken: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    encoding: str | None = None
    delimiter: str | None = None
    crs: str | None = None


def read_table(path: str | Path, *, crs: str | int | None = None) -> RawTable:
    """Read ``path`` into a :class:`RawTable`.

    ``crs`` says what CRS coordinates are in when the file does not (or overrides
    it); spatial files are reprojected to EPSG:4326.
    """
    path = Path(path)
    if not path.exists():
        raise FileFormatError(f"{path} does not exist.")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path)
    if suffix in VECTOR_SUFFIXES:
        return _from_geoframe(_read_vector(path), crs)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, crs)
    raise FileFormatError(
        f"{path.name}: unknown file type '{suffix}'. Supported: {', '.join(SUPPORTED)}."
    )


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any byte string")  # pragma: no cover


def _read_csv(path: Path) -> RawTable:
    text, encoding = decode(path.read_bytes())
    if not text.strip():
        raise FileFormatError(f"{path.name} is empty.")
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    header = [name.strip() for name in header]
    _check_header(header, path)
    rows, lines, broken = [], [], []
    line_no = reader.line_num
    for row in reader:
        line = line_no + 1
        line_no = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            broken.append(
                (line, f"row has {len(row)} fields but the header has {len(header)}; "
                       "check for an unquoted delimiter in a value")
            )
            continue
        rows.append(row)
        lines.append(line)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(lines, name=LINE), dtype=object)
    return RawTable(frame, broken, encoding=encoding, delimiter=delimiter)


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:65536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0]
        return max(",;\t|", key=first.count)


def _check_header(header: list[str], path: Path) -> None:
    if not any(header):
        raise FileFormatError(f"{path.name} has no header row.")
    seen = set()
    for name in header:
        if name in seen:
            raise FileFormatError(f"{path.name}: the column '{name}' appears twice in the header.")
        seen.add(name)


def _read_vector(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types; all mean "cannot read"
        raise FileFormatError(f"{path.name} cannot be read as a spatial file: {exc}") from None


def _read_parquet(path: Path, crs) -> RawTable:
    try:
        return _from_geoframe(gpd.read_parquet(path), crs)
    except (ValueError, KeyError):
        pass  # plain Parquet without geo metadata
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise FileFormatError(f"{path.name} cannot be read as Parquet: {exc}") from None
    return _text_table(frame)


def _from_geoframe(gdf: gpd.GeoDataFrame, crs) -> RawTable:
    if crs is not None:
        gdf = gdf.set_crs(CRS.from_user_input(crs), allow_override=True)
    source_crs = gdf.crs.to_string() if gdf.crs is not None else None
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)  # GeoJSON's default; say so via crs=None
    gdf = gdf.to_crs(4326)
    geometry = gdf.geometry
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    is_point = (geometry.geom_type == "Point") & ~geometry.is_empty
    points = geometry.where(is_point)
    frame["lon"] = points.x
    frame["lat"] = points.y
    other = (~is_point) & geometry.notna() & ~geometry.is_empty
    frame["_geometry_type"] = geometry.geom_type.where(other, "")
    table = _text_table(frame)
    table.crs = source_crs
    return table


def _text_table(frame: pd.DataFrame) -> RawTable:
    frame = frame.reset_index(drop=True)
    frame.index = pd.Index(range(2, len(frame) + 2), name=LINE)
    missing = frame.isna()
    text = frame.astype(str).mask(missing, "")
    return RawTable(text)
