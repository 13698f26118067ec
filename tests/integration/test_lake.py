"""The lake: the facts written from PostGIS as partitioned Parquet and read back checked."""

from __future__ import annotations

import json
from decimal import Decimal

import geopandas as gpd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from gcrm import lake
from gcrm.errors import InvalidInput
from gcrm.lake import LakeError


def _sums(dataset) -> dict:
    table = dataset.to_table(columns=["account_id", "month", "amount"])
    grouped = table.group_by(["account_id", "month"]).aggregate([("amount", "sum")])
    return {(r["account_id"], r["month"]): r["amount_sum"] for r in grouped.to_pylist()}


def _postgis_sums(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT account_id, to_char(order_date, 'YYYY-MM'), sum(amount) FROM sales "
            "GROUP BY 1, 2")).all()
    return {(a, m): s for a, m, s in rows}


def test_sums_per_account_and_month_equal_postgis_to_the_cent(world, tmp_path):
    with world.begin() as conn:  # a cent that floats would lose
        conn.execute(text("UPDATE sales SET amount = amount + 0.01"))
    result = lake.write(tmp_path, engine=world)
    assert result.months == ["2026-01", "2026-02", "2026-03"]
    assert result.rows == {"sales": 5, "service_cases": 3, "accounts": 4}
    sums = _sums(lake.read(tmp_path, "sales"))
    assert sums == _postgis_sums(world) and Decimal("100.01") in sums.values()
    assert lake.read(tmp_path, "service_cases", months=["2026-03"]).count_rows() == 2
    accounts = gpd.read_parquet(tmp_path / "accounts")  # GeoParquet, by H3 cell
    assert len(accounts) == 4 and accounts.geometry.notna().all()
    assert lake.check(tmp_path).problems == []


def test_no_personal_column_or_value_in_any_file(world, tmp_path):
    lake.write(tmp_path, engine=world)
    with world.connect() as conn:
        personal = {v for row in conn.execute(text(
            "SELECT name, email, phone, street, external_id FROM accounts")) for v in row}
    files = sorted(tmp_path.rglob("*.parquet"))
    assert len(files) >= 7
    for file in files:
        table = pq.read_table(file)
        assert not {"name", "email", "phone", "street", "city", "postcode", "external_id",
                    "notes"} & set(table.column_names), file
        for column in table.columns:
            if pa.types.is_string(column.type):
                assert not personal & set(column.to_pylist()), (file, column)
    # Points as an analyst sees them: on the ~1 km grid (A4 is at 40.4237, -78.6161).
    points = gpd.read_parquet(tmp_path / "accounts").geometry
    assert {round(p.y, 2) for p in points} >= {40.42} and 40.4237 not in {p.y for p in points}


def test_a_month_rewritten_replaces_only_that_month(world, tmp_path):
    lake.write(tmp_path, engine=world)
    before = {f: f.stat().st_mtime_ns for f in (tmp_path / "sales").rglob("*.parquet")}
    with world.begin() as conn:
        conn.execute(text("UPDATE sales SET amount = 999.99 WHERE order_date = '2026-02-10'"))
        conn.execute(text("UPDATE sales SET amount = 1 WHERE order_date = '2026-01-10'"))
    lake.write(tmp_path, first="2026-02", last="2026-02", engine=world)
    sums = _sums(lake.read(tmp_path, "sales"))
    assert sorted(v for (_a, m), v in sums.items() if m == "2026-02") == [Decimal("999.99")]
    assert Decimal("100.00") in sums.values()  # January kept as written first
    after = {f: f.stat().st_mtime_ns for f in (tmp_path / "sales").rglob("*.parquet")}
    changed = {f.parent.name for f in after if after[f] != before.get(f)}
    assert changed == {"month=2026-02"}
    assert json.loads((tmp_path / "_gcrm_lake.json").read_text())["tables"]["sales"][
        "partitions"]["2026-01"]["rows"] == 2
    with pytest.raises(InvalidInput, match="write a month as YYYY-MM"):
        lake.write(tmp_path, first="2026-13", engine=world)
    assert lake.read(tmp_path, "sales").count_rows() == 5  # the lake as it was


def test_a_corrupted_partition_is_refused_naming_the_file_and_column(world, tmp_path):
    lake.write(tmp_path, engine=world)
    march = tmp_path / "sales" / "month=2026-03" / "part-0.parquet"
    table = pq.read_table(march)
    pq.write_table(table.set_column(table.schema.get_field_index("amount"), "amount",
                                    table["amount"].cast(pa.string())), march)
    with pytest.raises(LakeError, match=r"sales/month=2026-03/part-0\.parquet: column "
                                        r"amount is string, expected decimal128\(14,2\)"):
        lake.read(tmp_path, "sales")
    assert lake.read(tmp_path, "sales", months=["2026-01"]).count_rows() == 2
    january = tmp_path / "sales" / "month=2026-01" / "part-0.parquet"
    pq.write_table(pq.read_table(january).drop_columns(["channel"]), january)
    problems = lake.check(tmp_path).problems
    assert "sales/month=2026-01/part-0.parquet: column channel is missing" in problems
    assert any("month=2026-03/part-0.parquet: column amount is string" in p for p in problems)


def test_a_lake_without_manifest_or_from_a_newer_gcrm_is_refused(world, tmp_path):
    lake.write(tmp_path, engine=world)
    manifest = tmp_path / "_gcrm_lake.json"
    newer = json.loads(manifest.read_text()) | {"schema_version": lake.SCHEMA_VERSION + 1}
    manifest.write_text(json.dumps(newer))
    with pytest.raises(LakeError, match="schema version 2, this gcrm reads up to 1"):
        lake.read(tmp_path, "sales")
    manifest.unlink()
    with pytest.raises(LakeError, match="no _gcrm_lake.json"):
        lake.check(tmp_path)
