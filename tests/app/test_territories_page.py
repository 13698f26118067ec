"""The Territories page on the demo world (Delaware): a planner designs a scenario, sees
its figures and balance, moves an area with the figures following, compares two
scenarios and applies one; an analyst is not offered the page."""

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from gcrm import territories
from gcrm.access import users
from gcrm.demo import build_demo

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PAGE = "app_pages/territories.py"
PASSWORD = "territory password"


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory):
    build_demo(tmp_path_factory.mktemp("demo"), seed=3, accounts=1500, states=("DE",),
               engine=engine)
    for username, role in (("tina", "planner"), ("tess", "analyst")):
        users.add_user(username, role, password=PASSWORD, engine=engine)
    yield engine
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


@pytest.fixture
def app(demo, use_database):
    return demo


def _page(username: str = "tina", **params) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORD)
    at = at.button[0].click().run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def _metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def test_a_planner_designs_a_scenario_and_sees_its_figures(app):
    with app.begin() as conn:
        conn.execute(text("DELETE FROM territory_scenarios"))
    at = _page()
    assert not at.exception
    assert "No territory scenario yet" in at.info[0].value
    at.selectbox[0].select("zip")
    at.number_input[0].set_value(4)
    at.text_input[0].input("spring")
    at.button[0].click().run()  # the form's Design button
    assert not at.exception
    assert at.selectbox(key="terr_scenario").value == "spring"
    figures = _metrics(at)
    assert float(figures["Max imbalance"].rstrip("%")) <= 5.0
    assert figures["Contiguous"] == "yes"
    table = at.dataframe[0].value
    assert list(table["code"]) == ["T01", "T02", "T03", "T04"]
    stored = territories.show("spring", engine=app)
    assert table["accounts"].sum() == stored.table["accounts"].sum()


def test_moving_an_area_updates_the_figures_at_once(app):
    territories.design("move-me", level="zip", n_territories=4, replace=True, engine=app)
    at = _page(scenario="move-me")
    before = at.dataframe[0].value.set_index("code")["accounts"]
    area = at.selectbox(key="terr_move_area").value
    source = territories.plan_areas("move-me", engine=app).set_index("code").loc[
        area, "territory"]
    target = at.selectbox(key="terr_move_to").value
    at.button(key="terr_move").click().run()
    assert not at.exception
    after = at.dataframe[0].value.set_index("code")["accounts"]
    moved = before[source] - after[source]
    assert moved > 0 and after[target] == before[target] + moved
    assert territories.plan_areas("move-me", engine=app).set_index("code").loc[
        area, "territory"] == target


def test_two_scenarios_compare_and_one_is_applied(app):
    territories.design("north", level="zip", n_territories=4, replace=True, engine=app)
    territories.design("south", level="zip", n_territories=4, random_state=9, replace=True,
                       tolerance=0.1, engine=app)
    at = _page(scenario="north")
    at.selectbox(key="terr_compare").select("south").run()
    compared = at.dataframe[-1].value
    assert list(compared.columns) == ["north", "south"]
    at.checkbox(key="terr_apply_sure").check().run()
    at.button(key="terr_apply").click().run()
    assert not at.exception
    assert "Applied north:" in at.success[0].value
    with app.connect() as conn:
        wrong = conn.execute(text("""
            SELECT count(*) FROM territory_scenarios s
            JOIN territory_areas ta ON ta.scenario_id = s.id
            JOIN territories t ON t.id = ta.territory_id
            JOIN region_assignments ra ON ra.region_id = ta.region_id
             AND ra.entity = 'account'
            JOIN accounts a ON a.id = ra.entity_id
            WHERE s.name = 'north' AND a.owner_rep_id IS DISTINCT FROM t.rep_id""")).scalar()
        actor = conn.execute(text("SELECT actor FROM audit_log WHERE action = "
                                  "'territory.apply' ORDER BY id DESC LIMIT 1")).scalar()
    assert wrong == 0 and actor == "tina"


def test_an_analyst_is_not_offered_the_page(app):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _page("tess")
