"""Who sees what of a visit plan, on the small CRM world (tests/crm_world.py: A1 and A2 in
the North state, A3 and A4 in county S1 of the South): the roles with personal data see
names, addresses and the drive along the roads; the others see masked names and stops on
the ~1 km grid, with no drive that ends at a door; a manager sees only their regions'
stops; the exports carry what the reader sees."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from gcrm import visits
from gcrm.visits.export import csv_bytes, gpx_bytes

NAMES = {"A1": "Annabel Northcott", "A2": "Bertram Eastwood", "A3": "Cordelia Southby",
         "A4": "Desmond Lowry"}


@pytest.fixture
def planned(people):
    with people.begin() as conn:
        conn.execute(text("INSERT INTO reps (external_id, name, home_geom) VALUES ('R1', "
                          "'Rhea Middle', ST_SetSRID(ST_MakePoint(-79.0, 41.0), 4326))"))
    plan = visits.plan(dt.date(2026, 12, 8), ["R1"],
                       accounts=["A1", "A2", "A3", "A4", "GHOST"], engine=people,
                       rules=visits.DayRules(start="06:00", end="22:00", kmh=80,
                                             time_limit_s=0.3))
    assert plan.method == "straight line"  # no road network in this world
    assert sorted(plan.stops["external_id"]) == ["A1", "A2", "A3", "A4"]
    return plan


def _exact(people) -> dict[str, tuple[float, float]]:
    with people.connect() as conn:
        return {k: (x, y) for k, x, y in conn.execute(text(
            "SELECT external_id, ST_X(geom), ST_Y(geom) FROM accounts"))}


@pytest.mark.parametrize("username", ["ada", "mia"])
def test_roles_with_personal_data_see_the_whole_plan(planned, as_user, people, username):
    plan = visits.show(planned.id, engine=as_user(username))
    stops = plan.stops.set_index("external_id")
    assert dict(stops["name"]) == NAMES
    exact = _exact(people)
    for key, row in stops.iterrows():
        assert (row["lon"], row["lat"]) == pytest.approx(exact[key])
        assert row["leg"] is not None and row["leg"].coords[-1] == pytest.approx(exact[key])
    assert plan.routes.iloc[0]["home_leg"] is not None
    assert list(plan.left_out["asked"]) == ["GHOST"]


@pytest.mark.parametrize("username", ["pat", "ana"])
def test_roles_without_personal_data_see_masked_stops_on_the_grid_and_no_drive_to_a_door(
        planned, as_user, people, username):
    plan = visits.show(planned.id, engine=as_user(username))
    assert len(plan.stops) == 4
    for row in plan.stops.itertuples():
        assert row.name not in NAMES.values() and "***" in row.name
        assert round(row.lon, 2) == pytest.approx(row.lon, abs=1e-9)
        assert round(row.lat, 2) == pytest.approx(row.lat, abs=1e-9)
        assert row.leg is None
        assert row.address.startswith("*** ")  # the street without its house number
    assert plan.routes.iloc[0]["home_leg"] is None
    home = plan.routes.iloc[0][["home_lon", "home_lat"]].tolist()
    assert home == pytest.approx([-79.0, 41.0])  # on the grid already; a moved home:
    with people.begin() as conn:
        conn.execute(text("UPDATE reps SET home_geom = ST_SetSRID(ST_MakePoint(-79.00321, "
                          "41.00456), 4326)"))
    moved = visits.show(planned.id, engine=as_user(username)).routes.iloc[0]
    assert [moved["home_lon"], moved["home_lat"]] == pytest.approx([-79.0, 41.0])
    assert list(plan.routes["drive_seconds"]) == list(planned.routes["drive_seconds"])
    exported = csv_bytes(plan).decode() + gpx_bytes(plan).decode()
    for name in NAMES.values():
        assert name not in exported and name.split()[1] not in exported


@pytest.mark.parametrize("username, visible", [("nora", {"A1", "A2"}), ("sam", {"A3", "A4"})])
def test_a_manager_sees_only_the_stops_in_their_regions(planned, as_user, username, visible):
    plan = visits.show(planned.id, engine=as_user(username))
    assert set(plan.stops["external_id"]) == visible
    assert set(plan.stops["name"]) == {NAMES[k] for k in visible}
    assert plan.left_out.empty  # "GHOST" is no account of theirs
    last = planned.stops.sort_values("seq").iloc[-1]["external_id"]
    assert (plan.routes.iloc[0]["home_leg"] is not None) == (last in visible)
    listed = visits.plans(engine=as_user(username))
    assert list(listed["stops"]) == [len(visible)]


def test_a_manager_with_no_stop_in_their_regions_does_not_see_the_plan(people, as_user):
    with people.begin() as conn:
        conn.execute(text("INSERT INTO reps (external_id, name, home_geom) VALUES ('R1', "
                          "'Rhea Middle', ST_SetSRID(ST_MakePoint(-79.0, 41.0), 4326))"))
    plan = visits.plan(dt.date(2026, 12, 8), ["R1"], accounts=["A1", "A2"], engine=people,
                       rules=visits.DayRules(kmh=80, time_limit_s=0.3))
    assert visits.plans(engine=as_user("sam")).empty
    with pytest.raises(visits.InvalidInput, match=f"No visit plan {plan.id}"):
        visits.show(plan.id, engine=as_user("sam"))
    with as_user("pat").connect() as conn, pytest.raises(Exception, match="permission denied"):
        conn.execute(text("SELECT leg FROM visit_stops"))
