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
    return list(zip(top["Region"], top.iloc[:, -1], strict=True))


def test_the_top_level_ranks_the_states_and_a_link_opens_one(built):
    at = _overview("ada")
    assert not at.exception
    assert _ranking(at) == [("South", "$1,200"), ("North", "$350.00")]  # in full
    assert len(at.metric) == 0  # two states and none chosen: no cards yet
    at = _overview("ada", region="state:N")
    assert _cards(at)["Revenue"] == "$350.00"
    assert _cards(at)["Complaints"] == "1"
    assert _ranking(at) == [("North-East", "$200.00"), ("North-West", "$150.00")]
    assert at.query_params["measure"] in ("revenue", ["revenue"])  # the URL holds the view


def test_another_measure_and_period_from_the_url(built):
    at = _overview("ada", region="state:S", measure="orders", period="2026-03")
    assert _cards(at)["Revenue"] == "$1,200"
    assert _ranking(at) == [("South", "2")]  # S1 alone: the finest level shows itself
    assert [s.value for s in at.selectbox][:2] == ["orders", "2026-03"]


def test_a_manager_starts_in_their_region_and_cannot_read_another(built):
    at = _overview("sam")  # county S1
    assert _cards(at)["Revenue"] == "$1,200"
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


def _crumbs(at: AppTest) -> list:
    return [b for b in at.button if b.key and b.key.startswith("crumb-")]


def test_a_managers_breadcrumb_never_leads_outside_their_regions(built):
    """Sam manages county S1: the way up stops at S1 (above it, state South holds
    accounts Sam may not see), so no crumb opens "Nothing you may see"."""
    at = _overview("sam")
    assert [b.label for b in _crumbs(at)] == ["› South"]  # S1 itself, not the state
    at = _overview("nora")  # state N: her state is the top, in the county map too
    at.query_params["region"] = "county:N1"
    at = at.run()
    assert [b.label for b in _crumbs(at)] == ["› North", "› North-West"]
    at = _crumbs(at)[0].click().run()  # up to North: her cards, never "Nothing ..."
    assert _cards(at)["Revenue"] == "$350.00"
    assert not [i for i in at.info if "Nothing you may see" in i.value]


def test_kpi_cards_read_in_full_with_a_rate_change_in_percentage_points():
    """A rate's change is a difference of rates (2.4% -> 3.1%: +0.7 pp, not +29.2%);
    money in whole dollars, counts without decimals, every label whole at 1280 px."""

    def cards():
        import pandas as pd

        from dashboards import components

        catalogue = pd.DataFrame({"name": ["revenue", "customers", "churn_rate",
                                           "average_satisfaction"],
                                  "unit": ["currency", "customers", "share", "score 1-5"]})
        row = pd.Series({"revenue": 4008743.12, "revenue_previous": 3644312.0,
                         "customers": 13.0, "customers_previous": 13.0,
                         "churn_rate": 0.031, "churn_rate_previous": 0.024,
                         "average_satisfaction": 3.5514, "average_satisfaction_previous": None})
        components.kpi_cards(row, catalogue, tuple(catalogue["name"]))

    at = AppTest.from_function(cards).run()
    assert not at.exception
    shown = {m.label: (m.value, m.delta) for m in at.metric}
    assert shown == {"Revenue": ("$4,008,743", "+10.0%"), "Customers": ("13", "0.0%"),
                     "Churn rate": ("3.1%", "+0.7 pp"),
                     "Average satisfaction": ("3.55", "")}  # nothing to compare
