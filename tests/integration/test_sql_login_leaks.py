"""What a user's own SQL login could read beyond their scope (issue 19, leaks 1, 4, 5, 6),
probed as an attacker would: with real logins made by ``gcrm users sql-login``.

The world (tests/crm_world.py): state N (counties N1, N2: accounts A1, A2) and state S
(county S1: A3, A4); nora manages state N, sam county S1. Three reps: R1 lives in N1 and
owns A1, R2 lives in S1 and owns nothing, R3 lives in N2 and owns A3 (in sam's county).
"""

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from gcrm import regions
from gcrm.access import users
from gcrm.db import migrate
from gcrm.ingest.load import load_file
from gcrm.regions.grid import build_grid

REPS = """id,name,email,lat,lon,capacity
R1,Rhona North,rhona.north@reps.example,41.7123,-79.6321,100
R2,Rupert South,rupert.south@reps.example,40.2345,-79.4567,100
R3,Rosalind East,rosalind.east@reps.example,41.3456,-78.2345,100
"""


@pytest.fixture
def leaky(people, tmp_path):
    """The world with reps, owners, an H3 grid down to ~0.1 km² cells, fresh statistics,
    and SQL logins for sam (county manager), nora (state manager) and ana (analyst)."""
    path = tmp_path / "reps.csv"
    path.write_text(REPS)
    load_file("reps", path, source="crm", engine=people)
    with people.begin() as conn:
        conn.execute(text(
            "UPDATE accounts a SET owner_rep_id = r.id FROM reps r WHERE (a.external_id, "
            "r.external_id) IN (('A1', 'R1'), ('A3', 'R3'))"))
    build_grid([5, 7, 9], engine=people)
    regions.assign(engine=people)
    with people.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE reps, accounts"))
    logins = {}
    for username in ("sam", "nora", "ana"):
        password = users.sql_login(username, engine=people)
        role = users.get_user(username, engine=people).pg_role
        logins[username] = create_engine(people.url.set(username=role, password=password))
    yield logins
    for engine in logins.values():
        engine.dispose()


def _ids(engine, sql, **params):
    with engine.connect() as conn:
        return sorted(conn.execute(text(sql), params).scalars())


def _operator_ids(people, sql, **params):
    return _ids(people, sql, **params)


# What a login can tell without reading accounts: assignment rows by account id.
ASSIGNED_IDS = "SELECT DISTINCT entity_id FROM region_assignments WHERE entity = 'account'"
FINE_CELLS = "SELECT code FROM regions WHERE level = 'h3_9'"
FINE_PARTS = "SELECT DISTINCT region_id FROM region_parts WHERE level = 'h3_9'"
# The cells of people and reps, by their ids in the files.
CELLS_OF = """
SELECT DISTINCT r.code FROM region_assignments ra JOIN regions r ON r.id = ra.region_id
JOIN (SELECT 'account' AS entity, id, external_id FROM accounts
      UNION ALL SELECT 'rep', id, external_id FROM reps) e
  ON e.entity = ra.entity AND e.id = ra.entity_id
WHERE ra.level = 'h3_9' AND e.external_id = ANY (:ids)
"""
PER_COUNTY = """
SELECT r.code, count(*) FROM region_assignments ra JOIN regions r ON r.id = ra.region_id
WHERE ra.entity = 'account' AND ra.level = 'county' GROUP BY r.code ORDER BY r.code
"""


# --- 1. assignments, cells, outlines -----------------------------------------------------------

def test_a_county_manager_locates_nobody_outside_their_county(people, leaky):
    sam = leaky["sam"]
    in_scope = _operator_ids(people, "SELECT id FROM accounts WHERE external_id IN ('A3', 'A4')")
    # Assignments: only sam's two accounts (every level), no out-of-scope person's cell.
    assert _ids(sam, ASSIGNED_IDS) == in_scope
    with sam.connect() as conn:
        per_county = conn.execute(text(PER_COUNTY)).all()
    assert [tuple(r) for r in per_county] == [("S1", 2)]  # no exact counts for N1, N2
    # Fine cells and their outlines: those holding A3, A4 or the homes of reps R2, R3 only
    # (the world has 7: four people, three reps).
    theirs = _operator_ids(people, CELLS_OF, ids=["A3", "A4", "R2", "R3"])
    assert _ids(sam, FINE_CELLS) == theirs
    assert len(theirs) == 4 and len(_operator_ids(people, FINE_CELLS)) == 7
    fine_parts = _ids(sam, FINE_PARTS)
    assert fine_parts == _operator_ids(
        people, "SELECT id FROM regions WHERE level = 'h3_9' AND code = ANY (:c)", c=theirs)
    # Coarse cells (resolution 7 and up, ~5 km²) stay visible, as to every role.
    for level in ("h3_5", "h3_7"):
        assert _ids(sam, "SELECT code FROM regions WHERE level = :l", l=level) == _operator_ids(
            people, "SELECT code FROM regions WHERE level = :l", l=level)
    # The cube's visibility pairs: only those of sam's own regions.
    county = _operator_ids(people, "SELECT id FROM regions WHERE code = 'S1'")
    assert set(_ids(sam, "SELECT DISTINCT scope_id FROM region_visibility")) <= set(county)


def test_a_state_manager_keeps_everything_inside_the_state(people, leaky):
    nora = leaky["nora"]
    assert _ids(nora, ASSIGNED_IDS) == _operator_ids(
        people, "SELECT id FROM accounts WHERE external_id IN ('A1', 'A2')")
    assert _ids(nora, FINE_CELLS) == _operator_ids(people, CELLS_OF, ids=["A1", "A2", "R1", "R3"])
    # Boundaries are not people: every state and county outline stays visible.
    assert _ids(nora, "SELECT code FROM regions WHERE level IN ('state', 'county')") == [
        "N", "N1", "N2", "S", "S1"]


def test_roles_that_see_every_account_keep_every_coarse_assignment(people, leaky, as_user):
    everyone = _operator_ids(people, "SELECT id FROM accounts")
    for username in ("ada", "ana", "mia", "pat"):
        engine = leaky["ana"] if username == "ana" else as_user(username)
        assert _ids(engine, ASSIGNED_IDS) == everyone
        assert _ids(engine, "SELECT DISTINCT level FROM region_assignments "
                            "WHERE entity = 'account'") == (
            ["county", "h3_5", "h3_7", "h3_9", "state"] if username in ("ada", "mia")
            else ["county", "h3_5", "h3_7", "state"])
    # No fine cell of a rep's home for roles without personal data either.
    assert _ids(leaky["ana"], "SELECT level FROM region_assignments WHERE entity = 'rep' "
                              "AND level = 'h3_9'") == []


# --- 4. reps, statistics -----------------------------------------------------------------------

def test_a_manager_reads_only_the_reps_of_their_scope(leaky):
    # R2 lives in S1, R3 owns A3 in S1; R1 (in N1, owning A1) is none of sam's business.
    sam, nora = leaky["sam"], leaky["nora"]
    assert _ids(sam, "SELECT external_id FROM reps") == ["R2", "R3"]
    assert _ids(sam, "SELECT email FROM reps") == ["rosalind.east@reps.example",
                                                   "rupert.south@reps.example"]
    assert _ids(sam, "SELECT name FROM rep_bases") == ["Rosalind East", "Rupert South"]
    assert _ids(sam, "SELECT DISTINCT entity_id FROM region_assignments WHERE entity = 'rep'"
                ) == _ids(sam, "SELECT id FROM reps")
    assert _ids(nora, "SELECT external_id FROM reps") == ["R1", "R3"]
    # Everyone else: every rep (masked homes for the analyst, as before).
    assert len(_ids(leaky["ana"], "SELECT name FROM rep_bases")) == 3


PROBES = (
    "SELECT ST_EstimatedExtent('public', 'reps', 'home_geom')::text",
    "SELECT ST_EstimatedExtent('reps', 'home_geom')::text",
    "SELECT _postgis_index_extent('reps', 'home_geom')::text",
    "SELECT _postgis_stats('reps', 'home_geom')",
)


def test_statistics_functions_no_longer_give_away_where_reps_live(leaky):
    for username in ("sam", "ana"):
        for probe in PROBES:
            with leaky[username].connect() as conn, pytest.raises(
                    ProgrammingError, match="permission denied"):
                conn.execute(text(probe))
    # The planner itself still uses the statistics (the C code, not these functions).
    with leaky["sam"].connect() as conn:
        plan = conn.execute(text("EXPLAIN SELECT id FROM reps WHERE home_geom && "
                                 "ST_MakeEnvelope(-80, 40, -79, 41, 4326)")).scalars().all()
    assert plan


def test_planner_statistics_of_personal_columns_stay_hidden(leaky):
    """pg_stats shows a column's sampled values only to who may read every row of it."""
    for username in ("sam", "nora", "ana"):
        assert _ids(leaky[username], "SELECT attname FROM pg_stats WHERE schemaname = 'public' "
                                     "AND tablename IN ('reps', 'accounts')") == []


# --- 5. connections ----------------------------------------------------------------------------

def test_a_sql_login_connects_to_its_own_database_only(people, leaky, scratch_database):
    other = create_engine(scratch_database(f"gcrm_test_other_{os.getpid()}"))
    try:
        migrate.upgrade(other)  # another gcrm database on the same server
    finally:
        other.dispose()
    login = leaky["sam"]
    with login.connect() as conn:
        assert conn.execute(text("SELECT current_database()")).scalar_one() == people.url.database
    for database in ("postgres", "template1", other.url.database):
        engine = create_engine(login.url.set(database=database))
        try:
            with pytest.raises(OperationalError, match="permission denied for database"):
                engine.connect()
        finally:
            engine.dispose()
    # A database gcrm does not manage may still be open to PUBLIC: sql-login names it.
    reachable = users.reachable_databases("sam", engine=people)
    assert not {"postgres", "template1", other.url.database} & set(reachable)
    plain = scratch_database(f"gcrm_test_plain_{os.getpid()}").rsplit("/", 1)[1]
    assert plain in users.reachable_databases("sam", engine=people)


# --- 6. users, regions of users -----------------------------------------------------------

def test_a_manager_sees_only_their_own_user_and_regions(people, leaky):
    sam = leaky["sam"]
    assert _ids(sam, "SELECT username FROM app_users") == ["sam"]
    assert _ids(sam, "SELECT user_id FROM user_regions") == _operator_ids(
        people, "SELECT id FROM app_users WHERE username = 'sam'")
    # The other roles keep every user (the users page is an admin's).
    assert len(_ids(leaky["ana"], "SELECT username FROM app_users")) == 6


def test_a_managers_cube_export_holds_no_company_wide_counts(people, leaky, as_user, tmp_path):
    import json

    from gcrm import cube
    from gcrm.cube.export import export

    cube.build(engine=people)
    # sam's own login: the build's counts are refused, its time and months are not.
    with pytest.raises(ProgrammingError, match="permission denied"):
        _ids(leaky["sam"], "SELECT source_rows::text FROM cube_builds")
    assert len(_ids(leaky["sam"], "SELECT finished_at FROM cube_builds")) == 1
    # Through gcrm: sam's export says when the cube was built, not how big the company is.
    export(tmp_path / "sam.csv", ["revenue"], level="county", engine=as_user("sam"))
    build = json.loads((tmp_path / "sam.csv.meta.json").read_text())["build"]
    assert build["finished_at"] and build["source_rows"] is None
    export(tmp_path / "ana.csv", ["revenue"], level="county", engine=as_user("ana"))
    build = json.loads((tmp_path / "ana.csv.meta.json").read_text())["build"]
    assert build["source_rows"]["accounts"] == 4
