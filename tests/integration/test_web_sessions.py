"""Web sessions on PostGIS: a sign-in that survives a reload, and everything that ends it;
and each user reading their own audit entries (migration 0016)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from gcrm import audit
from gcrm.access import sessions, users
from gcrm.errors import GcrmError


def _signed_in(engine, username: str = "nora") -> sessions.Token:
    started = sessions.start(username, engine=engine)
    token = sessions.redeem(started.handoff_code, engine=engine)
    assert token is not None and token.session_id == started.id
    return token


def test_a_redeemed_code_gives_a_token_that_signs_the_user_in(people):
    token = _signed_in(people)
    found = sessions.check(token=token.value, engine=people)
    assert found.live and found.username == "nora"
    assert sessions.check(session_id=token.session_id, engine=people).username == "nora"
    with people.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, handoff_hash, expires_at - created_at "
                                   "FROM web_sessions WHERE id = :id"),
                              {"id": token.session_id}).one()
    assert token.value not in stored[0] and stored[1] is None  # only a hash is kept
    assert stored[2].total_seconds() == 12 * 3600  # GCRM_SESSION_HOURS' default


def test_the_session_time_is_a_setting(people, monkeypatch):
    from gcrm.config import get_settings

    monkeypatch.setenv("GCRM_SESSION_HOURS", "2")
    get_settings.cache_clear()
    try:
        token = _signed_in(people)
    finally:
        get_settings.cache_clear()
    with people.connect() as conn:
        lasts = conn.execute(text("SELECT expires_at - created_at FROM web_sessions "
                                  "WHERE id = :id"), {"id": token.session_id}).scalar_one()
    assert lasts.total_seconds() == 2 * 3600


def test_a_handoff_code_works_once_and_only_soon_after_sign_in(people):
    started = sessions.start("nora", engine=people)
    assert sessions.redeem(started.handoff_code, engine=people) is not None
    assert sessions.redeem(started.handoff_code, engine=people) is None  # replayed
    late = sessions.start("nora", engine=people)
    with people.begin() as conn:
        conn.execute(text("UPDATE web_sessions SET created_at = now() - interval '3 minutes' "
                          "WHERE id = :id"), {"id": late.id})
    assert sessions.redeem(late.handoff_code, engine=people) is None
    assert sessions.redeem("made-up", engine=people) is None


def test_forged_and_expired_tokens_are_refused(people):
    assert sessions.check(token="a" * 43, engine=people).reason == "unknown"
    assert sessions.check(token="", engine=people).reason == "unknown"
    token = _signed_in(people)
    with people.begin() as conn:
        conn.execute(text("UPDATE web_sessions SET expires_at = now() - interval '1 second' "
                          "WHERE id = :id"), {"id": token.session_id})
    found = sessions.check(token=token.value, engine=people)
    assert not found.live and found.reason == "expired"


def test_signing_out_ends_the_session_at_once(people):
    token = _signed_in(people)
    other = _signed_in(people)  # the same user in another browser
    assert sessions.end(token=token.value, engine=people) == "nora"
    assert sessions.check(token=token.value, engine=people).reason == "ended"
    assert sessions.check(token=other.value, engine=people).live
    assert sessions.end(token="not a token", engine=people) is None


def test_disabling_a_user_ends_all_their_sessions_and_says_so_in_the_audit(people):
    first, second = _signed_in(people), _signed_in(people)
    somebody_else = _signed_in(people, "sam")
    users.disable("nora", engine=people)
    assert sessions.check(token=first.value, engine=people).reason == "ended"
    assert sessions.check(token=second.value, engine=people).reason == "ended"
    assert sessions.check(token=somebody_else.value, engine=people).live
    entry = audit.recent("user.disable", engine=people).iloc[0]
    assert entry["target"] == "nora" and entry["details"]["sessions_ended"] == 2
    users.enable("nora", engine=people)  # enabled again: the old cookies stay dead
    assert sessions.check(token=first.value, engine=people).reason == "ended"
    users.disable("nora", engine=people)
    with pytest.raises(GcrmError, match="No enabled user"):  # no new session either
        sessions.start("nora", engine=people)


def test_a_new_password_signs_the_user_out_everywhere(people):
    token = _signed_in(people)
    users.set_password("nora", "a new manager password", engine=people)
    assert sessions.check(token=token.value, engine=people).reason == "ended"


def test_arriving_with_a_cookie_is_audited_either_way(people):
    token = _signed_in(people)
    assert sessions.resume(token.value, engine=people).username == "nora"
    assert not sessions.resume("forged", engine=people).live
    resumed = audit.recent("session.resume", engine=people)
    refused = audit.recent("session.refused", engine=people)
    assert resumed["actor"].tolist() == ["nora"]
    assert refused.iloc[0]["details"]["reason"] == "unknown"


def test_users_cannot_read_the_sessions_table(people, as_user):
    _signed_in(people)
    with as_user("ada").connect() as conn, pytest.raises(ProgrammingError,
                                                         match="permission denied"):
        conn.execute(text("SELECT token_hash FROM web_sessions")).all()


def test_each_user_reads_their_own_audit_entries_only(people, as_user):
    audit.record("cube.export", "ana.csv", {"rows": 3}, engine=as_user("ana"))
    audit.record("export.targets", "mia.csv", {"rows": 5}, engine=as_user("mia"))
    with as_user("ana").connect() as conn:
        mine = conn.execute(text("SELECT actor, action, target FROM my_audit_log")).all()
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("SELECT * FROM audit_log")).all()
    assert {r.actor for r in mine} == {"ana"}
    assert ("ana", "cube.export", "ana.csv") in [tuple(r) for r in mine]
    with as_user("mia").connect() as conn:
        theirs = conn.execute(text("SELECT actor, target FROM my_audit_log")).all()
    assert [tuple(r) for r in theirs] == [("mia", "mia.csv")]
