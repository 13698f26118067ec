"""Users, sign-in and the audit log."""

from functools import partial

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from typer.testing import CliRunner

from gcrm import audit
from gcrm.access import users
from gcrm.cli import app
from gcrm.errors import GcrmError


def test_sign_in_checks_the_argon2_hash_and_is_audited(people):
    user = users.authenticate("nora", "manager password", engine=people)
    assert user.role == "manager" and user.regions == ("state:N",)
    assert users.authenticate("nora", "Manager password", engine=people) is None
    assert users.authenticate("nobody", "manager password", engine=people) is None
    with people.connect() as conn:
        stored = conn.execute(text(
            "SELECT password_hash FROM app_users WHERE username = 'nora'")).scalar_one()
    assert stored.startswith("$argon2id$") and "manager password" not in stored
    log = audit.recent(engine=people)
    signins = log[log["action"].str.startswith("sign_in")]
    assert signins[["action", "target"]].values.tolist() == [
        ["sign_in.failed", "nobody"], ["sign_in.failed", "nora"], ["sign_in", "nora"]]


def test_role_changes_are_audited_with_who_did_it(people):
    users.set_role("pat", "analyst", actor="ada", engine=people)
    users.set_regions("nora", ["S1"], actor="ada", engine=people)
    users.disable("sam", actor="ada", engine=people)
    log = audit.recent(engine=people).head(3)
    assert log[["actor", "action", "target"]].values.tolist() == [
        ["ada", "user.disable", "sam"], ["ada", "user.set_regions", "nora"],
        ["ada", "user.set_role", "pat"]]
    assert log.iloc[2]["details"] == {"from": "planner", "to": "analyst"}


def test_the_audit_log_is_append_only_even_for_the_operator(people, as_user):
    for engine in (people, as_user("ada")):
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with engine.begin() as conn, pytest.raises(DBAPIError, match="append-only|denied"):
                conn.execute(text(statement))


def test_a_users_audit_entries_carry_their_own_name(as_user, people):
    audit.record("export.cube", "cube.csv", {"rows": 3}, actor="ada",
                 engine=as_user("ana"))  # claims to be someone else
    assert audit.recent("export.cube", engine=people).iloc[0]["actor"] == "ana"


def test_bad_user_input_is_refused_with_a_reason(people):
    with pytest.raises(GcrmError, match="must start with a lowercase letter"):
        users.add_user("Robert'); DROP TABLE accounts;--", "admin", engine=people)
    with pytest.raises(GcrmError, match="Unknown role 'owner'"):
        users.add_user("olga", "owner", engine=people)
    with pytest.raises(GcrmError, match="exists"):
        users.add_user("nora", "analyst", engine=people)
    with pytest.raises(GcrmError, match="No region 'XX'"):
        users.add_user("olga", "manager", regions=["XX"], engine=people)
    with pytest.raises(GcrmError, match="at least 10"):
        users.add_user("olga", "manager", password="short", engine=people)
    assert "olga" not in users.list_users(engine=people)["username"].tolist()


def test_the_users_cli(world, use_database):
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "lena", "--role", "manager",
                                "--regions", "N1", "--name", "Lena"],
                          input="a long password\na long password\n")
    assert added.exit_code == 0, added.output
    assert "Added lena (manager; regions county:N1)" in added.output
    assert users.authenticate("lena", "a long password", engine=world) is not None
    users.add_user("omar", "analyst", engine=world)  # no display name
    listed = runner.invoke(app, ["users", "list"])
    assert listed.exit_code == 0, listed.output
    assert "lena" in listed.output and "county:N1" in listed.output and "omar" in listed.output
    assert runner.invoke(app, ["users", "set-role", "lena", "analyst"]).exit_code == 0
    assert users.get_user("lena", engine=world).role == "analyst"
    assert runner.invoke(app, ["users", "disable", "lena"]).exit_code == 0
    assert users.authenticate("lena", "a long password", engine=world) is None
    bad = runner.invoke(app, ["users", "set-role", "lena", "owner"])
    assert bad.exit_code != 0 and "Unknown role 'owner'" in bad.output


def test_single_sign_on_maps_the_providers_email_to_an_enabled_user(people):
    users.add_user("olga", "analyst", email="Olga@Corp.example", engine=people)
    sso = partial(users.authenticate_sso, engine=people)
    assert sso("olga@corp.example", email_verified=True).username == "olga"
    assert sso("olga@corp.example", email_verified=False) is None  # could be anybody
    assert sso("stranger@corp.example", email_verified=True) is None
    users.disable("olga", engine=people)
    assert sso("olga@corp.example", email_verified=True) is None
    log = audit.recent(engine=people)
    methods = log[log["action"].str.startswith("sign_in")]
    assert methods[["action", "target"]].values.tolist()[:4] == [
        ["sign_in.failed", "olga@corp.example"], ["sign_in.failed", "stranger@corp.example"],
        ["sign_in.failed", "olga@corp.example"], ["sign_in", "olga"]]
    assert methods["details"].iloc[2]["reason"] == "email not verified"


def test_one_email_belongs_to_one_user_only(people):
    users.add_user("olga", "analyst", email="olga@corp.example", engine=people)
    with pytest.raises(GcrmError, match="belongs to user 'olga'"):
        users.add_user("oleg", "admin", email="OLGA@corp.example ", engine=people)
    with people.begin() as conn, pytest.raises(IntegrityError):  # the database agrees
        conn.execute(text("INSERT INTO app_users (username, email, role, pg_role) "
                          "VALUES ('oleg', 'Olga@Corp.Example', 'admin', 'x')"))
    assert users.list_users(engine=people)["username"].tolist().count("oleg") == 0


def test_a_sql_login_sends_the_server_a_verifier_never_the_password(people):
    from sqlalchemy import create_engine, event

    sent = []
    listener = lambda conn, cursor, statement, *rest: sent.append(statement)  # noqa: E731
    event.listen(people, "before_cursor_execute", listener)
    try:
        password = users.sql_login("ana", engine=people)
    finally:
        event.remove(people, "before_cursor_execute", listener)
    assert not any(password in statement for statement in sent)
    assert any("PASSWORD 'SCRAM-SHA-256$" in statement for statement in sent)
    role = users.get_user("ana", engine=people).pg_role
    login = create_engine(people.url.set(username=role, password=password))
    try:  # and the password works
        with login.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == role
    finally:
        login.dispose()
