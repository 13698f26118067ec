"""The Trade areas page on the demo world (Delaware): a marketer builds ring trade areas
through the form and sees their figures; the target list's live count is the service's
count for the same filter and follows the filters; saving the list as a campaign says how
many members it has, and its response by churn risk band when targeted; the list's churn
risk control says what the operator runs while nobody is scored; the download is the list,
audited; analysts and planners are not offered the page."""

import io
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from demo_snapshot import demo_world
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from gcrm import campaigns, tradeareas
from gcrm.access import users
from gcrm.campaigns import TargetFilter

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PAGE = "app_pages/tradeareas.py"
PASSWORD = "trade area password"


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory):
    demo_world(engine, tmp_path_factory, seed=3, accounts=1500, states=("DE",))
    for username, role in (("mona", "marketer"), ("tess", "analyst"), ("tina", "planner")):
        users.add_user(username, role, password=PASSWORD, engine=engine)
    yield engine
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


@pytest.fixture
def app(demo, use_database):
    return demo


def _page(username: str = "mona", **params) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORD)
    at = at.button[0].click().run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _count(at: AppTest) -> int:
    return int(_metric(at, "People on the list").replace(",", ""))


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_marketer_builds_rings_through_the_form_and_sees_the_figures(app):
    with app.begin() as conn:
        conn.execute(text("DELETE FROM trade_area_builds"))
    at = _page()
    assert not at.exception
    assert "No trade areas yet" in at.info[0].value
    assert at.selectbox(key="ta_method").value == "ring"
    at.text_input[0].input("2, 4")  # radii (km)
    at.text_input[1].input("spring rings")  # the build's name
    at.button[0].click().run()  # the form's Build button
    assert not at.exception, at.exception
    assert at.selectbox(key="ta_build").value == "spring rings"
    assert "Built 'spring rings'" in at.success[0].value
    stored = tradeareas.areas("spring rings", engine=app)
    with app.connect() as conn:
        sites = conn.execute(text("SELECT count(*) FROM sites")).scalar_one()
    figures = _table(at, "revenue_inside")
    assert len(figures) == len(stored) == 2 * sites
    assert set(figures["band"]) == {"2 km", "4 km"}
    assert figures["customers"].sum() == stored["customers"].sum() > 0
    assert list(figures.columns[:3]) == ["site", "site_name", "band"]
    assert {"prospects", "households", "penetration", "share", "captured",
            "overlap_share"} <= set(figures.columns)
    assert at.query_params["build"] == "spring rings"
    with app.connect() as conn:
        actor = conn.execute(text("SELECT actor FROM audit_log WHERE action = "
                                  "'tradearea.build' ORDER BY id DESC LIMIT 1")).scalar()
    assert actor == "mona"


def test_the_live_count_is_the_services_count_and_follows_the_filters(app):
    tradeareas.build("rings", "ring", radii_km=(5,), replace=True, engine=app)
    at = _page(build="rings")
    assert not at.exception, at.exception
    assert at.selectbox(key="ta_build").value == "rings"
    inside = TargetFilter(trade_areas="rings")
    assert _count(at) == campaigns.count(inside, engine=app) > 0
    at.multiselect(key="tl_statuses").unselect("churned").run()
    prospects = campaigns.count(TargetFilter(statuses=("prospect",), trade_areas="rings"),
                                engine=app)
    assert _count(at) == prospects < campaigns.count(inside, engine=app)
    at.checkbox(key="tl_inside").uncheck().run()
    everywhere = campaigns.count(TargetFilter(statuses=("prospect",)), engine=app)
    assert _count(at) == everywhere > prospects
    at.selectbox(key="tl_channel").select("sms").run()
    assert _count(at) == campaigns.count(TargetFilter(channel="sms", statuses=("prospect",)),
                                         engine=app)


def test_creating_a_campaign_shows_its_member_count(app):
    tradeareas.build("rings", "ring", radii_km=(5,), replace=True, engine=app)
    with app.begin() as conn:
        conn.execute(text("DELETE FROM campaigns"))
    at = _page(build="rings")
    expected = campaigns.count(TargetFilter(trade_areas="rings"), engine=app)
    at.text_input(key="tl_campaign_name").input("autumn letters")
    at.button(key="tl_create").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == f"Campaign 'autumn letters' created with {expected:,} members."
    listed = _table(at, "response_rate").set_index("name")
    assert listed.loc["autumn letters", "members"] == expected
    assert at.selectbox(key="ta_campaign").value == "autumn letters"
    rates = _table(at, "responded")
    assert rates["members"].sum() == expected  # by county, every member placed
    # by churn risk band at targeting (nobody scored in this world yet), and
    # the list's risk control (off by default) says what the operator runs.
    bands = next(d.value for d in at.dataframe if {"risk_band", "members"} <= set(d.value))
    assert bands.to_dict("records") == [{"risk_band": "not scored", "members": expected,
                                         "responded": 0, "response_rate": 0.0}]
    assert not at.checkbox(key="tl_at_risk").value
    at.checkbox(key="tl_at_risk").check().run()
    assert at.multiselect(key="tl_statuses").value == ["customer"]
    assert "No churn risk scored yet: the operator runs `gcrm model churn score`" in " ".join(
        w.value for w in at.warning)
    with app.connect() as conn:
        actor = conn.execute(text("SELECT actor FROM audit_log WHERE action = "
                                  "'campaign.create' ORDER BY id DESC LIMIT 1")).scalar()
    assert actor == "mona"


def test_a_campaign_name_already_taken_is_refused_with_the_reason(app):
    tradeareas.build("rings", "ring", radii_km=(5,), replace=True, engine=app)
    with app.begin() as conn:
        conn.execute(text("DELETE FROM campaigns"))
    campaigns.create("taken", TargetFilter(), engine=app)
    at = _page(build="rings")
    at.text_input(key="tl_campaign_name").input("taken")
    at.button(key="tl_create").click().run()
    assert not at.exception
    assert "A campaign 'taken' exists" in at.warning[0].value


def test_the_download_is_the_list_and_is_audited(app):
    from dashboards import data

    tradeareas.build("rings", "ring", radii_km=(5,), replace=True, engine=app)
    where = TargetFilter(trade_areas="rings", segments=("consumer",))
    payload = data.target_download("mona", where, "csv", "targets-rings.csv")
    frame = pd.read_csv(io.BytesIO(payload))
    assert len(frame) == campaigns.count(where, engine=app) > 0
    assert set(frame["segment"]) == {"consumer"}
    sheet = pd.read_excel(io.BytesIO(data.target_download("mona", where, "xlsx",
                                                          "targets-rings.xlsx")))
    assert len(sheet) == len(frame)
    with app.connect() as conn:
        actor, target, details = conn.execute(text(
            "SELECT actor, target, details FROM audit_log WHERE action = 'export.targets' "
            "ORDER BY id DESC LIMIT 1")).one()
    assert (actor, target, details["rows"]) == ("mona", "targets-rings.xlsx", len(frame))


@pytest.mark.parametrize("username", ["tess", "tina"])
def test_analysts_and_planners_are_not_offered_the_page(app, username):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _page(username)
