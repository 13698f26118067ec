"""The Routing page on the small CRM world (tests/crm_world.py) with reps and a support
team: an admin adds a rule through the form and sees it in priority order; a second rule
at the same priority is refused with the reason and nothing is stored; a clock makes the
world's open case overdue; a planner is not offered the page."""

from __future__ import annotations

import pytest
from signed_in import open_page
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from gcrm import routing

PAGE = "app_pages/routing.py"
PASSWORDS = {"ada": "admin password 1", "pat": "planner password"}


@pytest.fixture
def crm(people, use_database):
    with people.begin() as conn:
        conn.execute(text("INSERT INTO reps (external_id, name) VALUES ('S1', 'Sue Support'), "
                          "('S2', 'Stan Support')"))
    routing.set_team("support", ["S1", "S2"], engine=people)
    return people


def _page(username: str) -> AppTest:
    return open_page(PAGE, username, PASSWORDS[username])


def _add(at: AppTest, name: str, priority: int) -> AppTest:
    at.text_input(key="rule_name").input(name)
    at.number_input(key="rule_priority").set_value(priority)
    at.selectbox(key="rule_for").set_value("case")
    at.selectbox(key="rule_case_type").set_value("complaint")
    at.selectbox(key="rule_method").set_value("team")
    at.selectbox(key="rule_team").set_value("support")
    return next(b for b in at.button if b.label == "Add the rule").click().run()


def test_an_admin_adds_a_rule_and_a_clash_of_priorities_is_refused(crm):
    at = _page("ada")
    assert not at.exception
    assert any("No rule yet" in i.value for i in at.info)
    at = _add(at, "complaints to support", 10)
    rules = routing.rules(engine=crm)
    assert list(rules["name"]) == ["complaints to support"]
    assert list(rules["created_by"]) == ["ada"]
    table = next(d.value for d in at.dataframe if "Rule" in d.value.columns)
    assert table.iloc[0]["To"] == "team support" and table.iloc[0]["Pick"] == "round-robin"
    at = _add(at, "another", 10)
    assert [e.value for e in at.error] == [
        "Priority 10 is the rule 'complaints to support''s: choose another."]
    assert list(routing.rules(engine=crm)["name"]) == ["complaints to support"]


def test_a_clock_makes_the_open_case_overdue_on_the_page(crm):
    routing.set_sla("request", first_response_hours=4, resolution_hours=24, engine=crm)
    at = _page("ada")
    assert any(s.value == "Overdue cases (1)" for s in at.subheader)
    late = next(d.value for d in at.dataframe if "Past" in d.value.columns)
    assert list(late["Case"]) == ["C2"] and list(late["Past"]) == ["resolution"]
    assert list(late["Owner"]) == ["queue unassigned"]


def test_a_planner_is_not_offered_the_page(crm):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _page("pat")
