"""The fast road for a plain CSV: read by Arrow's C++ parser instead of line by line.

Most files a CRM exports are plain: UTF-8, no quote character anywhere, ``\\n`` line
ends, no blank line, and every line with as many delimiters as the header. For such a
file each physical line is one record, so the careful reader of :mod:`gcrm.ingest.readers`
(which accounts for quotes spanning lines, broken rows, mixed encodings, blank lines) and
Arrow give the same fields for the same line numbers; Arrow reads a million rows in under
a second where the careful reader takes about five.

:func:`is_plain` decides, in one pass over the bytes with NumPy (a few hundred ms per
million lines), so that nothing is yielded before the whole file is known to be plain:
any doubt and the careful reader reads it all, with its reasons for each broken line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

SCAN_BLOCK = 1 << 24  # bytes looked at a time by is_plain
READ_BLOCK = 1 << 23  # bytes Arrow parses at a time (about 80,000 lines of 100 bytes)


def is_plain(path: Path, delimiter: str, width: int) -> bool:
    """True when every line after the first (the header) is one record of ``width``
    fields: UTF-8, no quote, no carriage return, no blank line, ``width - 1`` delimiters
    on every line."""
    if width < 2 or len(delimiter) != 1:
        return False  # one column: a blank line would look like a value
    sep = ord(delimiter)
    with path.open("rb") as handle:
        head = handle.readline()
        if not head.endswith(b"\n") or b"\r" in head:
            return False
        rest = b""
        while True:
            block = handle.read(SCAN_BLOCK)
            data = rest + block
            if not block:  # the end: the last line may have no line end
                return not data or _plain_lines(data + b"\n", sep, width)
            if b"\n" not in data:
                rest = data
                continue
            cut = data.rindex(b"\n") + 1
            data, rest = data[:cut], data[cut:]
            if not _plain_lines(data, sep, width):
                return False


def plain_chunks(path: Path, header: list[str], delimiter: str, line_index: str
                 ) -> Iterator[pd.DataFrame]:
    """The rows of a plain file (see :func:`is_plain`) after its header, as frames of
    strings (object dtype, '' for an empty field) indexed by their line number
    (``line_index``), in pieces of about READ_BLOCK bytes. Rows whose every field is
    blank are left out, as the careful reader skips them."""
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(skip_rows=1, column_names=header,
                                        block_size=READ_BLOCK),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char=False,
                                          newlines_in_values=False,
                                          ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False, quoted_strings_can_be_null=False))
    line = 2  # the header is line 1
    for batch in reader:
        numbers = np.arange(line, line + batch.num_rows)
        line += batch.num_rows
        blank = pc.equal(pc.utf8_trim_whitespace(batch.column(0)), "")
        for column in batch.columns[1:]:
            blank = pc.and_(blank, pc.equal(pc.utf8_trim_whitespace(column), ""))
        keep = ~np.asarray(blank)
        frame = pd.DataFrame(
            {name: column.to_numpy(zero_copy_only=False)[keep]
             for name, column in zip(header, batch.columns, strict=True)},
            index=pd.Index(numbers[keep], name=line_index), dtype=object)
        yield frame


def _plain_lines(data: bytes, sep: int, width: int) -> bool:
    """Whole lines (``data`` ends with a line end): no quote or carriage return, valid
    UTF-8, each with ``width - 1`` delimiters and none empty."""
    if b'"' in data or b"\r" in data or not _utf8(data):
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    seps = np.flatnonzero(raw == sep)
    per_line = np.diff(np.searchsorted(seps, ends), prepend=0)
    return bool((per_line == width - 1).all())


def _utf8(data: bytes) -> bool:
    """Valid UTF-8 (blocks are cut at line ends, so no character straddles two)."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
