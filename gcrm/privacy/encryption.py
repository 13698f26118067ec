"""Interaction notes encrypted at rest with pgcrypto; the key lives in a file, not the database.

With ``GCRM_ENCRYPTION_KEY_FILE`` set, every gcrm connection carries the key in the session
setting ``gcrm.key``; loads encrypt new notes as they arrive, ``interaction_history``
decrypts them for the roles allowed to read notes, and without the key they read
"[encrypted]". ``rotate_key`` re-encrypts everything with a new key in one transaction.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine, read_key
from gcrm.errors import ConfigurationError, GcrmError
from gcrm.privacy import sql


def new_key(path: Path) -> Path:
    """Write a fresh random key to ``path`` (mode 600); refuses to overwrite one."""
    path = Path(path)
    if path.exists():
        raise GcrmError(f"{path} exists; a key is never overwritten (rotate instead).")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    return path


def encrypt_notes(conn: Connection) -> int:
    """Encrypt the notes still in clear text (none without a key); returns how many."""
    return conn.execute(text(sql.ENCRYPT_NOTES)).rowcount


def encrypt_all(*, engine: Engine | None = None) -> int:
    engine = engine or get_engine()
    with engine.begin() as conn:
        if not conn.execute(text(sql.HAS_KEY)).scalar_one():
            raise ConfigurationError("No encryption key: set GCRM_ENCRYPTION_KEY_FILE "
                                     "(`gcrm privacy new-key FILE` writes one).")
        n = encrypt_notes(conn)
        audit.record("privacy.encrypt_notes", "interactions", {"rows": n}, connection=conn)
    return n


def rotate_key(old_key_file: Path, new_key_file: Path, *, engine: Engine | None = None) -> int:
    """Re-encrypt every encrypted note from the old key to the new one; returns how many.

    Afterwards point GCRM_ENCRYPTION_KEY_FILE at the new file and destroy the old one.
    """
    old, new = read_key(old_key_file), read_key(new_key_file)
    if old == new:
        raise GcrmError("The new key is the same as the old one.")
    engine = engine or get_engine()
    with engine.begin() as conn:
        n = conn.execute(text(sql.REENCRYPT_NOTES), {"old": old, "new": new}).rowcount
        audit.record("privacy.rotate_key", "interactions", {"rows": n}, connection=conn)
    return n
