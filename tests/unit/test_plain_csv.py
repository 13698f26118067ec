"""The plain-CSV road (gcrm.ingest.plain_csv): a plain file read by Arrow gives exactly
the rows, values and line numbers the careful reader gives; anything not plain goes the
careful way, with its reasons for broken lines."""

import pandas as pd
import pytest

from gcrm.ingest import readers
from gcrm.ingest.plain_csv import is_plain

HEADER = "id,name,email,city\n"


def _careful(path, rows, monkeypatch):
    """What the careful (line by line) reader makes of the file."""
    with monkeypatch.context() as patch:
        patch.setattr(readers, "is_plain", lambda *args: False)
        return list(readers.read_chunks(path, rows=rows))


def _write(tmp_path, body: bytes, name="accounts.csv"):
    path = tmp_path / name
    path.write_bytes(body)
    return path


def test_a_plain_file_gives_the_careful_readers_rows_values_and_line_numbers(tmp_path,
                                                                              monkeypatch):
    lines = [f"A{i}, Zoë {i} ,{'' if i % 3 else f'z{i}@mail.example'},Erie" for i in range(250)]
    lines[17] = ",,,"  # a row of empty fields: skipped by both, its line number too
    lines[40] = " , , , "
    path = _write(tmp_path, (HEADER + "\n".join(lines)).encode())  # no final line end
    assert is_plain(path, ",", 4)
    fast = list(readers.read_chunks(path, rows=60))
    careful = _careful(path, 60, monkeypatch)
    assert [len(t.frame) for t in fast] == [len(t.frame) for t in careful] == [60, 60, 60, 60, 8]
    both = [pd.concat([t.frame for t in tables]) for tables in (fast, careful)]
    pd.testing.assert_frame_equal(*both)
    frame = both[0]
    assert 19 not in frame.index and 42 not in frame.index  # file lines 19 and 42
    assert frame.loc[2, "name"] == " Zoë 0 " and frame.loc[3, "email"] == ""
    assert frame.index[-1] == 251 and all(t.broken == [] for t in fast)


@pytest.mark.parametrize(("body", "why"), [
    (b'A1,"Smith, Ann",a@b.example,Erie\n', "a quoted value"),
    (b"A1,Ann,a@b.example,Erie\r\n", "Windows line ends"),
    (b"A1,Ann,a@b.example,Erie\n\nA2,Bo,b@b.example,Erie\n", "a blank line"),
    (b"A1,Ann,a@b.example\n", "a short row"),
    (b"A1,Ann,a@b.example,Erie,PA\n", "a long row"),
    (b"A1,Ann\xe9,a@b.example,Erie\n", "a byte that is not UTF-8"),
])
def test_anything_not_plain_goes_the_careful_way(tmp_path, body, why):
    path = _write(tmp_path, HEADER.encode() + b"A0,Al,al@b.example,Erie\n" + body)
    assert not is_plain(path, ",", 4), why


def test_a_short_row_in_a_big_plain_file_is_reported_on_its_line(tmp_path):
    rows = [f"A{i},Name {i},n{i}@mail.example,Erie" for i in range(5_000)]
    rows[4_321] = "A4321,Name 4321"
    path = _write(tmp_path, (HEADER + "\n".join(rows) + "\n").encode())
    tables = list(readers.read_chunks(path))
    broken = [b for t in tables for b in t.broken]
    assert broken == [(4_323, "row has 2 fields but the header has 4; check for an unquoted "
                               "delimiter in a value")]
    assert sum(len(t.frame) for t in tables) == 4_999


def test_an_empty_plain_file_still_names_its_columns(tmp_path):
    path = _write(tmp_path, HEADER.encode())
    tables = list(readers.read_chunks(path))
    assert len(tables) == 1 and list(tables[0].frame.columns) == ["id", "name", "email", "city"]
    assert tables[0].frame.empty
