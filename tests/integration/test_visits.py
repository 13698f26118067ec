"""Visit plans in PostGIS on the real Los Altos roads (../shared/data): a rep's day from a
target list, stored and read back; drive times as the roads give them; every account
asked for either visited or left out with its reason; a straight line only where no
network reaches, and the plan says so."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
from los_altos import HOMES, ROADS, build
from sqlalchemy import text

from gcrm import visits
from gcrm.errors import InvalidInput
from spatial import routing
from spatial.tradearea import drive_network
from spatial.tradearea._geodesy import GEOD

DAY = dt.date(2026, 12, 8)


@pytest.fixture
def los_altos(db):
    build(db)
    return db


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def test_a_two_rep_day_from_a_list_keeps_every_window_and_drives_the_roads(los_altos):
    with los_altos.begin() as conn:  # two customers see visitors only in the morning
        conn.execute(text("INSERT INTO visit_windows (account_id, opens, closes, minutes) "
                          "SELECT id, '09:00', '11:00', 45 FROM accounts "
                          "WHERE external_id IN ('C00', 'C01')"))
    plan = visits.plan(DAY, ["R1", "R2"], from_list="at risk", engine=los_altos,
                       rules=visits.DayRules(max_stops=8, time_limit_s=0.5))
    assert plan.method == "road" and "los_altos" in plan.travel
    assert len(plan.stops) == 12 and plan.left_out.empty
    assert set(plan.routes["rep"]) == {"R1", "R2"}
    by_id = plan.stops.set_index("external_id")
    for key in ("C00", "C01"):
        stop = by_id.loc[key]
        assert _minutes(stop["start"]) >= 9 * 60 and _minutes(stop["depart"]) <= 11 * 60
        assert _minutes(stop["depart"]) - _minutes(stop["start"]) == 45
    for route in plan.routes.itertuples():
        day = plan.stops[plan.stops["rep"] == route.rep].sort_values("seq")
        assert _minutes(route.leave) >= 8 * 60 + 30 and _minutes(route.back) <= 17 * 60 + 30
        assert len(day) <= 8
        assert (day["start"] >= day["arrive"]).all()
        # the day's kilometres are its legs' and the drive home's, as drawn on the roads
        assert route.drive_m == pytest.approx(day["drive_m"].sum()
                                              + GEOD.geometry_length(route.home_leg), rel=1e-6)
        assert route.drive_seconds > day["drive_seconds"].sum()  # the drive home takes time
        home = HOMES[route.rep]
        assert day.iloc[0]["leg"].coords[0] == pytest.approx(home)
        assert route.home_leg.coords[-1] == pytest.approx(home)
    # the first drive of R1's day is the road network's, read from the file independently
    nodes, edges = drive_network(gpd.read_file(ROADS))
    first = plan.stops[(plan.stops["rep"] == "R1") & (plan.stops["seq"] == 1)].iloc[0]
    direct = routing.road_matrix(nodes, edges, [HOMES["R1"][0], first["lon"]],
                                 [HOMES["R1"][1], first["lat"]])
    assert first["drive_seconds"] == round(direct.seconds[0, 1])
    assert first["drive_m"] == pytest.approx(direct.metres[0, 1])
    assert GEOD.geometry_length(first["leg"]) == pytest.approx(first["drive_m"], rel=1e-6)
    # stored: read back as it was
    again = visits.show(plan.id, engine=los_altos)
    assert again.stops[["rep", "seq", "external_id"]].equals(
        plan.stops[["rep", "seq", "external_id"]])


def test_each_visit_that_cannot_be_made_is_named_with_its_reason(los_altos):
    with los_altos.begin() as conn:
        conn.execute(text("INSERT INTO accounts (source, external_id, name, street) VALUES "
                          "('crm', 'NOWHERE', 'Not located', '1 Unknown Road')"))
        conn.execute(text(  # Sacramento: 180 km from the Los Altos roads
            "INSERT INTO accounts (source, external_id, name, geom) VALUES "
            "('crm', 'FAR', 'Far away', ST_SetSRID(ST_MakePoint(-121.49, 38.58), 4326))"))
        conn.execute(text("INSERT INTO visit_windows (account_id, opens, closes, minutes) "
                          "SELECT id, '10:00', '10:15', 30 FROM accounts "
                          "WHERE external_id = 'C03'"))
        conn.execute(text("UPDATE accounts SET owner_rep_id = (SELECT id FROM reps WHERE "
                          "external_id = 'R2') WHERE external_id = 'C04'"))
        conn.execute(text("UPDATE accounts SET owner_rep_id = (SELECT id FROM reps WHERE "
                          "external_id = 'R3') WHERE external_id = 'C05'"))
    asked = ["NOWHERE", "FAR", "C03", "C04", "C05", "GHOST", "C06", "C06", "C07"]
    plan = visits.plan(DAY, ["R1", "R3"], accounts=asked, engine=los_altos,
                       rules=visits.DayRules(time_limit_s=0.3))
    why = dict(zip(plan.left_out["asked"], plan.left_out["reason"], strict=True))
    assert "not located" in why["NOWHERE"]
    assert "does not reach it" in why["FAR"] and "km from the nearest road" in why["FAR"]
    assert "window 10:00-10:15 is shorter than the 30-minute visit" in why["C03"]
    assert "owned by another rep" in why["C04"]
    assert "Rep R3 (R3) has no home base" in why["C05"]
    assert why["GHOST"] == "no account has this id"
    assert why["C06"] == "asked for twice: visited once"
    assert sorted(plan.stops["external_id"]) == ["C06", "C07"]
    assert plan.notes == ["Rep R3 (R3) has no home base to start from: not planned"]
    assert list(plan.routes["rep"]) == ["R1"]


def test_no_network_near_the_homes_means_a_straight_line_at_the_stated_speed(los_altos):
    with los_altos.begin() as conn:  # a rep and two customers in Sacramento
        conn.execute(text("INSERT INTO reps (external_id, name, home_geom) VALUES ('S1', "
                          "'Sam Sacramento', ST_SetSRID(ST_MakePoint(-121.49, 38.58), 4326))"))
        conn.execute(text(
            "INSERT INTO accounts (source, external_id, name, geom) VALUES "
            "('crm', 'SAC1', 'Midtown', ST_SetSRID(ST_MakePoint(-121.47, 38.57), 4326)), "
            "('crm', 'SAC2', 'Land Park', ST_SetSRID(ST_MakePoint(-121.50, 38.55), 4326))"))
    plan = visits.plan(DAY, ["S1"], accounts=["SAC1", "SAC2"], engine=los_altos,
                       rules=visits.DayRules(kmh=24, time_limit_s=0.3))
    assert plan.method == "straight line" and plan.kmh == 24
    assert "straight-line distances at 24 km/h" in plan.travel
    first = plan.stops.sort_values("seq").iloc[0]
    km = GEOD.inv(-121.49, 38.58, first["lon"], first["lat"])[2] / 1000
    assert first["drive_m"] / 1000 == pytest.approx(km, rel=5e-3)
    assert first["drive_seconds"] == pytest.approx(first["drive_m"] / 1000 / 24 * 3600, abs=1)


def test_an_unknown_rep_or_list_is_refused_and_nothing_is_stored(los_altos):
    with pytest.raises(InvalidInput, match="No rep has the id or name 'R9'"):
        visits.plan(DAY, ["R9"], from_list="at risk", engine=los_altos)
    with pytest.raises(InvalidInput, match="No target list 'nope'"):
        visits.plan(DAY, ["R1"], from_list="nope", engine=los_altos)
    with pytest.raises(InvalidInput, match="ends .* before it starts"):
        visits.plan(DAY, ["R1"], from_list="at risk", engine=los_altos,
                    rules=visits.DayRules(start="17:00", end="09:00"))
    assert visits.plans(engine=los_altos).empty


def test_a_windows_file_keeps_its_good_rows_and_says_why_it_refused_the_others(los_altos,
                                                                               tmp_path):
    path = tmp_path / "windows.csv"
    path.write_text("account,opens,closes,minutes\n"
                    "C00,09:00,12:00,45\n"
                    "C01,13:00,12:00,30\n"
                    "NOBODY,09:00,10:00,30\n"
                    "C02,9h,10:00,30\n"
                    "C03,14:00,16:30,20\n")
    loaded = visits.load_windows(path, engine=los_altos)
    assert loaded.stored == 2
    assert [line for line, _ in loaded.rejected] == [3, 4, 5]
    assert "closes (12:00) before it opens (13:00)" in loaded.rejected[0][1]
    assert "no account has the id 'NOBODY'" in loaded.rejected[1][1]
    assert "HH:MM" in loaded.rejected[2][1]
    with los_altos.connect() as conn:
        stored = conn.execute(text("SELECT a.external_id, w.opens, w.minutes FROM "
                                   "visit_windows w JOIN accounts a ON a.id = w.account_id "
                                   "ORDER BY 1")).all()
    assert [(k, str(o), m) for k, o, m in stored] == [("C00", "09:00:00", 45),
                                                       ("C03", "14:00:00", 20)]


def test_the_command_line_plans_shows_and_exports_a_day_for_the_road(los_altos, use_database,
                                                                     tmp_path):
    from pypdf import PdfReader
    from typer.testing import CliRunner

    from gcrm.cli import app

    runner = CliRunner()
    planned = runner.invoke(app, ["visits", "plan", "--rep", "R1", "--date", "2026-12-08",
                                  "--from-list", "at risk", "--max-stops", "5",
                                  "--solver-seconds", "0.3"])
    assert planned.exit_code == 0, planned.output
    said = " ".join(planned.output.split())  # as one line, however wide the terminal
    assert " for Tuesday 8 December 2026, measured with" in said
    assert "drive times on the roads of the network 'los_altos'" in said
    assert "Rep R1 (R1): leave 08:" in said
    assert "Left out (7)" in said and "the day is full" in said
    (plan_id,) = visits.plans(engine=los_altos)["id"]
    listed = runner.invoke(app, ["visits", "list"])
    assert listed.exit_code == 0 and "los_altos" in listed.output
    plan = visits.show(int(plan_id), engine=los_altos)

    csv = tmp_path / "day.csv"
    assert runner.invoke(app, ["visits", "export", str(plan_id), "--out", str(csv)]
                         ).exit_code == 0
    rows = csv.read_text().splitlines()
    assert rows[0].startswith("rep,stop,account,name,address,arrive,start,depart")
    assert len(rows) == 1 + 5 and rows[1].startswith("R1,1,crm:")

    gpx = tmp_path / "day.gpx"
    assert runner.invoke(app, ["visits", "export", str(plan_id), "--out", str(gpx)]
                         ).exit_code == 0
    import xml.etree.ElementTree as ET

    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    root = ET.parse(gpx).getroot()
    waypoints = root.findall("g:wpt", ns)
    assert [w.find("g:name", ns).text.split(". ")[1] for w in waypoints] == list(
        plan.stops["name"])
    track = [(float(p.get("lon")), float(p.get("lat")))
             for p in root.findall("g:trk/g:trkseg/g:trkpt", ns)]
    assert track[0] == pytest.approx(HOMES["R1"], abs=1e-6)
    assert track[-1] == pytest.approx(HOMES["R1"], abs=1e-6)
    assert len(track) > 5 * 3  # along the roads, not stop to stop

    pdf = tmp_path / "day.pdf"
    assert runner.invoke(app, ["visits", "export", str(plan_id), "--out", str(pdf)]
                         ).exit_code == 0
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert len(pages) == 2
    assert "Rep R1 (R1): visits on Tuesday 8 December 2026" in pages[0]
    assert plan.stops.iloc[0]["name"] in pages[0]
    assert "the day is full" in pages[1]

    refused = runner.invoke(app, ["visits", "export", str(plan_id), "--out",
                                  str(tmp_path / "day.docx")])
    assert refused.exit_code == 1 and "--format csv or gpx or pdf" in refused.output
