"""Work routing as cases and leads load, on the small CRM world (tests/crm_world.py) with
reps and a support team: every loaded case gets exactly one owner, by the first rule that
matches (case type to a team in turn, the account's rep, a named rep), the default queue
catches the rest; leads go by capacity until the team is full; a rule naming an unknown
team or rep is refused; SLA clocks find the overdue cases, also as a cube measure; the
command line does all of it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from gcrm import routing
from gcrm.errors import InvalidInput
from gcrm.ingest.load import load_file

CASES = """id,account_id,opened_at,case_type,status
K1,A1,2026-04-01T09:00,complaint,open
K2,A2,2026-04-01T10:00,complaint,open
K3,A3,2026-04-01T11:00,complaint,open
K4,A1,2026-04-02T09:00,request,open
K5,A2,2026-04-02T10:00,request,open
K6,A2,2026-04-02T11:00,return,open
K7,A3,2026-04-03T09:00,repair,open
"""


def _rows(engine, query, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).all()


@pytest.fixture
def crm(world):
    with world.begin() as conn:
        conn.execute(text("INSERT INTO reps (external_id, name, capacity) VALUES "
                          "('R1', 'Rhea North', 10), ('R2', 'Sol South', 10), "
                          "('R3', 'Ray Returns', 10), ('S1', 'Sue Support', 2), "
                          "('S2', 'Stan Support', 3)"))
        conn.execute(text("UPDATE accounts SET owner_rep_id = (SELECT id FROM reps WHERE "
                          "external_id = 'R1') WHERE external_id = 'A1'"))
        conn.execute(text("UPDATE accounts SET owner_rep_id = (SELECT id FROM reps WHERE "
                          "external_id = 'R2') WHERE external_id = 'A3'"))
    routing.set_team("support", ["S1", "S2"], engine=world)
    return world


def test_every_loaded_case_gets_exactly_one_owner_and_the_queue_catches_the_rest(crm,
                                                                               tmp_path):
    # The world's own cases loaded before any rule: all wait in the default queue.
    assert {q for (q,) in _rows(crm, "SELECT queue FROM service_cases")} == {"unassigned"}
    routing.add_rule("complaints to support", priority=10, applies_to="case",
                     case_type="complaint", method="team", team="support", engine=crm)
    routing.add_rule("the account's rep", priority=20, applies_to="case",
                     method="territory", engine=crm)
    routing.add_rule("returns to Ray", priority=30, applies_to="case", case_type="return",
                     method="rep", rep="R3", engine=crm)
    path = tmp_path / "cases.csv"
    path.write_text(CASES)
    summary = load_file("cases", path, source="desk", ref_source="crm", engine=crm).summary
    assert summary.inserted == 7
    assert summary.routed == {"complaints to support": 3, "the account's rep": 2,
                              "returns to Ray": 1, "unassigned queue (cases)": 1}
    got = dict((k, (o, q)) for k, o, q in _rows(crm, """
        SELECT c.external_id, rep.external_id, c.queue FROM service_cases c
        LEFT JOIN reps rep ON rep.id = c.owner_rep_id WHERE c.source = 'desk'"""))
    assert got == {"K1": ("S1", None), "K2": ("S2", None), "K3": ("S1", None),  # in turn
                   "K4": ("R1", None),  # A1's rep
                   "K5": (None, "unassigned"),  # A2 has no rep, a request has no team
                   "K6": ("R3", None), "K7": ("R2", None)}
    assert all((o is None) != (q is None) for o, q in got.values())  # exactly one owner
    # The turn goes on where it stopped: the next complaint is S2's.
    more = tmp_path / "more.csv"
    more.write_text("id,account_id,opened_at,case_type,status\n"
                    "K8,A1,2026-04-04T09:00,complaint,open\n")
    load_file("cases", more, source="desk", ref_source="crm", engine=crm)
    assert _rows(crm, "SELECT rep.external_id FROM service_cases c JOIN reps rep ON "
                      "rep.id = c.owner_rep_id WHERE c.external_id = 'K8'") == [("S2",)]


def test_leads_go_by_capacity_until_the_team_is_full_then_to_the_queue(crm, tmp_path):
    routing.add_rule("new leads to support", priority=5, applies_to="lead", method="team",
                     team="support", pick="capacity", engine=crm)
    routing.set_default_queue("inside sales", engine=crm)
    path = tmp_path / "leads.csv"
    path.write_text("id,name,status,lat,lon\n" + "".join(
        f"L{i},Lead {i},prospect,41.{i}1,-79.{i}2\n" for i in range(1, 8)))
    summary = load_file("accounts", path, source="web", geocode=False, engine=crm).summary
    # S1 holds 2, S2 holds 3: five leads given, the lowest open/capacity first; two wait.
    assert summary.routed == {"new leads to support": 5, "inside sales queue (leads)": 2}
    owners = dict(_rows(crm, """
        SELECT rep.external_id, count(*) FROM accounts a JOIN reps rep
        ON rep.id = a.owner_rep_id WHERE a.source = 'web' GROUP BY 1"""))
    assert owners == {"S1": 2, "S2": 3}
    first_two = [r for (r,) in _rows(crm, """
        SELECT rep.external_id FROM accounts a JOIN reps rep ON rep.id = a.owner_rep_id
        WHERE a.source = 'web' ORDER BY a.id LIMIT 2""")]
    assert first_two == ["S1", "S2"]  # both empty: lower id first, then S2 at 0/3 < 1/2
    assert _rows(crm, "SELECT count(*) FROM accounts WHERE source = 'web' AND queue = "
                      "'inside sales' AND owner_rep_id IS NULL") == [(2,)]


def test_a_rule_naming_an_unknown_team_or_rep_is_refused_and_nothing_is_stored(crm):
    with pytest.raises(InvalidInput, match="No team 'nobody'"):
        routing.add_rule("x", priority=1, applies_to="case", method="team", team="nobody",
                         engine=crm)
    with pytest.raises(InvalidInput, match="No rep has the id or name 'R9'"):
        routing.add_rule("x", priority=1, applies_to="case", method="rep", rep="R9",
                         engine=crm)
    with pytest.raises(InvalidInput, match="Only a rule for cases can name a case type"):
        routing.add_rule("x", priority=1, applies_to="lead", case_type="complaint",
                         method="territory", engine=crm)
    with pytest.raises(InvalidInput, match="No rep has the id or name 'ghost'"):
        routing.set_team("support", ["S1", "ghost"], engine=crm)
    routing.add_rule("first", priority=1, applies_to="case", method="territory", engine=crm)
    with pytest.raises(InvalidInput, match="Priority 1 is the rule 'first'"):
        routing.add_rule("second", priority=1, applies_to="lead", method="territory",
                         engine=crm)
    assert list(routing.rules(engine=crm)["name"]) == ["first"]
    assert routing.teams(engine=crm).set_index("name").loc["support", "reps"] == 2


def test_the_sla_clocks_find_the_cases_past_their_hours(crm, tmp_path):
    routing.set_sla("complaint", first_response_hours=4, resolution_hours=48, engine=crm)
    path = tmp_path / "cases.csv"  # K2 was answered an hour after it opened; K9 cannot be
    answered = {"K2": "2026-04-01T11:00", "K9": "2026-04-04T09:00"}
    lines = (CASES + "K9,A1,2026-04-05T09:00,complaint,open\n").splitlines()
    path.write_text("\n".join([lines[0] + ",first_response_at"] + [
        f"{line},{answered.get(line.split(',')[0], '')}" for line in lines[1:]]) + "\n")
    result = load_file("cases", path, source="desk", ref_source="crm", engine=crm)
    assert result.summary.inserted == 7
    assert list(result.rejects["reason"]) == [
        "first_response_at is before opened_at: a case cannot close or be answered before "
        "it opened"]
    now = dt.datetime(2026, 4, 1, 16, 0, tzinfo=dt.UTC)  # 7, 6 and 5 hours after
    late = routing.overdue(now=now, engine=crm).set_index("external_id")
    assert sorted(late.index) == ["K1", "K3"]  # K2 answered; requests have no clock
    assert set(late["breached"]) == {"first response"}
    three_days = routing.overdue(now=now + dt.timedelta(days=3), engine=crm)
    assert sorted(three_days["external_id"]) == ["K1", "K2", "K3"]
    assert set(three_days["breached"]) == {"resolution"}
    with pytest.raises(InvalidInput, match="cannot come before the first response"):
        routing.set_sla("request", first_response_hours=8, resolution_hours=2, engine=crm)


def test_the_command_line_sets_up_rules_and_routes_what_waits(crm, use_database):
    from typer.testing import CliRunner

    from gcrm.cli import app

    runner = CliRunner()

    def said(*args) -> tuple[int, str]:
        result = runner.invoke(app, ["routing", *args])
        return result.exit_code, " ".join(result.output.split())

    code, out = said("rule-add", "complaints", "--priority", "1", "--for", "case", "--to",
                     "team", "--team", "desk")
    assert code == 1 and "No team 'desk'" in out
    assert said("team", "desk", "--reps", "S1,S2")[0] == 0
    code, out = said("rule-add", "complaints", "--priority", "1", "--for", "case", "--to",
                     "team", "--team", "desk", "--case-type", "complaint")
    assert code == 0 and "stored at priority 1" in out
    code, out = said("rules")
    assert "complaints" in out and "team desk" in out and "Default queue: unassigned" in out
    with crm.begin() as conn:  # the world's cases waited in the queue: route them again
        conn.execute(text("UPDATE service_cases SET queue = NULL"))
    code, out = said("run")
    assert code == 0 and "2 to complaints" in out and "1 case to the unassigned queue" in out
    code, out = said("sla", "complaint", "--first-response", "4", "--resolution", "24")
    assert code == 0 and "complaint 4.0 24.0" in out
    code, out = said("overdue")  # the world's complaints were closed within a day
    assert code == 0 and "No open case is past its clock." in out


def test_overdue_cases_is_a_cube_measure_per_region_as_each_reader_may_see_it(crm, as_user,
                                                                              tmp_path):
    from gcrm import cube
    from gcrm.access import users

    routing.set_sla("complaint", first_response_hours=4, resolution_hours=48, engine=crm)
    path = tmp_path / "cases.csv"
    path.write_text(CASES)  # open complaints K1 (A1, county N1), K2 (A2, N2), K3 (A3, S1)
    load_file("cases", path, source="desk", ref_source="crm", engine=crm)
    with crm.begin() as conn:  # K2 was answered in time and is now resolved
        conn.execute(text("UPDATE service_cases SET status = 'closed', first_response_at = "
                          "opened_at + interval '1 hour', closed_at = opened_at + interval "
                          "'1 day' WHERE external_id = 'K2'"))
    cube.build(engine=crm)
    got = cube.query(["overdue_cases"], level="county", period="2026-04",
                     engine=crm).set_index("code")["overdue_cases"]
    assert got.to_dict() == {"N1": 1, "N2": 0, "S1": 1}
    users.add_user("nina", "manager", password="manager password", regions=["state:N"],
                   engine=crm)
    seen = cube.query(["overdue_cases"], level="county", period="2026-04",
                      engine=as_user("nina")).set_index("code")["overdue_cases"]
    assert seen.to_dict() == {"N1": 1, "N2": 0}
