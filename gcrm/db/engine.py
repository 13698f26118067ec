"""Engine and sessions. The URL comes from settings: ``GCRM_DATABASE_URL`` or the local cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from gcrm.config import Settings, get_settings
from gcrm.db.cluster import LocalCluster


def database_url(settings: Settings | None = None) -> str:
    """The SQLAlchemy URL gcrm uses: the configured server, else the managed cluster."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    return LocalCluster.from_settings(settings).url()


def uses_local_cluster(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return not settings.database_url


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine, created on first use."""
    return make_engine(database_url())


def make_engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, future=True)


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
