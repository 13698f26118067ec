"""Engine and sessions. The URL comes from settings: ``GCRM_DATABASE_URL`` or the local cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from gcrm.config import Settings, get_settings
from gcrm.db.cluster import LocalCluster
from gcrm.errors import ConfigurationError, InvalidInput, UnknownUser


def database_url(settings: Settings | None = None) -> str:
    """The SQLAlchemy URL gcrm uses: the configured server, else the managed cluster."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    return LocalCluster.from_settings(settings).url()


def uses_local_cluster(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return not settings.database_url


def get_engine() -> Engine:
    """The engine gcrm's functions use: the user's (``GCRM_USER``) or the operator's."""
    user = get_settings().user
    return engine_for(user) if user else operator_engine()


@lru_cache(maxsize=1)
def operator_engine() -> Engine:
    """The operator's engine (loads, migrations, user administration), created on first use."""
    return make_engine(database_url())


@lru_cache(maxsize=64)
def engine_for(username: str) -> Engine:
    """An engine whose every connection acts as the gcrm user ``username``.

    The connection starts with the user's PostgreSQL role (``-c role=...``), so grants,
    row-level security and masking apply to every statement, and RESET ROLE returns to it.
    """
    with operator_engine().connect() as conn:
        row = conn.execute(text(_USER_ROLE), {"username": username}).first()
    if row is None:
        raise UnknownUser(f"No gcrm user {username!r}; `gcrm users list` shows who exists.")
    if row.disabled:
        raise UnknownUser(f"User {username!r} is disabled.")
    return make_engine(database_url(), connect_args={"options": f"-c role={row.pg_role}"})


_USER_ROLE = "SELECT pg_role, disabled FROM app_users WHERE username = :username"


def make_engine(url: str, **kwargs) -> Engine:
    engine = create_engine(url, pool_pre_ping=True, future=True, **kwargs)
    key_file = get_settings().encryption_key_file
    if key_file is not None:
        key = read_key(key_file)

        @event.listens_for(engine, "connect")
        def _set_key(dbapi_connection, _record) -> None:
            # Session-wide, for this connection only; committed so a rollback keeps it.
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT set_config('gcrm.key', %s, false)", (key,))
            dbapi_connection.commit()

    return engine


def read_key(path) -> str:
    """The encryption key from its file (see ``gcrm privacy new-key``)."""
    try:
        key = Path(path).read_text().strip()
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the encryption key file {path}: {exc}.") from None
    if len(key) < 16:
        raise ConfigurationError(f"The encryption key in {path} is too short (16+ characters).")
    return key


@event.listens_for(Engine, "before_cursor_execute")  # every engine, the tests' included
def _refuse_nul(conn, cursor, statement, parameters, context, executemany) -> None:
    """PostgreSQL text cannot hold NUL; say so in words instead of a driver error."""
    batches = parameters if executemany else [parameters]
    for params in batches or ():
        values = params.values() if isinstance(params, dict) else (params or ())
        for value in values:
            items = value if isinstance(value, list | tuple) else (value,)
            if any(isinstance(v, str) and "\x00" in v for v in items):
                raise InvalidInput("A value contains a NUL character (\\x00), which text "
                                   "cannot hold; remove it and try again.")


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def reset_engines() -> None:
    """Forget every cached engine (after settings change, e.g. in tests)."""
    if operator_engine.cache_info().currsize:
        operator_engine().dispose()
    operator_engine.cache_clear()
    engine_for.cache_clear()
