"""A big first load into an empty table builds its indexes and foreign keys afterwards:
same rows, same indexes and constraints, and a failure still leaves nothing behind."""

import pytest
from sqlalchemy import text

from gcrm.ingest import bulk
from gcrm.ingest.load import load_file

SCHEMA = """
SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes
WHERE schemaname = 'public' AND tablename IN ('accounts', 'sales')
UNION ALL
SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid IN ('accounts'::regclass, 'sales'::regclass)
ORDER BY 1
"""
CONTENT = """
SELECT string_agg(concat_ws('|', a.external_id, a.name, ST_AsText(a.geom), s.external_id,
                            s.amount, s.order_date), ';' ORDER BY a.external_id, s.external_id)
FROM accounts a LEFT JOIN sales s ON s.account_id = a.id
"""


def _files(tmp_path, accounts=300, orders=3):
    a = tmp_path / "accounts.csv"
    a.write_text("id,name,lat,lon\n" + "".join(
        f"A{i},Person {i},{40 + i / 1000},{-80 + i / 1000}\n" for i in range(accounts)))
    s = tmp_path / "sales.csv"
    s.write_text("id,account_id,order_date,amount\n" + "".join(
        f"S{i}-{k},A{i},2026-0{k + 1}-15,{i + k}.50\n"
        for i in range(accounts) for k in range(orders)))
    return a, s


def _read(db, sql):
    with db.connect() as conn:
        return conn.execute(text(sql)).scalars().all()


def _load_both(db, tmp_path):
    a, s = _files(tmp_path)
    assert load_file("accounts", a, source="crm", engine=db).summary.inserted == 300
    assert load_file("sales", s, source="crm", engine=db).summary.inserted == 900


def test_bulk_and_row_by_row_loads_give_the_same_rows_indexes_and_keys(db, tmp_path,
                                                                       monkeypatch):
    schema_before = _read(db, SCHEMA)
    _load_both(db, tmp_path)  # 300 and 900 rows: under the threshold, row by row
    row_by_row = _read(db, CONTENT)
    with db.begin() as conn:
        conn.execute(text("TRUNCATE accounts, sales RESTART IDENTITY CASCADE"))
    monkeypatch.setattr(bulk, "BULK_ROWS", 100)
    _load_both(db, tmp_path)
    assert _read(db, CONTENT) == row_by_row
    assert _read(db, SCHEMA) == schema_before
    assert any("USING gist (geom)" in line for line in schema_before)
    assert any("FOREIGN KEY (account_id) REFERENCES accounts(id)" in line
               for line in schema_before)


def test_a_failing_bulk_load_leaves_the_table_as_it_was(db, tmp_path, monkeypatch):
    schema_before = _read(db, SCHEMA)
    a, _ = _files(tmp_path)
    monkeypatch.setattr(bulk, "BULK_ROWS", 100)

    def interrupt(stage, done, total):
        if stage == "upsert" and done == 1:
            raise KeyboardInterrupt  # after the insert, before the commit

    with pytest.raises(KeyboardInterrupt):
        load_file("accounts", a, source="crm", engine=db, progress=interrupt)
    assert _read(db, "SELECT count(*) FROM accounts") == [0]
    assert _read(db, SCHEMA) == schema_before
    assert load_file("accounts", a, source="crm", engine=db).summary.inserted == 300


def test_a_second_load_into_a_table_with_rows_goes_row_by_row(db, tmp_path, monkeypatch):
    a, _ = _files(tmp_path)
    load_file("accounts", a, source="crm", engine=db)
    monkeypatch.setattr(bulk, "BULK_ROWS", 100)
    with db.connect() as conn:
        assert not bulk.worth_it(conn, "accounts", 10_000)
        assert bulk.worth_it(conn, "sales", 10_000)
        assert not bulk.worth_it(conn, "sales", 99)
