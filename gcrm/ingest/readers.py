"""Read a customer file of any common format into a frame of text cells with line numbers.

CSV (any delimiter; UTF-8 with or without BOM, or Latin-1/Windows-1252),
GeoJSON, GeoPackage, Shapefile (or a zipped one), and Parquet/GeoParquet.
Point geometries become ``lon``/``lat`` columns in EPSG:4326. Every cell is
text ('' when empty) so that validation can quote exactly what the file said.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from gcrm.errors import GcrmError
from gcrm.ingest.plain_csv import is_plain, plain_chunks

CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".psv"}
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
SUPPORTED = sorted(CSV_SUFFIXES | VECTOR_SUFFIXES | PARQUET_SUFFIXES)
LINE = "_line"
CHUNK_ROWS = 50_000  # rows of a CSV read, validated and staged at a time
BLOCK = 1 << 20  # bytes read at a time
# Characters that show nothing: control characters, and format characters (byte order
# mark, zero-width space/joiners, direction marks, word joiner, soft hyphen).
INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e"
                       "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")


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


def read_chunks(path: str | Path, *, crs: str | int | None = None,
                rows: int | None = None) -> Iterator[RawTable]:
    """:func:`read_table` a piece at a time: a CSV in frames of ``rows`` rows (default
    :data:`CHUNK_ROWS`) so that memory stays bounded whatever the file's size; other formats
    in one piece. The first piece always comes (it may have no rows): it names the columns."""
    path = Path(path)
    if path.exists() and path.suffix.lower() in CSV_SUFFIXES:
        yield from _csv_chunks(path, rows or CHUNK_ROWS)
    else:
        yield read_table(path, crs=crs)


def _read_csv(path: Path) -> RawTable:
    chunks = list(_csv_chunks(path, CHUNK_ROWS))
    frame = pd.concat([c.frame for c in chunks]) if len(chunks) > 1 else chunks[0].frame
    broken = [b for c in chunks for b in c.broken]
    return RawTable(frame, broken, encoding=chunks[0].encoding,
                    delimiter=chunks[0].delimiter)


# --- CSV, streamed -----------------------------------------------------------------------
# Every physical line is accounted for: a row (loaded or rejected by validation), a broken
# row with its reason, a blank line, or the whole file refused with a reason.

def _csv_chunks(path: Path, rows: int) -> Iterator[RawTable]:
    encoding = _file_encoding(path)
    with path.open("rb") as handle:
        lines = _decoded_lines(handle, encoding)
        head = list(itertools.islice(lines, 50))
        if not any(text.strip() for _, text, _ in head):
            head += list(itertools.islice(lines, 10_000))  # leading blank lines
        if not any(text.strip() for _, text, _ in head):
            raise FileFormatError(f"{path.name} is empty.")
        delimiter = _sniff_delimiter("".join(text for _, text, _ in head))
        records = _records(itertools.chain(head, lines), delimiter)
        line, header, problem = next(records, (1, None, "it holds only delimiters"))
        if problem is not None or header is None:
            raise FileFormatError(f"{path.name}: the header (line {line}) cannot be read: "
                                  f"{problem}.")
        header = [_clean_name(name) for name in header]
        _check_header(header, path)
        if line == 1 and encoding == "utf-8" and is_plain(path, delimiter, len(header)):
            yield from _plain_tables(path, header, delimiter, rows)
            return
        data, numbers, broken, sent = [], [], [], False
        for line, row, problem in records:
            if problem is None and len(row) != len(header):
                problem = (f"row has {len(row)} fields but the header has {len(header)}; "
                           "check for an unquoted delimiter in a value")
            if problem is not None:
                broken.append((line, problem))
            else:
                data.append(row)
                numbers.append(line)
            if len(data) >= rows:
                yield _csv_table(data, numbers, broken, header, encoding, delimiter)
                data, numbers, broken, sent = [], [], [], True
        if data or broken or not sent:
            yield _csv_table(data, numbers, broken, header, encoding, delimiter)


def _plain_tables(path: Path, header: list[str], delimiter: str, rows: int
                  ) -> Iterator[RawTable]:
    """A plain file (gcrm.ingest.plain_csv) read by Arrow, in tables of ``rows`` rows as
    the careful reader gives them (the last may be shorter; at least one, maybe empty)."""
    pending: list[pd.DataFrame] = []
    held, sent = 0, False
    for frame in plain_chunks(path, header, delimiter, LINE):
        pending.append(frame)
        held += len(frame)
        while held >= rows:
            whole = pd.concat(pending)
            yield RawTable(whole.iloc[:rows], [], encoding="utf-8", delimiter=delimiter)
            pending, held, sent = [whole.iloc[rows:]], held - rows, True
    if held or not sent:
        yield (RawTable(pd.concat(pending), [], encoding="utf-8", delimiter=delimiter)
               if pending else _csv_table([], [], [], header, "utf-8", delimiter))


def _csv_table(data, numbers, broken, header, encoding, delimiter) -> RawTable:
    frame = pd.DataFrame(data, columns=header, index=pd.Index(numbers, name=LINE), dtype=object)
    if not data:
        frame = pd.DataFrame({name: pd.Series(dtype=object) for name in header},
                             index=pd.Index([], name=LINE, dtype="int64"))
    return RawTable(frame, broken, encoding=encoding, delimiter=delimiter)


def _clean_name(name: str) -> str:
    return INVISIBLE.sub("", name).strip()


def _physical_lines(handle: BinaryIO) -> Iterator[bytes]:
    """The file's lines (ends kept: \\n, \\r\\n or \\r), read a block at a time."""
    rest = b""
    while True:
        block = handle.read(BLOCK)
        if not block:
            break
        lines = (rest + block).splitlines(keepends=True)
        # The last line may go on in the next block (a \r may be half of a \r\n).
        rest = lines.pop() if lines and not lines[-1].endswith(b"\n") else b""
        yield from lines
    if rest:
        yield rest


def _file_encoding(path: Path) -> str:
    """'utf-8' unless some line is not UTF-8 and no line has UTF-8 beyond ASCII: then the
    file is in a legacy encoding ('cp1252'; bytes Windows-1252 lacks read as Latin-1).
    A file mixing both is UTF-8 with its other lines rejected (see :func:`_decoded_lines`):
    decoding it whole one way or the other would garble half of it. Read in blocks cut
    at line ends; a block is looked at line by line only when it is not all UTF-8."""
    utf8_beyond_ascii = invalid = False
    with path.open("rb") as handle:
        rest = b""
        while True:
            block = handle.read(BLOCK * 16)
            data = rest + block
            if block:
                cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
                data, rest = data[:cut], data[cut:]
            if data:
                u, i = _scan_block(data)
                utf8_beyond_ascii, invalid = utf8_beyond_ascii or u, invalid or i
            if not block:
                break
    return "cp1252" if invalid and not utf8_beyond_ascii else "utf-8"


def _scan_block(data: bytes) -> tuple[bool, bool]:
    """:func:`_scan` of whole lines, at C speed when they are ASCII or all UTF-8."""
    if data.isascii():
        return False, False
    try:
        data.decode("utf-8")
        return True, False
    except UnicodeDecodeError:
        return _scan(data.splitlines(keepends=True))


def _scan(lines: list[bytes]) -> tuple[bool, bool]:
    """(some line is UTF-8 beyond ASCII, some line is not UTF-8), line by line"""
    beyond = invalid = False
    for raw in lines:
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            beyond = True
        except UnicodeDecodeError:
            invalid = True
    return beyond, invalid


def _decoded_lines(handle: BinaryIO, encoding: str) -> Iterator[tuple[int, str, str | None]]:
    """(line number, text, why the line cannot be trusted or None) for every line."""
    for number, raw in enumerate(_physical_lines(handle), start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        if encoding == "utf-8":
            try:
                yield number, raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                byte = raw[exc.start]
                yield number, raw.decode("utf-8", errors="replace"), (
                    f"line {number} is not UTF-8 (byte 0x{byte:02X} at character "
                    f"{exc.start + 1}) unlike the rest of the file: it was probably written in "
                    "another encoding (such as Windows-1252); save the file as UTF-8 and load "
                    "it again")
        else:
            try:
                yield number, raw.decode("cp1252"), None
            except UnicodeDecodeError:
                yield number, raw.decode("latin-1"), None


class _Feed:
    """Lines for csv.reader that can be given back: a record that turns out broken is
    reported on its first line and the lines after it are read again as records."""

    def __init__(self, lines: Iterator[tuple[int, str, str | None]]):
        self.lines = lines
        self.back: deque[tuple[int, str, str | None]] = deque()
        self.taken: list[tuple[int, str, str | None]] = []
        self.ended = False  # the reader asked for a line past the end of the file

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.back:
            item = self.back.popleft()
        else:
            try:
                item = next(self.lines)
            except StopIteration:
                self.ended = True
                raise
        self.taken.append(item)
        return item[1]

    def give_back(self) -> None:
        self.back.extendleft(reversed(self.taken[1:]))


def _records(lines, delimiter: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first line, fields or None, problem or None) for each record; blank lines skipped.
    The first record is the header, whose width decides when a record spanning several
    lines (a quote not closed) is broken."""
    feed = _Feed(lines)
    width = None
    reader = csv.reader(feed, delimiter=delimiter)
    while True:
        feed.taken, feed.ended = [], False
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if not feed.taken:
                return
            first = feed.taken[0][0]
            if len(feed.taken) > 1:
                problem = _unclosed(first)
            elif "field limit" in str(exc):
                problem = (f"a value on line {first} is longer than {csv.field_size_limit():,} "
                           "characters, the most a value may hold")
            else:
                problem = f"line {first} cannot be read as CSV ({exc})"
            feed.give_back()
            reader = csv.reader(feed, delimiter=delimiter)
            yield first, None, problem
            continue
        taken = feed.taken
        first = taken[0][0]
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if width is None:
            width = len(row)
        elif feed.ended or (len(taken) > 1 and len(row) != width):
            # A record the end of the file closed is inside a quote never closed.
            feed.give_back()
            reader = csv.reader(feed, delimiter=delimiter)
            yield first, None, _unclosed(first)
            continue
        problem = next((why for _, _, why in taken if why), None)
        yield first, (None if problem else row), problem


def _unclosed(line: int) -> str:
    return (f'a quote (") opened on line {line} is not closed where its row should end; '
            'close it, or double a quote ("") inside a quoted value (the lines after it are '
            "read as rows of their own)")


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
    frame, broken = _bytes_as_text(frame)
    missing = frame.isna()
    text = frame.astype(str).mask(missing, "")
    return RawTable(text, broken)


def _bytes_as_text(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Binary cells (a Parquet column of bytes) as the UTF-8 text they hold; a row whose
    bytes are not UTF-8 text is broken (its reason says which column)."""
    problems: dict[int, list[str]] = {}
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        values = frame[column]
        binary = values.map(lambda v: isinstance(v, (bytes, bytearray, memoryview)))
        if not binary.any():
            continue
        decoded = values[binary].map(_utf8_or_none)
        for line in decoded.index[decoded.isna()]:
            problems.setdefault(line, []).append(
                f"{column} holds bytes that are not UTF-8 text")
        frame[column] = values.where(~binary, decoded)
    if not problems:
        return frame, []
    frame = frame.drop(index=list(problems))
    return frame, [(line, "; ".join(why)) for line, why in sorted(problems.items())]


def _utf8_or_none(value) -> str | None:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        return None
