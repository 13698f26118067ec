"""Home is each role's start page, read as the user, on the small CRM world (states North
and South; counties N1, N2 in North and S1 in South); database health is the admin's
System page. And the app fails politely without a database."""

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from gcrm import cube
from gcrm.campaigns import TargetFilter
from gcrm.campaigns import create as create_campaign
from gcrm.db.migrate import head_revision

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PASSWORDS = {"ada": "admin password 1", "ana": "analyst password", "mia": "marketer password",
             "pat": "planner password", "nora": "manager password", "sam": "manager password"}


@pytest.fixture
def built(people, use_database):
    cube.build(engine=people)
    return people


def _home(username: str, **params) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    at = at.run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORDS[username])
    return at.button[0].click().run()


def _metrics(at: AppTest) -> dict:
    return {m.label: (m.value, m.delta) for m in at.metric}


def _table(at: AppTest, n: int = 0):
    return at.dataframe[n].value


def test_a_manager_starts_with_their_region_its_change_and_the_worst_movers(built):
    # North, February 2026 against January: revenue $50 against $300 (A1 $100 + A2 $200).
    at = _home("nora", period="2026-02")
    assert not at.exception
    assert [s.value for s in at.subheader][0] == "North · 2026-02"
    cards = _metrics(at)
    assert cards["Revenue"] == ("$50.00", "-83.3%")  # as the Overview: cents below $1,000
    assert cards["Customers"][0] == "2"  # counts as whole numbers, not 2.0
    movers = _table(at)
    assert "Worst-moving county regions" in [s.value for s in at.subheader]
    assert movers["Region"].tolist()[0] == "North-West"  # $150 -> $50, the only one with both
    assert movers.iloc[0]["Revenue change"] == "-50.0%"
    assert "South" not in set(movers["Region"])  # not her region
    assert "No regions are assigned" not in str([i.value for i in at.info])


def test_a_county_manager_sees_only_their_county(built):
    at = _home("sam", period="2026-03")
    cards = _metrics(at)
    assert [s.value for s in at.subheader][0] == "South · 2026-03"
    assert cards["Revenue"][0] == "$1,200"  # A3 $400 + A4 $800: dollars, no decimals
    assert "Worst-moving" not in " ".join(s.value for s in at.subheader)  # no finer level


def test_a_planner_starts_with_the_scenarios(built):
    with built.begin() as conn:
        conn.execute(text(
            "INSERT INTO territory_scenarios (name, level, created_by, created_at, applied_at, "
            "applied_by) VALUES ('two-states', 'state', 'pat', '2026-11-02 09:30+00', "
            "'2026-11-03 14:00+00', 'pat'), ('draft', 'county', 'pat', "
            "'2026-11-04 08:00+00', NULL, NULL)"))
    at = _home("pat")
    assert not at.exception
    scenarios = _table(at)
    assert scenarios["Scenario"].tolist() == ["draft", "two-states"]  # newest first
    applied = scenarios.set_index("Scenario")["Applied"]
    assert applied["two-states"] == "2026-11-03 14:00 by pat"  # no +00:00
    assert applied["draft"] == "not applied"
    assert _metrics(at)["Applied"][0] == "1"


def test_a_marketer_starts_with_the_campaigns_and_their_response(built):
    create_campaign("lapsed-spring", TargetFilter(channel="email", statuses=("churned",)),
                    created_by="mia", engine=built)
    with built.begin() as conn:
        conn.execute(text("UPDATE campaign_members SET responded_at = now()"))
    at = _home("mia")
    assert not at.exception
    runs = _table(at)
    row = runs.set_index("Campaign").loc["lapsed-spring"]
    assert (row["Members"], row["Responded"], row["Response rate"]) == ("1", "1", "100.0%")
    assert _metrics(at)["Response rate"][0] == "100.0%"


def test_an_analyst_starts_with_their_own_last_exports(built, as_user, tmp_path):
    cube.export(tmp_path / "north.csv", ["revenue"], level="county", engine=as_user("ana"))
    cube.export(tmp_path / "admins.csv", ["revenue"], level="state", engine=as_user("ada"))
    at = _home("ana")
    assert not at.exception
    exports = _table(at)
    assert exports["File"].tolist() == ["north.csv"]  # not the admin's export
    assert exports.iloc[0]["What"] == "Cube slice"
    assert exports.iloc[0]["Rows"] == "3"
    assert "+00:00" not in exports.iloc[0]["When"]


def test_an_analyst_without_exports_is_told_where_to_make_one(built):
    at = _home("ana")
    assert "You have not exported anything yet" in at.info[0].value


def test_an_admin_gets_a_summary_and_the_health_on_the_system_page(built):
    at = _home("ada")
    assert not at.exception
    cards = _metrics(at)
    assert cards["Users"][0] == "6"
    assert cards["Signed in now"][0] == "1"  # this sign-in
    assert "PostGIS" not in cards  # health is not on Home any more
    at.switch_page("app_pages/system.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["PostGIS"].startswith("3.")
    assert metrics["Schema"] == head_revision(built)
    rows = _table(at).set_index("table")["rows"]
    assert rows["accounts"] == 4 and rows["app_users"] == 6
    assert _table(at, 1)["user"].tolist() == ["ada"]


@pytest.mark.parametrize("username", ["ana", "mia", "pat", "nora"])
def test_only_admins_open_the_system_page(built, username):
    at = _home(username)
    with pytest.raises(ValueError, match="Known pages"):
        at.switch_page("app_pages/system.py")  # not in their navigation at all
    direct = AppTest.from_file(str(Path(APP).parent / "app_pages" / "system.py"),
                               default_timeout=30)
    direct.session_state["user"] = at.session_state["user"]
    direct.run()
    assert "not available to the" in direct.error[0].value
    assert len(direct.metric) == 0


def test_home_without_a_database_says_so_instead_of_a_traceback(monkeypatch):
    from gcrm.config import get_settings
    from gcrm.db.engine import reset_engines

    monkeypatch.setenv("GCRM_DATABASE_URL", "postgresql://nobody:x@127.0.0.1:9/none")
    get_settings.cache_clear()
    reset_engines()
    try:
        st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=30).run()
        at.text_input(key="username").input("someone")
        at.text_input(key="password").input("a password")
        at = at.button[0].click().run()
    finally:
        get_settings.cache_clear()
        reset_engines()
    assert not at.exception
    assert "The database is not available" in at.error[0].value
    assert "gcrm db start" in at.error[0].value
