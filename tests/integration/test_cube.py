"""The cube against an independent computation: pandas over the raw facts of a generated
world (the demo, two states), at every level, split and period grain."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from gcrm import cube
from gcrm.demo import build_demo
from gcrm.errors import InvalidInput


@pytest.fixture(scope="module")
def world(engine, tmp_path_factory):
    """A demo world of 2,000 accounts in Delaware and Maryland, with its cube built."""
    build_demo(tmp_path_factory.mktemp("demo"), seed=11, accounts=2000, states=("DE", "MD"),
               engine=engine)
    cube.build(engine=engine)
    yield engine
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


@pytest.fixture(scope="module")
def facts(world):
    """The raw facts, read plainly: what the cube must agree with."""
    def read(sql):
        with world.connect() as conn:
            return pd.DataFrame(conn.execute(text(sql)).mappings().all())

    accounts = read("SELECT id AS account_id, coalesce(segment, '(none)') AS segment, status, "
                    "customer_since, churned_at FROM accounts")
    places = read("SELECT ra.entity_id AS account_id, ra.level, r.id AS region_id, r.code, "
                  "r.households, r.population FROM region_assignments ra "
                  "JOIN regions r ON r.id = ra.region_id WHERE ra.entity = 'account'")
    sales = read("SELECT account_id, order_date, amount::float8 AS amount, "
                 "coalesce(product_category, '(none)') AS category, "
                 "coalesce(channel, '(none)') AS channel FROM sales")
    cases = read("SELECT account_id, opened_at AT TIME ZONE 'UTC' AS opened, "
                 "closed_at AT TIME ZONE 'UTC' AS closed, case_type, satisfaction "
                 "FROM service_cases")
    sales["month"] = pd.to_datetime(sales["order_date"]).dt.to_period("M")
    cases["month"] = pd.to_datetime(cases["opened"]).dt.to_period("M")
    return {"accounts": accounts, "places": places, "sales": sales, "cases": cases}


def _at(facts, table, level):
    """``table`` joined to each account's region at ``level`` and its account fields."""
    places = facts["places"][facts["places"]["level"] == level]
    frame = facts[table].merge(places, on="account_id")
    if table != "accounts":
        frame = frame.merge(facts["accounts"], on="account_id")
    return frame


LEVELS = ["state", "county", "zip", "h3_5", "h3_7"]


@pytest.mark.parametrize("level", LEVELS)
def test_revenue_and_orders_by_month_equal_pandas_at_every_level(world, facts, level):
    got = cube.query(["revenue", "orders"], level=level, by=["month"], engine=world)
    sales = _at(facts, "sales", level)
    want = sales.groupby(["code", sales["month"].astype(str)]).agg(
        revenue=("amount", "sum"), orders=("amount", "size")).reset_index()
    merged = got.merge(want, on=["code", "month"], how="outer", suffixes=("", "_want"))
    assert len(merged) == len(want) == len(got)
    assert np.allclose(merged["revenue"], merged["revenue_want"])
    assert (merged["orders"] == merged["orders_want"]).all()


@pytest.mark.parametrize("split", ["segment", "status", "category", "channel"])
def test_every_split_adds_up_like_pandas(world, facts, split):
    got = cube.query(["revenue"], level="county", by=["year", split], engine=world)
    sales = _at(facts, "sales", "county")
    sales["year"] = sales["month"].dt.year.astype(str)
    want = sales.groupby(["code", "year", split])["amount"].sum().rename("want").reset_index()
    merged = got.merge(want, on=["code", "year", split], how="outer")
    assert merged["revenue"].notna().all() and merged["want"].notna().all()
    assert np.allclose(merged["revenue"], merged["want"])


def test_totals_at_the_top_equal_the_sum_of_the_facts(world, facts):
    states = cube.query(["revenue", "orders", "service_cases", "accounts"], level="state",
                        engine=world)
    assert set(states["code"]) == {"DE", "MD"}
    assert states["revenue"].sum() == pytest.approx(facts["sales"]["amount"].sum())
    assert states["orders"].sum() == len(facts["sales"])
    assert states["service_cases"].sum() == len(facts["cases"])
    assert states["accounts"].sum() == len(facts["accounts"])


@pytest.mark.parametrize("level", ["state", "county", "zip"])
def test_ratios_are_computed_from_their_parts_at_each_level(world, facts, level):
    got = cube.query(["average_order_value", "average_satisfaction", "revenue_per_capita"],
                     level=level, by=["quarter"], engine=world).set_index(["code", "quarter"])
    sales = _at(facts, "sales", level)
    sales["quarter"] = (sales["month"].dt.year.astype(str) + "-Q"
                        + sales["month"].dt.quarter.astype(str))
    by = sales.groupby(["code", "quarter"])
    aov = by["amount"].sum() / by["amount"].size()
    per_capita = by["amount"].sum() / by["population"].first()
    assert np.allclose(got.loc[aov.index, "average_order_value"], aov)
    assert np.allclose(got.loc[per_capita.index, "revenue_per_capita"], per_capita)
    cases = _at(facts, "cases", level)
    cases["quarter"] = (cases["month"].dt.year.astype(str) + "-Q"
                        + cases["month"].dt.quarter.astype(str))
    satisfaction = cases.dropna(subset=["satisfaction"]).groupby(["code", "quarter"])[
        "satisfaction"].mean()
    assert np.allclose(got.loc[satisfaction.index, "average_satisfaction"], satisfaction)


def test_customers_churn_and_penetration_per_period(world, facts):
    got = cube.query(["customers", "new_customers", "churned_customers", "churn_rate",
                      "penetration"], level="county", period="2025", engine=world)
    people = _at(facts, "accounts", "county")
    since = pd.to_datetime(people["customer_since"])
    churned = pd.to_datetime(people["churned_at"])
    start, end = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    customer = since.notna() | (people["status"] == "customer")

    def active(day, strictly_before=False):
        joined = since.isna() | ((since < day) if strictly_before else (since <= day))
        return customer & joined & (churned.isna() | (churned > day)
                                    if not strictly_before else churned.isna() |
                                    (churned >= day))

    people["end"] = active(end)
    people["start"] = active(start, strictly_before=True)
    people["won"] = since.between(start, end)
    people["lost"] = churned.between(start, end)
    want = people.groupby("code").agg(end=("end", "sum"), start=("start", "sum"),
                                      won=("won", "sum"), lost=("lost", "sum"),
                                      households=("households", "first"))
    got = got.set_index("code").loc[want.index]
    assert (got["customers"] == want["end"]).all()
    assert (got["new_customers"] == want["won"]).all()
    assert (got["churned_customers"] == want["lost"]).all()
    assert np.allclose(got["churn_rate"], want["lost"] / want["start"], equal_nan=True)
    assert np.allclose(got["penetration"], want["end"] / want["households"])


def test_median_resolution_hours_is_exact(world, facts):
    got = cube.query(["median_resolution_hours"], level="county", period="2025",
                     engine=world).set_index("code")["median_resolution_hours"]
    cases = _at(facts, "cases", "county").dropna(subset=["closed"])
    cases = cases[cases["opened"].dt.year == 2025]
    hours = (cases["closed"] - cases["opened"]).dt.total_seconds() / 3600
    want = hours.groupby(cases["code"]).median()
    assert np.allclose(got.loc[want.index], want)


def test_a_fiscal_year_starting_in_july(world, facts):
    got = cube.query(["revenue"], level="state", by=["year"], where={"state": "DE"},
                     fiscal_year_start=7, engine=world).set_index("year")["revenue"]
    sales = _at(facts, "sales", "state")
    sales = sales[sales["code"] == "DE"]
    day = pd.to_datetime(sales["order_date"])
    fy = "FY" + (day.dt.year + (day.dt.month >= 7)).astype(str)
    want = sales.groupby(fy)["amount"].sum()
    assert np.allclose(got.loc[want.index], want)


def test_compare_with_the_previous_period_and_share_of_the_parent(world):
    now = cube.query(["revenue"], level="county", period="2025-Q3", compare="previous_period",
                     share_of_parent=True, engine=world)
    before = cube.query(["revenue"], level="county", period="2025-Q2", engine=world)
    merged = now.merge(before, on="code", suffixes=("", "_q2"))
    assert np.allclose(merged["revenue_previous"], merged["revenue_q2"])
    assert np.allclose(merged["revenue_change"],
                       (merged["revenue"] - merged["revenue_q2"]) / merged["revenue_q2"])
    states = cube.query(["revenue"], level="state", period="2025-Q3", engine=world)
    shares = now.groupby(now["code"].str[:2])["revenue_share"].sum()
    assert np.allclose(shares, 1.0)  # counties of a state share out all of it
    assert set(states["code"]) == set(shares.index)


def test_min_count_marks_small_cells_instead_of_dropping_them(world):
    plain = cube.query(["revenue"], level="zip", by=["month"], engine=world)
    private = cube.query(["revenue"], level="zip", by=["month"], min_count=3, engine=world)
    assert len(private) == len(plain)
    assert private["suppressed"].any() and not private["suppressed"].all()
    assert private.loc[private["suppressed"], "revenue"].isna().all()
    kept = private[~private["suppressed"]]
    assert np.allclose(kept["revenue"], plain.loc[kept.index, "revenue"])


def test_drill_down_and_roll_up(world):
    counties = cube.drill_down("DE", ["revenue"], level="state", child_level="county",
                               engine=world)
    state = cube.roll_up(counties["code"].iloc[0], ["revenue"], level="county",
                         parent_level="state", engine=world)
    assert state["code"].tolist() == ["DE"]
    assert counties["revenue"].sum() == pytest.approx(state["revenue"].iloc[0])


def test_geometry_comes_with_the_regions_when_asked(world):
    frame = cube.query(["customers"], level="county", geometry=True, engine=world)
    assert frame.geometry.notna().all() and frame.crs.to_epsg() == 4326
    assert frame.geometry.geom_type.isin(["MultiPolygon", "Polygon"]).all()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"measures": ["profit"]}, "Unknown measure profit"),
    ({"measures": ["revenue"], "by": ["segment", "channel"]}, "one of"),
    ({"measures": ["customers"], "by": ["category"]}, "customers cannot be split by category"),
    ({"measures": ["revenue"], "level": "parish"}, "Unknown level 'parish'"),
    ({"measures": ["revenue"], "where": {"state": "XX"}}, "No state with code XX"),
    ({"measures": ["revenue"], "period": "2025-13"}, "not a month"),
    ({"measures": ["revenue"], "compare": "previous_period"}, "needs a period"),
])
def test_bad_requests_say_what_to_do(world, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        cube.query(engine=world, **kwargs)


def _tables(engine):
    with engine.connect() as conn:
        return {t: pd.DataFrame(conn.execute(text(
            f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4" + (", 5" if t != "cube_accounts" else "")
        )).all()) for t in ("cube_sales", "cube_service", "cube_customers", "cube_accounts")}


def test_an_incremental_build_after_a_new_load_equals_a_full_build(world, tmp_path):
    from gcrm.ingest.load import load_file

    with world.connect() as conn:
        ids = conn.execute(text("SELECT external_id FROM accounts ORDER BY id LIMIT 40"))
        ids = [r[0] for r in ids]
        last = conn.execute(text("SELECT max(order_date) FROM sales")).scalar()
    day = dt.date(last.year, last.month, 1)
    path = tmp_path / "new_month.csv"
    path.write_text("id,account_id,order_date,amount,category,channel\n" + "".join(
        f"N{i},{a},{day + dt.timedelta(days=i % 20)},{10 + i}.25,garden,web\n"
        for i, a in enumerate(ids)))
    assert load_file("sales", path, source="demo", engine=world).summary.inserted == 40
    # Cases at the very edges of the month (UTC) belong to it, and only to it.
    end = (day + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    cases = tmp_path / "new_cases.csv"
    cases.write_text("id,account_id,opened_at,case_type,satisfaction\n"
                     f"NC1,{ids[0]},{day}T00:00:00Z,complaint,2\n"
                     f"NC2,{ids[1]},{end}T23:59:59Z,request,5\n"
                     f"NC3,{ids[2]},{end}T23:30:00-05:00,repair,4\n")  # next month in UTC
    assert load_file("cases", cases, source="demo", engine=world).summary.inserted == 3
    incremental = cube.build(incremental=True, engine=world)
    next_month = (day + dt.timedelta(days=32)).replace(day=1)
    assert incremental.kind == "incremental" and incremental.months == [day, next_month]
    after_incremental = _tables(world)
    full = cube.build(engine=world)
    assert full.kind == "full"
    after_full = _tables(world)
    for table in after_full:
        pd.testing.assert_frame_equal(after_incremental[table], after_full[table])
    assert incremental.cells["cube_sales"] < full.cells["cube_sales"] / 5


def test_a_new_month_after_the_last_extends_the_cube_like_a_full_build(world, tmp_path):
    from gcrm.ingest.load import load_file

    with world.connect() as conn:
        ids = conn.execute(text("SELECT external_id FROM accounts ORDER BY id LIMIT 30"))
        ids = [r[0] for r in ids]
        last = conn.execute(text("SELECT max(last_month) FROM cube_builds")).scalar()
    later = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    path = tmp_path / "next_month.csv"
    path.write_text("id,account_id,order_date,amount,category,channel\n" + "".join(
        f"X{i},{a},{later + dt.timedelta(days=i % 25)},{20 + i}.50,home,store\n"
        for i, a in enumerate(ids)))
    load_file("sales", path, source="demo", engine=world)
    incremental = cube.build(incremental=True, engine=world)
    assert incremental.kind == "incremental" and incremental.months == [later]
    after_incremental = _tables(world)
    assert cube.build(engine=world).kind == "full"
    for table, frame in _tables(world).items():
        pd.testing.assert_frame_equal(after_incremental[table], frame)


def test_an_incremental_build_says_why_it_built_everything(world):
    with world.begin() as conn:
        conn.execute(text("UPDATE accounts SET segment = 'premium' WHERE id = "
                          "(SELECT min(id) FROM accounts)"))
    result = cube.build(incremental=True, engine=world)
    assert result.kind == "full" and "accounts changed" in result.note
    nothing = cube.build(incremental=True, engine=world)
    assert nothing.kind == "incremental" and nothing.note == "nothing changed since the last build"
