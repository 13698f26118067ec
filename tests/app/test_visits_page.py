"""The Visits page on the small CRM world (tests/crm_world.py) with a stored plan of one
rep's day: an admin reads the stops with names and times and what was left out; a planner
sees masked names and is told why the route is only the order; a manager sees their
regions' stops only; an analyst is not offered the page; a download is the plan, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from signed_in import open_page
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from gcrm import visits

PAGE = "app_pages/visits.py"
PASSWORDS = {"ada": "admin password 1", "pat": "planner password", "nora": "manager password",
             "ana": "analyst password"}


@pytest.fixture
def plan(people, use_database):
    with people.begin() as conn:
        conn.execute(text("INSERT INTO reps (external_id, name, home_geom) VALUES ('R1', "
                          "'Rhea Middle', ST_SetSRID(ST_MakePoint(-79.0, 41.0), 4326))"))
    return visits.plan(dt.date(2026, 12, 8), ["R1"],
                       accounts=["A1", "A2", "A3", "A4", "GHOST"], engine=people,
                       rules=visits.DayRules(start="06:00", end="22:00", kmh=80,
                                             time_limit_s=0.3))


def _page(username: str) -> AppTest:
    return open_page(PAGE, username, PASSWORDS[username])


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _table(at: AppTest, first_column: str):
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def test_an_admin_reads_the_day_with_names_times_and_what_was_left_out(plan):
    at = _page("ada")
    assert not at.exception
    assert _metric(at, "Visits") == "4"
    stops = _table(at, "Rep")
    assert sorted(stops["Account"]) == sorted(["Annabel Northcott", "Bertram Eastwood",
                                               "Cordelia Southby", "Desmond Lowry"])
    first = plan.stops.sort_values("seq").iloc[0]
    assert stops.iloc[0]["Arrive"] == first["arrive"].strftime("%H:%M")
    assert "straight-line distances at 80 km/h" in " ".join(c.value for c in at.caption)
    left = _table(at, "Asked")
    assert list(left["Asked"]) == ["GHOST"] and list(left["Why"]) == ["no account has this id"]
    assert _metric(at, "Day").startswith(plan.routes.iloc[0]["leave"].strftime("%H:%M"))


def test_a_planner_sees_masked_names_and_is_told_why_the_route_is_only_the_order(plan):
    at = _page("pat")
    assert not at.exception
    stops = _table(at, "Rep")
    assert len(stops) == 4 and all("***" in n for n in stops["Account"])
    assert any("~1 km grid" in c.value for c in at.caption)


def test_a_manager_sees_only_the_stops_of_their_regions(plan):
    at = _page("nora")
    assert not at.exception
    stops = _table(at, "Rep")
    assert sorted(stops["Account"]) == ["Annabel Northcott", "Bertram Eastwood"]
    assert _metric(at, "Visits") == "2"
    assert not any(d.value.columns[0] == "Asked" for d in at.dataframe)


def test_an_analyst_is_not_offered_the_page(plan):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _page("ana")


def test_a_download_is_the_plan_as_the_reader_sees_it_and_is_audited(plan, people):
    from dashboards import data

    csv = data.visit_export("pat", plan.id, "csv").decode()
    assert "Annabel" not in csv and csv.count("\n") == 1 + 4
    with people.connect() as conn:
        actors = conn.execute(text("SELECT actor FROM audit_log WHERE action = "
                                   "'visits.export'")).scalars().all()
    assert actors == ["pat"]
