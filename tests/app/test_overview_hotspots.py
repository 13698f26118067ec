"""The Overview's "Hot spots" switch on the Delaware demo world (3,000 accounts, 60 ZIP
areas in 3 counties): the page outlines and lists the hot spots gcrm.stats finds, says
whether the measure is clustered at all and what "significant" means, refuses a level
with too few regions saying which would work, and a manager's statistics are of their
own regions only, which the page says."""

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from gcrm import stats
from gcrm.access import users

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PASSWORD = "hot spot password"
NEW_CASTLE = "DE-NEW_CASTLE"  # the county of Wilmington
VIEW = {"measure": "revenue", "period": "2026", "hotspots": "gi",
        "region": f"county:{NEW_CASTLE}"}


@pytest.fixture(scope="module")
def demo(delaware):
    users.add_user("hana", "analyst", password=PASSWORD, engine=delaware)
    users.add_user("cora", "manager", password=PASSWORD, regions=[f"county:{NEW_CASTLE}"],
                   engine=delaware)
    return delaware


@pytest.fixture
def app(demo, use_database):
    return demo


def _overview(username: str, **params) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORD)
    at = at.button[0].click().run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("app_pages/overview.py")
    return at.run()


def _spots(at: AppTest):
    """The page's list of hot and cold spots (a table with a "Found" column)."""
    return next(d.value for d in at.dataframe if "Found" in d.value.columns)


def _texts(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_the_wilmington_hot_spots_are_listed_with_what_significant_means_and_uncorrected(
        app):
    at = _overview("hana", **VIEW)
    assert not at.exception, at.exception
    listed = _spots(at)
    hot_listed = listed[listed["Found"].str.startswith("hot")]
    assert len(hot_listed) >= 1 and hot_listed["Region"].str.contains("Wilmington").all()
    assert set(listed["Found"].str.split(",").str[0]) <= {"hot", "cold"}
    # The same regions as the domain's answer at the same seed, among the ZIPs on the map.
    table, _ = stats.hotspots("revenue", level="zip", period="2026", random_state=0,
                              emerging=1, engine=app)
    found = table[table["class"].isin(["hot", "cold"])
                  & table["code"].isin(list(_new_castle_zips(app)))]
    assert sorted(listed["Region"]) == sorted(found["name"])
    assert listed["p"].map(lambda p: p.startswith("<") or float(p) <= 0.05).all()
    words = _texts(at)
    assert "Revenue is clustered: I = 0." in words
    assert "Tested among all 60 zip regions holding accounts" in words
    assert "p ≤ 0.05 after the false discovery rate correction" in words
    # Without the correction the page says so, and calls at least as many.
    at.checkbox(key="ov_hs_fdr").uncheck().run()
    assert not at.exception, at.exception
    assert len(_spots(at)) >= len(listed)
    assert "p ≤ 0.05 (uncorrected)" in _texts(at)


def test_a_level_with_too_few_regions_is_refused_saying_which_would_work(app):
    at = _overview("hana", measure="revenue", period="2026", hotspots="gi", region="state:DE")
    assert not at.exception, at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "county has 3 regions with accounts: too few for hot spots" in warning
    assert "zip" in warning.split("Levels with enough regions:")[1]
    assert not any("Found" in d.value.columns for d in at.dataframe)


def test_a_managers_hot_spots_are_of_their_own_regions_and_the_page_says_so(app):
    at = _overview("cora", **VIEW)
    assert not at.exception, at.exception
    words = _texts(at)
    assert "only the" in words and "zip regions holding accounts you may see" in words
    listed = _spots(at)
    assert set(listed["Region"]) <= set(_new_castle_zips(app).values())
    # The statistics are of New Castle's ZIP areas alone: compared with each other.
    assert f"only the {len(_new_castle_zips(app))} zip regions" in words


def _new_castle_zips(engine) -> dict[str, str]:
    """New Castle County's ZIP areas holding accounts: code -> name."""
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT z.code, z.name FROM regions z JOIN regions c ON c.id = z.parent_id "
            "WHERE z.level = 'zip' AND c.code = :county AND EXISTS (SELECT 1 FROM "
            "region_assignments a WHERE a.region_id = z.id)"), {"county": NEW_CASTLE}).all())


def test_customers_at_high_risk_are_a_measure_the_overview_maps_by_zip(app):
    """After the operator scores the customers and builds the cube, the Overview offers
    the churn model's high-risk customers and maps them by ZIP area in Dover's county,
    its top regions the cube's."""
    from gcrm import cube
    from gcrm.models import churn_score, churn_train, store

    store.save(churn_train.train(app, horizon_days=90, max_cutoffs=3, threads=1), engine=app)
    period = f"{churn_score.score(app, threads=1).cutoff:%Y-%m}"  # the month of scoring
    cube.build(engine=app)
    at = _overview("hana", measure="customers_at_high_risk", period=period,
                   region="county:DE-KENT")
    assert not at.exception, at.exception
    assert [s.value for s in at.selectbox][:2] == ["customers_at_high_risk", period]
    assert f"Customers at high risk by zip, {period}." in _texts(at)
    top = next(d.value for d in at.dataframe if "Region" in d.value.columns)
    want = cube.query(["customers_at_high_risk"], level="zip", period=period,
                      where={"county": "DE-KENT"}, engine=app)
    want = want.sort_values("customers_at_high_risk", ascending=False, kind="stable")
    assert top.iloc[0, -1] == f"{want['customers_at_high_risk'].iloc[0]:,.0f}"
    assert want["customers_at_high_risk"].iloc[0] > 0
    # One scoring month draws no line: the series says so instead of an empty chart.
    assert (f"Customers at high risk has only one month so far ({period}): the chart starts "
            "with the second.") in " ".join(c.value for c in at.caption)
