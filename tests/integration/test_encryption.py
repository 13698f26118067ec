"""Interaction notes encrypted at rest with a key kept outside the database."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gcrm import privacy
from gcrm.errors import GcrmError
from gcrm.ingest.load import load_file
from gcrm.privacy import encryption

NOTES = "SELECT external_id, notes FROM interaction_history ORDER BY external_id"


@pytest.fixture
def keyed(people, use_database, monkeypatch, tmp_path):
    """gcrm configured with a key file; returns a function giving its engines afresh."""
    from gcrm.config import get_settings
    from gcrm.db.engine import reset_engines

    key = encryption.new_key(tmp_path / "keys" / "notes.key")
    monkeypatch.setenv("GCRM_ENCRYPTION_KEY_FILE", str(key))
    get_settings.cache_clear()
    reset_engines()
    yield key
    get_settings.cache_clear()
    reset_engines()


def _notes(engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(text(NOTES)).all())


def test_notes_are_stored_encrypted_and_read_back_with_the_key(keyed, people):
    from gcrm.db.engine import engine_for, operator_engine

    assert keyed.stat().st_mode & 0o777 == 0o600
    assert encryption.encrypt_all() == 3
    with people.connect() as conn:  # the raw table, from a connection without the key
        rows = conn.execute(text("SELECT notes, notes_encrypted FROM interactions")).all()
    assert all(notes is None and b"Annabel" not in bytes(enc) for notes, enc in rows)
    assert _notes(people)["I1"] == "[encrypted]"
    assert _notes(operator_engine())["I1"] == "Annabel Northcott asked about hedge trimmers"
    assert _notes(engine_for("ada"))["I1"].startswith("Annabel")
    assert _notes(engine_for("pat"))["I1"] is None  # planners never read notes


def test_loads_encrypt_new_notes_as_they_arrive(keyed, tmp_path):
    from gcrm.db.engine import operator_engine

    path = tmp_path / "more.csv"
    path.write_text("id,account_id,occurred_at,channel,notes\n"
                    "I9,A2,2026-04-01T10:00,phone,Bertram wants a quote\n")
    load_file("interactions", path, source="crm", ref_source="crm")
    with operator_engine().connect() as conn:
        clear = conn.execute(text(
            "SELECT count(*) FROM interactions WHERE notes IS NOT NULL")).scalar_one()
    assert clear == 0
    assert _notes(operator_engine())["I9"] == "Bertram wants a quote"


def test_rotating_the_key_keeps_every_note_readable_with_the_new_key_only(keyed, tmp_path,
                                                                        monkeypatch):
    from gcrm.config import get_settings
    from gcrm.db.engine import operator_engine, reset_engines

    encryption.encrypt_all()
    new = encryption.new_key(tmp_path / "keys" / "notes-2.key")
    assert encryption.rotate_key(keyed, new) == 3
    with pytest.raises(DBAPIError, match="Wrong key"):
        _notes(operator_engine())  # still on the old key
    monkeypatch.setenv("GCRM_ENCRYPTION_KEY_FILE", str(new))
    get_settings.cache_clear()
    reset_engines()
    assert _notes(operator_engine())["I3"].startswith("Desmond Lowry")
    with pytest.raises(GcrmError, match="never overwritten"):
        encryption.new_key(new)


def test_erasure_removes_encrypted_notes_too(keyed, people):
    encryption.encrypt_all()
    privacy.erase(source="crm", external_id="A1", engine=people)
    with people.connect() as conn:
        left = conn.execute(text(
            "SELECT count(*) FROM interactions i JOIN accounts a ON a.id = i.account_id "
            "WHERE a.external_id = 'A1' AND i.notes_encrypted IS NOT NULL")).scalar_one()
    assert left == 0
