"""Bad rows in a load (issue 19, items 8-12): each is rejected with a reason a person can act
on, nothing stored changes, the rest loads, and every line of a CSV is accounted for."""

import datetime as dt

import pandas as pd
from sqlalchemy import text
from typer.testing import CliRunner

from gcrm.cli import app
from gcrm.config import get_settings
from gcrm.ingest import readers
from gcrm.ingest.load import load_file


def _scalar(db, sql, **params):
    with db.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _accounts(db, tmp_path, body="id,name,lat,lon\nA1,Zoë Müller,40.4,-79.9\nA2,Bob,40.5,-79.8\n"):
    path = tmp_path / "accounts.csv"
    path.write_text(body, encoding="utf-8")
    result = load_file("accounts", path, source="crm", geocode=False, engine=db)
    assert result.rejects.empty, result.rejects
    return result


def _rows(db, sql) -> list:
    with db.connect() as conn:
        return conn.execute(text(sql)).all()


def _names(db) -> dict[str, str]:
    return dict(_rows(db, "SELECT external_id, name FROM accounts"))


def _reasons(result) -> dict[int, str]:
    return dict(zip(result.rejects["line"], result.rejects["reason"], strict=True))


def _accounted(result) -> None:
    s = result.summary
    assert s.read == s.inserted + s.updated + s.unchanged + s.rejected


# -- 8. dates outside a sane range ---------------------------------------------------------

def test_sales_dated_year_1_or_9999_are_rejected_naming_the_range(db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,order_date,amount\n"
                    "O1,A1,2026-01-05,10\n"
                    "O2,A1,0001-01-01,20\n"
                    "O3,A2,9999-12-31,30\n"
                    "O4,A2,2026-02-01,40\n")
    result = load_file("sales", path, source="crm", engine=db)
    reasons = _reasons(result)
    assert set(reasons) == {3, 4}
    assert reasons[3].startswith("order_date 0001-01-01 is outside 1900-01-01..")
    assert reasons[4].startswith("order_date 9999-12-31 is outside 1900-01-01..")
    assert "GCRM_DATE_MIN" in reasons[3] and "--date-max" in reasons[4]
    assert result.summary.inserted == 2
    assert _scalar(db, "SELECT min(order_date)::text || '/' || max(order_date)::text "
                       "FROM sales") == "2026-01-05/2026-02-01"
    _accounted(result)


def test_the_date_range_is_set_by_environment_or_option(db, tmp_path, monkeypatch,
                                                       use_database):
    _accounts(db, tmp_path)
    path = tmp_path / "old.csv"
    path.write_text("order_id,customer_id,order_date,amount\n"
                    "O1,A1,1950-06-01,10\nO2,A1,2019-12-31,20\nO3,A1,2020-01-01,30\n")
    monkeypatch.setenv("GCRM_DATE_MIN", "2000-01-01")
    monkeypatch.setenv("GCRM_DATE_MAX", "2030-12-31")
    get_settings.cache_clear()
    result = load_file("sales", path, source="crm", engine=db)
    assert _reasons(result) == {2: "order_date 1950-06-01 is outside 2000-01-01..2030-12-31, "
                                   "the dates a load accepts (set GCRM_DATE_MIN/GCRM_DATE_MAX "
                                   "or --date-min/--date-max to change it)"}
    cli = CliRunner().invoke(app, ["load", "sales", str(path), "--source", "crm",
                                   "--date-min", "2020-01-01"])
    assert cli.exit_code == 0, cli.output
    assert "line 3: order_date 2019-12-31 is outside 2020-01-01..2030-12-31" in cli.output
    assert _scalar(db, "SELECT count(*) FROM sales") == 2  # O1 (1950) never loaded


# -- 9. mixed encodings ----------------------------------------------------------------------

def test_a_line_in_another_encoding_is_rejected_and_stored_names_keep_their_spelling(
        db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"id,name,lat,lon\n"
                     + "A2,José,40.5,-79.8\n".encode()
                     + "A1,Zoë Müller,40.4,-79.9\n".encode("cp1252")
                     + b"A3,Ann,40.6,-79.7\n")
    result = load_file("accounts", path, source="crm", geocode=False, engine=db)
    reasons = _reasons(result)
    assert list(reasons) == [3]
    assert "line 3 is not UTF-8" in reasons[3] and "save the file as UTF-8" in reasons[3]
    assert _names(db) == {"A1": "Zoë Müller", "A2": "José", "A3": "Ann"}
    _accounted(result)


def test_a_file_wholly_in_windows_1252_still_loads(db, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("id,name,lat,lon\nA1,Zoë Müller,40.4,-79.9\nA2,Café “Ö”,40.5,-79.8\n"
                     .encode("cp1252"))
    result = load_file("accounts", path, source="crm", geocode=False, engine=db)
    assert result.rejects.empty
    assert _names(db) == {"A1": "Zoë Müller", "A2": "Café “Ö”"}


# -- 10. an unbalanced quote -----------------------------------------------------------------

def test_an_unbalanced_quote_rejects_its_line_and_the_rest_loads(db, tmp_path):
    lines = ["id,name,lat,lon"] + [f"A{i},Name {i},40.{i % 10},-79.9" for i in range(1, 1001)]
    lines[3] = 'A3,"Bob,40.4,-79.9'
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n")
    result = load_file("accounts", path, source="crm", geocode=False, engine=db)
    reasons = _reasons(result)
    assert list(reasons) == [4]
    assert "quote" in reasons[4] and "not closed" in reasons[4]
    assert result.summary.read == 1000 and result.summary.inserted == 999
    assert _scalar(db, "SELECT count(*) FROM accounts") == 999
    _accounted(result)


def test_a_quote_left_open_on_the_last_line_is_rejected_not_loaded(db, tmp_path):
    path = tmp_path / "last.csv"
    path.write_text('id,name,lat,lon\nA1,Ann,40.4,-79.9\nA2,Bob,40.5,"-79.8\n')
    result = load_file("accounts", path, source="crm", geocode=False, engine=db)
    assert list(_reasons(result)) == [3] and "not closed" in _reasons(result)[3]
    assert result.summary.inserted == 1


def test_a_value_running_over_several_lines_in_quotes_still_loads(db, tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('id,name,street,lat,lon\nA1,Ann,"1 Main St\nFloor 2",40.4,-79.9\n'
                    "A2,Bob,2 Oak St,40.5,-79.8\n")
    result = load_file("accounts", path, source="crm", geocode=False, engine=db)
    assert result.rejects.empty and result.summary.inserted == 2
    assert _scalar(db, "SELECT street FROM accounts WHERE external_id = 'A1'") \
        == "1 Main St\nFloor 2"


# -- 11. NUL, huge fields, numbers too big for their column ----------------------------------

def test_nul_huge_values_and_overflowing_numbers_are_row_rejects(db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "hostile.csv"
    huge = "x" * 300_000
    path.write_text("order_id,customer_id,order_date,amount,qty,category\n"
                    "O1,A1,2026-01-05,10,1,books\n"
                    "O2,A1,2026-01-05,10,1,bo\x00oks\n"
                    f"O3,A1,2026-01-05,10,1,{huge}\n"
                    "O4,A1,2026-01-05,1e308,1,books\n"
                    "O5,A1,2026-01-05,inf,1,books\n"
                    "O6,A1,2026-01-05,10,3e9,books\n"
                    "O7,A1,2026-01-05,NaN,1,books\n"
                    "O8,A2,2026-01-06,20,2,garden\n")
    result = load_file("sales", path, source="crm", engine=db)
    reasons = _reasons(result)
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "NUL" in reasons[3]
    assert "longer than" in reasons[4] and "131,072" in reasons[4]
    assert "amount 1e+308 is outside" in reasons[5]
    assert "amount 'inf' is not a number" in reasons[6]
    assert "quantity 3e+09 is outside 0..2,147,483,647" in reasons[7]
    assert "amount 'NaN' is not a number" in reasons[8]
    assert result.summary.inserted == 2
    assert float(_scalar(db, "SELECT sum(amount) FROM sales")) == 30
    _accounted(result)


def test_a_parquet_file_with_bytes_and_infinities_rejects_those_rows(db, tmp_path):
    _accounts(db, tmp_path)
    frame = pd.DataFrame({
        "order_id": [b"O1", b"O2", b"\xff\xfe", b"O4"],
        "customer_id": ["A1", "A1", "A2", "A2"],
        "order_date": [dt.date(2026, 1, 5)] * 4,
        "amount": [10.0, float("inf"), 5.0, 7.5],
    })
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path)
    result = load_file("sales", path, source="crm", engine=db)
    reasons = _reasons(result)
    assert set(reasons) == {3, 4}
    assert "amount 'inf' is not a number" in reasons[3]
    assert "order_id holds bytes that are not UTF-8 text" in reasons[4]
    assert sorted(r[0] for r in _rows(db, "SELECT external_id FROM sales")) \
        == ["O1", "O4"]
    _accounted(result)


# -- 12. invisible characters in ids ---------------------------------------------------------

def test_a_byte_order_mark_or_zero_width_space_makes_no_second_account(db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "joined.csv"
    path.write_text("id,name,lat,lon\n\ufeffA1,Zoe\u0308 Mu\u0308ller,40.4,-79.9\n"
                    "A\u200b2,Bob\u0007,40.5,-79.8\n A3\u2060 ,Cy,40.6,-79.7\n",
                    encoding="utf-8")
    result = load_file("accounts", path, source="crm", geocode=False, engine=db)
    assert result.rejects.empty
    assert _names(db) == {"A1": "Zoë Müller", "A2": "Bob", "A3": "Cy"}  # NFC, no control chars
    assert result.summary.unchanged == 2 and result.summary.inserted == 1


def test_sales_naming_an_account_with_a_bom_find_it(db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,order_date,amount\nO1,\ufeffA1,2026-01-05,10\n"
                    "\ufeffO2,A2\u200d,2026-01-06,20\n", encoding="utf-8")
    result = load_file("sales", path, source="crm", engine=db)
    assert result.rejects.empty and result.summary.inserted == 2
    assert sorted(r[0] for r in _rows(db, "SELECT external_id FROM sales")) \
        == ["O1", "O2"]


# -- Smaller: ANALYZE after a big change, and a CSV read in chunks ---------------------------

def test_a_load_that_changes_many_rows_analyzes_the_table(db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,order_date,amount\n" + "".join(
        f"O{i},A{1 + i % 2},2026-01-{1 + i % 28:02d},{i}\n" for i in range(1500)))
    count = "SELECT pg_stat_get_analyze_count('sales'::regclass)"
    before = _scalar(db, count)
    result = load_file("sales", path, source="crm", engine=db)
    assert result.summary.inserted == 1500
    assert _scalar(db, count) == before + 1
    result = load_file("sales", path, source="crm", engine=db)  # nothing changed: no ANALYZE
    assert result.summary.unchanged == 1500
    assert _scalar(db, count) == before + 1


def test_a_csv_read_in_chunks_loads_the_same_rows_and_reasons(db, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_ROWS", 3)
    body = ["id,name,lat,lon"] + [f"C{i},N{i},40.{i},-79.9" for i in range(10)]
    body[2] = "C0,Again,40.1,-79.9"     # the id of line 2 again: line 2 is rejected for it
    body[6] = "C5,Five,140.5,-79.9"     # a bad latitude in the second chunk
    body.insert(9, 'C9x,"Open,40.1,-79.9')  # an unbalanced quote across the chunk edge
    path = tmp_path / "chunks.csv"
    path.write_text("\n".join(body) + "\n")
    result = load_file("accounts", path, source="crm", geocode=False, engine=db)
    assert _reasons(result) == {
        2: "external_id 'C0' appears again on line 3; that later row is loaded instead",
        7: "latitude 140.5 is outside -90..90",
        10: _reasons(result)[10],
    }
    assert "quote" in _reasons(result)[10]
    assert result.summary.read == 11 and result.summary.inserted == 8
    assert result.rejects.loc[result.rejects["line"] == 2, "name"].tolist() == ["N0"]
    assert _scalar(db, "SELECT name FROM accounts WHERE external_id = 'C0'") == "Again"
