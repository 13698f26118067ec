"""Sales dated far from the rest (0001-01-01, 9999-12-31), stored by the operator directly
with SQL: the cube holds only the months that facts need, so its size follows the facts
(issue 19, item 8: two such sales grew cube_customers from 15,084 rows to 50 million)."""

import pandas as pd
import pytest
from sqlalchemy import text

from gcrm import cube

FAR = (("F1", "0001-01-01", 10.00), ("F2", "9999-12-31", 20.00))


def _customer_rows(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT count(*), count(DISTINCT month) FROM cube_customers")).one())


def _add_far_sales(engine, sales=FAR) -> None:
    with engine.begin() as conn:
        for external_id, day, amount in sales:
            conn.execute(text(
                "INSERT INTO sales (source, external_id, account_id, order_date, amount) "
                "SELECT 'operator', :id, id, CAST(:day AS date), :amount FROM accounts "
                "WHERE external_id = 'A1'"), {"id": external_id, "day": day, "amount": amount})


def _customers(engine, period):
    return cube.query(["customers", "new_customers"], level="county", period=period,
                      engine=engine).set_index("code")[["customers", "new_customers"]]


def test_far_dates_add_two_months_to_the_cube_not_ten_thousand_years(world):
    cube.build(engine=world)
    rows, months = _customer_rows(world)
    before = _customers(world, "2026")
    _add_far_sales(world)
    result = cube.build(engine=world)
    grown, grown_months = _customer_rows(world)
    assert grown_months == months + 2  # the two months that have a sale, nothing between
    assert grown == rows // months * (months + 2)
    assert result.cells["cube_customers"] == grown
    # Every figure stays what it was, and the far sales count in their own months.
    pd.testing.assert_frame_equal(_customers(world, "2026"), before)
    top = cube.query(["revenue"], level="state", by=["month"], engine=world)
    assert top["revenue"].sum() == pytest.approx(1550.0 + 30.0)
    assert {"0001-01", "9999-12"} <= set(top["month"])
    years = cube.query(["revenue"], level="state", by=["year"], engine=world)
    assert set(years["year"]) == {"0001", "2026", "9999"}  # written as periods are asked for
    first = cube.query(["revenue"], level="state", period="0001", engine=world)
    assert first["revenue"].sum() == pytest.approx(10.0)


def test_a_period_without_any_fact_still_counts_the_customers_of_its_time(world):
    _add_far_sales(world)
    cube.build(engine=world)
    end_of_data = _customers(world, "2026-03")
    # Nothing happened in the year 5000: its customers are those carried from March 2026,
    # and nobody was won in it.
    far = _customers(world, "5000")
    assert (far["customers"] == end_of_data["customers"]).all()
    assert (far["new_customers"] == 0).all()
    # By month, only the months that hold something have a row: the year 9999 has one.
    months = cube.query(["customers"], level="county", by=["month"], period="9999",
                        engine=world)
    assert set(months["month"]) == {"9999-12"}
    assert (months.set_index("code")["customers"] == end_of_data["customers"]).all()


def test_an_incremental_build_of_a_far_month_stays_small_and_equals_a_full_one(world):
    cube.build(engine=world)
    rows, months = _customer_rows(world)
    _add_far_sales(world, FAR[1:])
    incremental = cube.build(incremental=True, engine=world)
    assert incremental.kind == "incremental"
    assert _customer_rows(world) == (rows // months * (months + 1), months + 1)

    def tables():
        with world.connect() as conn:
            return {t: pd.DataFrame(conn.execute(text(
                f"SELECT * FROM {t} ORDER BY level, dim, member, region_id, month")).all())
                for t in ("cube_sales", "cube_customers")}

    after_incremental = tables()
    assert cube.build(engine=world).kind == "full"
    for table, frame in tables().items():
        pd.testing.assert_frame_equal(after_incremental[table], frame)
