"""The Territories page on the demo world (Delaware): a planner designs a scenario, sees
its figures and balance, moves an area with the figures following, compares two
scenarios and applies one; an analyst is not offered the page."""

from pathlib import Path

import pytest
import streamlit as st
from demo_snapshot import demo_world
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from gcrm import territories
from gcrm.access import users

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PAGE = "app_pages/territories.py"
PASSWORD = "territory password"


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory):
    demo_world(engine, tmp_path_factory, seed=3, accounts=1500, states=("DE",))
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
    target = at.selectbox(key=f"terr_move_to_move-me_{area}_{source}").value
    at.button(key="terr_move").click().run()
    assert not at.exception
    if "terr_move_anyway" in {b.key for b in at.button}:  # a move that splits asks first
        at.button(key="terr_move_anyway").click().run()
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
    at.selectbox(key="terr_compare_north").select("south").run()
    compared = at.dataframe[-1].value
    assert list(compared.columns) == ["north", "south"]
    at.checkbox(key="terr_apply_sure_north").check().run()
    at.button(key="terr_apply_north").click().run()
    assert not at.exception
    assert "Applied north:" in at.success[0].value
    with app.connect() as conn:
        actor = conn.execute(text("SELECT actor FROM audit_log WHERE action = "
                                  "'territory.apply' ORDER BY id DESC LIMIT 1")).scalar()
    assert _owners_differ_from_plan(app, "north") == 0 and actor == "tina"


def _designed_on_the_page(at: AppTest, scenario: str, reps: int) -> AppTest:
    form = at.expander[0]
    form.selectbox[0].select("zip")
    form.number_input[0].set_value(reps)
    form.text_input[0].input(scenario)
    return form.button[0].click().run()


def _owners_differ_from_plan(engine, scenario: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("""
            SELECT count(*) FROM territory_scenarios s
            JOIN territory_areas ta ON ta.scenario_id = s.id
            JOIN territories t ON t.id = ta.territory_id
            JOIN region_assignments ra ON ra.region_id = ta.region_id
             AND ra.entity = 'account'
            JOIN accounts a ON a.id = ra.entity_id
            WHERE s.name = :name AND a.owner_rep_id IS DISTINCT FROM t.rep_id"""),
            {"name": scenario}).scalar()


def test_the_scenario_designed_last_is_the_one_named_shown_and_applied(app):
    with app.begin() as conn:
        conn.execute(text("DELETE FROM territory_scenarios"))
    at = _designed_on_the_page(_page(), "first", 4)
    assert at.selectbox(key="terr_scenario").value == "first"
    at = _designed_on_the_page(at, "second", 3)
    assert not at.exception
    # The box names the scenario the figures show, and stays so through the next clicks.
    assert at.selectbox(key="terr_scenario").value == "second"
    assert list(at.dataframe[0].value["code"]) == ["T01", "T02", "T03"]
    at.selectbox(key="terr_compare_second").select("first").run()
    promised = territories.show("second", engine=app).summary["accounts_moved"]
    assert f"{promised:,} accounts" in at.expander[-1].markdown[0].value
    at.checkbox(key="terr_apply_sure_second").check().run()
    assert at.selectbox(key="terr_scenario").value == "second"
    at.button(key="terr_apply_second").click().run()
    assert not at.exception
    # Apply changed exactly what the page announced, for the scenario on screen.
    assert at.success[0].value == f"Applied second: {promised:,} accounts changed owner."
    assert _owners_differ_from_plan(app, "second") == 0
    assert _owners_differ_from_plan(app, "first") > 0
    assert _metrics(at)["Accounts changing owner"] == "0"
    status = at.info[0].value
    assert "second** was applied" in status and "by tina" in status
    assert "+00:00" not in status


def test_a_move_that_cuts_a_territory_asks_before_it_is_made(app):
    territories.design("split-me", level="zip", n_territories=4, replace=True, engine=app)
    area, far = _far_territory(app, "split-me")
    at = _page(scenario="split-me")
    at.selectbox(key="terr_move_area").select(area).run()
    source = territories.plan_areas("split-me", engine=app).set_index("code").loc[
        area, "territory"]
    at.selectbox(key=f"terr_move_to_split-me_{area}_{source}").select(far).run()
    at.button(key="terr_move").click().run()
    assert not at.exception and not at.success
    assert f"would cut {far} into separate pieces" in at.warning[0].value
    plan = territories.plan_areas("split-me", engine=app).set_index("code")
    assert plan.loc[area, "territory"] == source  # nothing moved yet
    at.button(key="terr_move_anyway").click().run()
    assert f"{far} is now in pieces" in at.success[0].value
    plan = territories.plan_areas("split-me", engine=app).set_index("code")
    assert plan.loc[area, "territory"] == far
    assert _metrics(at)["Contiguous"] == "no"


def _far_territory(engine, scenario: str) -> tuple[str, str]:
    """An area and a territory none of whose areas touches it."""
    with engine.connect() as conn:
        return tuple(conn.execute(text("""
            SELECT r.code, t.code FROM territory_scenarios s
            JOIN territory_areas ta ON ta.scenario_id = s.id
            JOIN regions r ON r.id = ta.region_id
            CROSS JOIN territories t
            WHERE s.name = :name AND t.scenario_id = s.id AND t.id <> ta.territory_id
              AND NOT EXISTS (
                SELECT 1 FROM territory_areas tb JOIN regions rb ON rb.id = tb.region_id
                WHERE tb.territory_id = t.id AND ST_DWithin(rb.geom, r.geom, 0.02))
            ORDER BY r.code, t.code LIMIT 1"""), {"name": scenario}).one())


def test_an_analyst_is_not_offered_the_page(app):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _page("tess")
