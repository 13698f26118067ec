"""Churn risk in the cube, on the Delaware demo world (3,000 accounts) scored quickly as
the operator: each scoring month keeps its customers' risk, band and revenue over the year
before; the cube's risk family adds them up per region so that every level's regions add
up to the company and to the scores themselves; re-scoring replaces the month and an
incremental build picks the change up; a manager reads their county's scores and cells
only; and ``gcrm stats hotspots --measure high_risk_share`` finds the trouble area
planted around Dover."""

import datetime as dt

import geopandas as gpd
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from gcrm import cube, stats
from gcrm.access import users
from gcrm.cli import app
from gcrm.demo.world import TROUBLE_REACH, trouble_area
from gcrm.models import churn_score, churn_train, store

KENT = "DE-KENT"  # Dover's county
TOTALS = """
SELECT count(*) AS scored, count(*) FILTER (WHERE band = 'high') AS high,
       coalesce(sum(revenue_365) FILTER (WHERE band = 'high'), 0) AS at_risk
FROM account_risk_months WHERE month = :month
"""
REVENUE_DIFFERS = """
SELECT count(*) FROM account_risk_months m
LEFT JOIN (SELECT account_id, sum(amount) AS revenue FROM sales
           WHERE order_date > CAST(:as_of AS date) - 365 AND order_date <= :as_of
           GROUP BY account_id) s USING (account_id)
WHERE m.month = :month AND m.revenue_365 <> coalesce(s.revenue, 0)
"""
MEASURES = ["scored_customers", "customers_at_high_risk", "revenue_at_risk"]


@pytest.fixture(scope="module")
def scored(delaware):
    """Train (a few cutoffs, one thread), score every customer and build the cube, as the
    operator; the month of scoring."""
    users.add_user("kim", "manager", password="manager password",
                   regions=[f"county:{KENT}"], engine=delaware)
    store.save(churn_train.train(delaware, horizon_days=90, max_cutoffs=3, threads=1),
               engine=delaware)
    scoring = churn_score.score(delaware, threads=1)
    cube.build(engine=delaware)
    return delaware, scoring.cutoff.replace(day=1)


def _totals(engine, month):
    with engine.connect() as conn:
        return conn.execute(text(TOTALS), {"month": month}).one()


def _company(engine, month, level):
    period = month if isinstance(month, tuple) else f"{month:%Y-%m}"
    frame = cube.query(MEASURES, level=level, period=period, engine=engine)
    return (int(frame["scored_customers"].sum()), int(frame["customers_at_high_risk"].sum()),
            round(float(frame["revenue_at_risk"].sum()), 2))


def test_every_levels_regions_add_up_to_the_scores_of_the_month(scored):
    engine, month = scored
    want = _totals(engine, month)
    with engine.connect() as conn:  # the scores are those of account_risk, one per customer
        assert conn.execute(text("SELECT count(*) FROM account_risk")).scalar() == want.scored
    assert want.scored > 1000 and want.high > 20 and want.at_risk > 0
    with engine.connect() as conn:  # each one's revenue: the 365 days up to the day scored
        as_of = churn_train.data_span(conn)[1]
        assert conn.execute(text(REVENUE_DIFFERS), {"month": month, "as_of": as_of}
                            ).scalar() == 0
    expected = (want.scored, want.high, round(float(want.at_risk), 2))
    for level in ("state", "county", "zip", "h3_7"):
        assert _company(engine, month, level) == expected, level
    state = cube.query(["high_risk_share"], level="state", period=f"{month:%Y-%m}",
                       engine=engine)
    assert state["high_risk_share"].iloc[0] == pytest.approx(want.high / want.scored)
    # Split by segment, the members add up to the same.
    by_segment = cube.query(MEASURES, level="county", by=["segment"],
                            period=f"{month:%Y-%m}", engine=engine)
    assert int(by_segment["customers_at_high_risk"].sum()) == want.high
    # Small cells are suppressed by the customers scored in them.
    small = cube.query(MEASURES, level="zip", period=f"{month:%Y-%m}", min_count=20,
                       engine=engine)
    hidden = small["suppressed"].to_numpy()
    zips = cube.query(MEASURES, level="zip", period=f"{month:%Y-%m}", engine=engine)
    assert hidden.any() and (zips.loc[hidden, "scored_customers"] < 20).all()
    assert small.loc[hidden, "customers_at_high_risk"].isna().all()
    # The months before the first scoring hold no risk: blank (emerging hot spots ask).
    before = (month - dt.timedelta(days=1)).replace(day=1)
    none = cube.query(MEASURES, level="county", period=(f"{before:%Y}-01", f"{before:%Y-%m}"),
                      engine=engine)
    assert none.empty


def test_rescoring_replaces_the_month_and_an_incremental_build_picks_it_up(scored):
    engine, month = scored
    before = _totals(engine, month)
    churn_score.score(engine, threads=1)  # the same month again: replaced, not added
    assert _totals(engine, month) == before
    with engine.begin() as conn:
        assert ("risk", month) in set(conn.execute(text(
            "SELECT family, month FROM cube_dirty_months")).all())
        moved = conn.execute(text(
            "UPDATE account_risk_months SET band = 'high' WHERE month = :month AND "
            "band = 'low' AND account_id = (SELECT min(account_id) FROM account_risk_months "
            "WHERE month = :month AND band = 'low' AND revenue_365 > 0) "
            "RETURNING revenue_365"), {"month": month}).scalar_one()
    result = cube.build(incremental=True, engine=engine)
    assert result.kind == "incremental" and result.months == [month]
    assert _company(engine, month, "zip") == (
        before.scored, before.high + 1, round(float(before.at_risk + moved), 2))
    churn_score.score(engine, threads=1)  # the model's own band again
    cube.build(incremental=True, engine=engine)
    assert _company(engine, month, "county") == (before.scored, before.high,
                                                 round(float(before.at_risk), 2))


def test_a_manager_reads_the_scores_and_cells_of_their_county_only(scored):
    engine, month = scored
    kim = users.get_user("kim", engine=engine)
    as_kim = create_engine(engine.url, connect_args={"options": f"-c role={kim.pg_role}"})
    try:
        with as_kim.connect() as conn:
            counties = set(conn.execute(text(
                "SELECT DISTINCT r.code FROM account_risk_months m JOIN region_assignments "
                "ra ON ra.entity = 'account' AND ra.entity_id = m.account_id JOIN regions r "
                "ON r.id = ra.region_id WHERE r.level = 'county'")).scalars())
        assert counties == {KENT}
        mine = cube.query(MEASURES, level="county", period=f"{month:%Y-%m}", engine=as_kim)
    finally:
        as_kim.dispose()
    everyone = cube.query(MEASURES, level="county", period=f"{month:%Y-%m}", engine=engine)
    assert list(mine["code"]) == [KENT]
    kent = everyone.set_index("code").loc[KENT]
    assert mine["customers_at_high_risk"].iloc[0] == kent["customers_at_high_risk"]


def test_high_risk_share_hot_spots_are_the_trouble_area_around_dover(scored, use_database):
    engine, month = scored
    with engine.connect() as conn:  # the ZIP areas the demo drew, as loaded
        zips = gpd.read_postgis("SELECT code, name, population, geom FROM regions "
                                "WHERE level = 'zip' ORDER BY code", conn, geom_col="geom")
    trouble = trouble_area(zips)
    assert trouble.name == "19901 Dover"
    table, meta = stats.hotspots("high_risk_share", level="zip", period=f"{month:%Y-%m}",
                                 permutations=999, random_state=1, engine=engine)
    assert meta["rate"].startswith(
        "tested as a rate: customers_at_high_risk over scored_customers")
    centres = table.geometry.representative_point()
    radii = trouble.km(centres.x, centres.y) / trouble.sigma_km
    hot = (table["class"] == "hot").to_numpy()
    assert hot.sum() >= 3 and (radii[hot] <= TROUBLE_REACH).all()
    assert "19901" in set(table.loc[hot, "code"])
    assert not hot[radii > TROUBLE_REACH].any()
    # The command line says the same.
    result = CliRunner().invoke(app, [
        "stats", "hotspots", "--measure", "high_risk_share", "--level", "zip",
        "--period", f"{month:%Y-%m}", "--seed", "1"])
    assert result.exit_code == 0, result.output
    said = {line.split()[1] for line in result.output.splitlines()
            if line.strip().startswith("hot ")}
    assert said == set(table.loc[hot, "code"])
    dover = table.set_index("code").loc["19901", "value"]
    assert f"19901 Dover: {dover:.1%}" in result.output  # a share, as people read it


def test_scores_written_before_keep_their_month(scored):
    """A later month adds its rows beside the earlier month's (here: last month's scores,
    kept as if scored then), and the cube holds both months apart."""
    engine, month = scored
    earlier = (month - dt.timedelta(days=1)).replace(day=1)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO account_risk_months (account_id, month, model_id, risk, band, "
            "revenue_365) SELECT account_id, :earlier, model_id, risk, 'high', revenue_365 "
            "FROM account_risk_months WHERE month = :month"),
            {"earlier": earlier, "month": month})
    try:
        cube.build(incremental=True, engine=engine)
        now = _totals(engine, month)
        assert _company(engine, month, "county")[:2] == (now.scored, now.high)
        then = _company(engine, earlier, "county")
        assert then[:2] == (now.scored, now.scored)  # every one high in the earlier month
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM account_risk_months WHERE month = :earlier"),
                         {"earlier": earlier})


def test_a_longer_period_shows_its_latest_scoring_month_in_every_region(scored):
    """Two scoring months, Kent county missing from the later one: over both months every
    level's regions add up to the company and to the later month alone, Kent counting 0,
    for Kent's manager as for everyone (the cube's latest month, not the caller's)."""
    engine, month = scored
    later = (month - dt.timedelta(days=1)).replace(day=1)
    earlier = (later - dt.timedelta(days=1)).replace(day=1)
    copy = ("INSERT INTO account_risk_months (account_id, month, model_id, risk, band, "
            "revenue_365) SELECT m.account_id, :into, m.model_id, m.risk, {band}, "
            "m.revenue_365 FROM account_risk_months m WHERE m.month = :month {kent}")
    not_kent = ("AND m.account_id NOT IN (SELECT ra.entity_id FROM region_assignments ra "
                "JOIN regions r ON r.id = ra.region_id WHERE ra.entity = 'account' "
                "AND r.level = 'county' AND r.code = :kent)")
    with engine.begin() as conn:
        conn.execute(text(copy.format(band="'high'", kent="")),
                     {"into": earlier, "month": month})
        conn.execute(text(copy.format(band="m.band", kent=not_kent)),
                     {"into": later, "month": month, "kent": KENT})
    kim = users.get_user("kim", engine=engine)
    as_kim = create_engine(engine.url, connect_args={"options": f"-c role={kim.pg_role}"})
    try:
        cube.build(incremental=True, engine=engine)
        then = _totals(engine, later)
        expected = (then.scored, then.high, round(float(then.at_risk), 2))
        assert then.scored < _totals(engine, earlier).scored  # Kent scored only earlier
        both = (f"{earlier:%Y-%m}", f"{later:%Y-%m}")
        for level in ("state", "county", "zip", "h3_7"):
            assert _company(engine, both, level) == expected, level
        assert _company(engine, later, "county") == expected
        counties = cube.query(MEASURES, level="county", period=both, engine=engine)
        kent = counties.set_index("code").loc[KENT]
        assert (kent["scored_customers"], kent["customers_at_high_risk"]) == (0, 0)
        mine = cube.query(MEASURES, level="county", period=both, engine=as_kim)
        assert mine[MEASURES].iloc[0].tolist() == [0, 0, 0]  # not Kent's earlier month
        by_month = cube.query(["scored_customers"], level="county", by=["month"],
                              period=both, engine=engine)
        assert by_month.groupby("month")["scored_customers"].sum().to_dict() == {
            f"{earlier:%Y-%m}": _totals(engine, earlier).scored,
            f"{later:%Y-%m}": then.scored}
    finally:
        as_kim.dispose()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM account_risk_months WHERE month IN (:a, :b)"),
                         {"a": earlier, "b": later})
        cube.build(incremental=True, engine=engine)
