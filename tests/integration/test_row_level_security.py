"""Managers see their regions only, whatever they run: raw SQL on their own database
login, raw SQL through the application's connection, and every public gcrm function."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from gcrm import audit, health, privacy, regions
from gcrm.access import users
from gcrm.errors import GcrmError
from gcrm.ingest.load import load_file

FACTS = """
SELECT (SELECT count(*) FROM accounts) AS accounts,
       (SELECT coalesce(sum(amount), 0) FROM sales) AS revenue,
       (SELECT count(*) FROM service_cases) AS cases,
       (SELECT count(*) FROM interactions) AS interactions,
       (SELECT count(*) FROM account_profiles) AS profiles,
       (SELECT string_agg(external_id, ',' ORDER BY external_id) FROM accounts) AS ids
"""


def _facts(engine):
    with engine.connect() as conn:
        return dict(conn.execute(text(FACTS)).mappings().one())


def test_a_state_manager_sees_the_state_and_everything_inside_it(as_user):
    facts = _facts(as_user("nora"))  # manager of state N (counties N1 and N2)
    assert facts == {"accounts": 2, "revenue": 350, "cases": 1, "interactions": 1,
                     "profiles": 2, "ids": "A1,A2"}


def test_a_county_manager_sees_that_county_only(as_user):
    facts = _facts(as_user("sam"))  # manager of county S1
    assert facts == {"accounts": 2, "revenue": 1200, "cases": 2, "interactions": 2,
                     "profiles": 2, "ids": "A3,A4"}


def test_every_other_role_sees_every_region(as_user):
    for username in ("ada", "ana", "mia", "pat"):  # admin, analyst, marketer, planner
        with as_user(username).connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM account_profiles")).scalar_one() == 4
            assert conn.execute(text("SELECT sum(amount) FROM sales")).scalar_one() == 1550


def test_a_manager_on_their_own_database_login_cannot_escape(people):
    password = users.sql_login("nora", engine=people)
    user = users.get_user("nora", engine=people)
    login = create_engine(people.url.set(username=user.pg_role, password=password))
    try:
        assert _facts(login)["ids"] == "A1,A2"
        with login.connect() as conn:
            for attempt in ("RESET ROLE", "SET ROLE NONE"):
                conn.execute(text(attempt))
                assert conn.execute(text("SELECT count(*) FROM sales")).scalar_one() == 3
        prefix = user.pg_role.split("_u_")[0]
        for statement in (f"SET ROLE {prefix}_admin", "SET ROLE gcrm",
                          "UPDATE accounts SET status = 'customer'",
                          "DELETE FROM sales", "UPDATE user_regions SET region_id = 0",
                          "INSERT INTO user_regions VALUES (1, 1)",
                          "SELECT password_hash FROM app_users",
                          "SELECT * FROM geocode_cache"):
            with login.connect() as conn, pytest.raises(ProgrammingError) as err:
                conn.execute(text(statement))
            assert "permission denied" in str(err.value)
    finally:
        login.dispose()


def test_a_manager_cannot_fake_their_role_with_lookalike_tables(people):
    """Temporary tables come first on PostgreSQL's search path: a fake ``app_users`` must
    change nothing. Users get no TEMP right at all; and were it granted back, the access
    functions still read the real tables."""
    password = users.sql_login("nora", engine=people)
    user = users.get_user("nora", engine=people)
    login = create_engine(people.url.set(username=user.pg_role, password=password))
    fake = ("CREATE TEMP TABLE app_users AS SELECT 1::bigint AS id, 'nora'::text AS username, "
            "'admin'::text AS role, current_user::text AS pg_role, false AS disabled")
    try:
        with login.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(fake))
        with people.begin() as conn:
            conn.execute(text(f'GRANT TEMPORARY ON DATABASE "{people.url.database}" '
                              f'TO "{user.pg_role}"'))
        with login.connect() as conn:
            conn.execute(text(fake))
            conn.execute(text("CREATE TEMP TABLE user_regions AS "
                              "SELECT 1::bigint AS user_id, id AS region_id FROM regions"))
            conn.execute(text("CREATE TEMP TABLE pg_roles AS SELECT current_user::name AS "
                              "rolname, true AS rolsuper, true AS rolbypassrls"))
            conn.execute(text("SET search_path = pg_temp, pg_catalog, public"))
            assert conn.execute(text("SELECT public.gcrm_current_role()")).scalar() == "manager"
            ids = conn.execute(text("SELECT string_agg(external_id, ',' ORDER BY external_id) "
                                    "FROM public.accounts")).scalar()
            assert ids == "A1,A2"
            profile = conn.execute(text("SELECT count(*), min(name) FROM "
                                        "public.account_profiles")).one()
            assert profile[0] == 2
            conn.execute(text("INSERT INTO public.audit_log (id, actor, action) "
                              "VALUES (999999, 'ada', 'forged')"))
            conn.commit()
        with people.connect() as conn:
            row = conn.execute(text("SELECT id, actor FROM audit_log "
                                    "WHERE action = 'forged'")).one()
        assert row.actor == "nora" and row.id < 999999
        # Switching to her own group: she sees nothing and cannot write in the log.
        prefix = user.pg_role.split("_u_")[0]
        with login.connect() as conn:
            conn.execute(text(f"SET ROLE {prefix}_manager"))
            assert conn.execute(text("SELECT count(*) FROM public.accounts")).scalar() == 0
            with pytest.raises(ProgrammingError, match="as themselves"):
                conn.execute(text("INSERT INTO public.audit_log (action, actor) "
                                  "VALUES ('user.set_role', 'ada')"))
    finally:
        login.dispose()


def test_the_audit_log_cannot_be_emptied(people, as_user):
    with people.connect() as conn, pytest.raises(ProgrammingError, match="append-only"):
        conn.execute(text("TRUNCATE audit_log"))
    with as_user("ada").connect() as conn, pytest.raises(ProgrammingError):
        conn.execute(text("TRUNCATE audit_log"))


def test_public_gcrm_functions_as_a_manager(as_user, tmp_path):
    nora = as_user("nora")
    # Reading: the region tree is shared; everything about accounts is scoped.
    assert set(regions.levels(engine=nora)["name"]) == {"state", "county"}
    assert regions.children("N", engine=nora)["code"].tolist() == ["N1", "N2"]
    assert regions.ancestors("S1", engine=nora)["code"].tolist() == ["S"]
    assert len(regions.frame("county", engine=nora)) == 3
    assert regions.unassigned(engine=nora).empty
    counts = health.database_health(nora).row_counts
    assert (counts["accounts"], counts["sales"], counts["service_cases"]) == (2, 3, 1)
    assert "geocode_cache" not in counts and "app_users" in counts
    # Writing and the operator's tools are refused by the database.
    refused = [
        lambda: regions.assign(engine=nora),
        lambda: privacy.erase(1, engine=nora),
        lambda: privacy.contacts("email", engine=nora),
        lambda: audit.recent(engine=nora),
    ]
    for call in refused:
        with pytest.raises(ProgrammingError, match="permission denied"):
            call()
    path = tmp_path / "accounts.csv"
    path.write_text("id,name\nZ9,Zed\n")
    with pytest.raises((ProgrammingError, GcrmError), match="permission denied"):
        load_file("accounts", path, source="crm", engine=nora)


def test_the_cube_shows_a_manager_only_cells_made_of_their_accounts(people, as_user):
    from gcrm import cube

    cube.build(engine=people)
    operator = cube.query(["revenue", "accounts"], level="county", engine=people)
    assert operator["code"].tolist() == ["N1", "N2", "S1"]
    nora = cube.query(["revenue", "accounts"], level="county", engine=as_user("nora"))
    assert nora["code"].tolist() == ["N1", "N2"] and nora["revenue"].sum() == 350
    # State S holds only county S1's accounts, so its total is his accounts' total: shown.
    # State N is not.
    sam = cube.query(["revenue"], level="state", engine=as_user("sam"))
    assert sam["code"].tolist() == ["S"] and sam["revenue"].sum() == 1200
    sam = cube.query(["revenue"], level="county", engine=as_user("sam"))
    assert sam["code"].tolist() == ["S1"] and sam["revenue"].sum() == 1200
    with as_user("sam").connect() as conn:  # and raw SQL on the cube tables agrees
        codes = conn.execute(text("SELECT DISTINCT r.code FROM cube_sales c JOIN regions r "
                                  "ON r.id = c.region_id ORDER BY 1")).scalars().all()
    assert "N1" not in codes and "N" not in codes


def test_gcrm_user_setting_makes_every_function_act_as_that_user(people, use_database,
                                                                 monkeypatch):
    from gcrm.config import get_settings
    from gcrm.db.engine import reset_engines

    monkeypatch.setenv("GCRM_USER", "sam")
    get_settings.cache_clear()
    reset_engines()
    assert health.database_health().row_counts["accounts"] == 2
    monkeypatch.delenv("GCRM_USER")
    get_settings.cache_clear()
    reset_engines()
    assert health.database_health().row_counts["accounts"] == 4  # the operator


def test_a_disabled_user_loses_every_right_at_once(people, as_user):
    nora = as_user("nora")  # a connection opened before the change
    users.disable("nora", engine=people)
    with nora.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("SELECT count(*) FROM account_profiles"))
    assert users.authenticate("nora", "manager password", engine=people) is None


def test_changing_a_managers_regions_changes_what_they_see(people, as_user):
    users.set_regions("nora", ["S1", "county:N2"], engine=people)
    assert _facts(as_user("nora"))["ids"] == "A2,A3,A4"
    users.set_role("nora", "analyst", engine=people)
    assert _facts_profiles(as_user("nora")) == 4


def _facts_profiles(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM account_profiles")).scalar_one()


@pytest.mark.parametrize("command", [
    ["privacy", "contacts", "--channel", "email", "--out", "x.csv"],
    ["privacy", "erase", "--account", "1", "--yes"],
    ["regions", "assign"],
    ["users", "list"],
])
def test_the_command_line_as_a_manager_refuses_what_the_role_may_not_do(people, use_database,
                                                                        monkeypatch, command):
    from typer.testing import CliRunner

    from gcrm.cli import app
    from gcrm.config import get_settings
    from gcrm.db.engine import reset_engines

    monkeypatch.setenv("GCRM_USER", "nora")
    get_settings.cache_clear()
    reset_engines()
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1, result.output
    assert any(reason in result.output for reason in
               ("not allowed", "permission denied", "needs the admin role"))
    assert "Traceback" not in result.output
