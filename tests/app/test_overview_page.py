"""The Overview page on the small CRM world (states North and South, counties N1, N2, S1):
what each user reads in its cards and rankings, driven by the URL like a shared link."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gcrm import cube

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PASSWORDS = {"ada": "admin password 1", "ana": "analyst password",
             "nora": "manager password", "sam": "manager password"}


@pytest.fixture
def built(people, use_database):
    cube.build(engine=people)
    return people


def _overview(username: str, **params) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORDS[username])
    at = at.button[0].click().run()
    for key, value in {"period": "2026-Q1", **params}.items():
        at.query_params[key] = value
    at.switch_page("app_pages/overview.py")
    return at.run()


def _cards(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def _ranking(at: AppTest) -> list[tuple[str, str]]:
    top = at.dataframe[0].value
    return list(zip(top["name"], top.iloc[:, -1], strict=True))


def test_the_top_level_ranks_the_states_and_a_link_opens_one(built):
    at = _overview("ada")
    assert not at.exception
    assert _ranking(at) == [("South", "$1.2k"), ("North", "$350.00")]
    assert len(at.metric) == 0  # two states and none chosen: no cards yet
    at = _overview("ada", region="state:N")
    assert _cards(at)["Revenue"] == "$350.00"
    assert _cards(at)["Complaints"] == "1"
    assert _ranking(at) == [("North-East", "$200.00"), ("North-West", "$150.00")]
    assert at.query_params["measure"] in ("revenue", ["revenue"])  # the URL holds the view


def test_another_measure_and_period_from_the_url(built):
    at = _overview("ada", region="state:S", measure="orders", period="2026-03")
    assert _cards(at)["Revenue"] == "$1.2k"
    assert _ranking(at) == [("South", "2")]  # S1 alone: the finest level shows itself
    assert [s.value for s in at.selectbox][:2] == ["orders", "2026-03"]


def test_a_manager_starts_in_their_region_and_cannot_read_another(built):
    at = _overview("sam")  # county S1
    assert _cards(at)["Revenue"] == "$1.2k"
    at = _overview("nora")  # state N
    assert _cards(at)["Revenue"] == "$350.00"
    at = _overview("nora", region="state:S")
    assert not at.exception
    assert "Nothing you may see in this region" in at.info[0].value
    assert all("South" not in str(frame.value) for frame in at.dataframe)


def test_before_the_cube_is_built_the_page_says_who_builds_it(people, use_database):
    at = _overview("ana")
    assert not at.exception
    assert "has not been built yet" in at.info[0].value
