"""Shared fixtures: a real PostGIS test database, migrated once, a rolled-back session per test.

The server is the one gcrm is configured for: the managed local cluster
(started by ``make test``) or ``GCRM_DATABASE_URL``. A missing server is a
failure, never a skip.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gcrm.db import migrate
from gcrm.db.engine import database_url

TEST_DATABASE = "gcrm_test"
_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _main_module_restored():
    """Streamlit's AppTest installs each script it runs as ``sys.modules["__main__"]``
    and leaves it there. A Dask worker process started later (spawn) re-imports that
    script's file, which AppTest has since deleted, and dies at start ("Nanny failed
    to start"). Every test therefore begins and ends with the test process's own
    ``__main__``."""
    sys.modules["__main__"] = _MAIN
    yield
    sys.modules["__main__"] = _MAIN


@pytest.fixture(scope="session")
def server_engine() -> Iterator[Engine]:
    """An autocommit engine on the server's maintenance database, for CREATE/DROP DATABASE."""
    url = make_url(database_url()).set(database="postgres")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        pytest.fail(
            f"PostGIS is not reachable at {url.render_as_string(hide_password=True)}: {exc.orig}. "
            "Run the suite with `make test` (it starts the database), or set GCRM_DATABASE_URL.",
            pytrace=False,
        )
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def scratch_database(server_engine):
    """Factory: a fresh empty database by name (dropped first if left over); returns its URL."""
    created = []

    def make(name: str) -> str:
        with server_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return server_engine.url.set(database=name).render_as_string(hide_password=False)

    yield make
    with server_engine.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            # The database's PostgreSQL roles (gcrm groups and users) are server-wide.
            prefix = conn.execute(text("SELECT 'gcrm_' || substr(md5(:n), 1, 8)"),
                                  {"n": name}).scalar_one()
            for (role,) in conn.execute(text(
                    "SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p)"),
                    {"p": prefix + "_"}).all():
                conn.execute(text(f'DROP ROLE "{role}"'))


@pytest.fixture(scope="session")
def engine(scratch_database) -> Iterator[Engine]:
    """The test database, migrated to head once per session."""
    engine = create_engine(scratch_database(f"{TEST_DATABASE}_{os.getpid()}"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may commit: its commits become SAVEPOINT releases.
    """
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        transaction.rollback()


@pytest.fixture
def db(engine) -> Iterator[Engine]:
    """The test database for code that commits (loads, geocoding); emptied after the test."""
    yield engine
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


@pytest.fixture
def use_database(engine, monkeypatch):
    """Point gcrm's own settings and engine at the test database (for CLI and app tests)."""
    from gcrm.config import get_settings
    from gcrm.db.engine import reset_engines

    monkeypatch.setenv("GCRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    reset_engines()
    yield engine
    get_settings.cache_clear()
    reset_engines()


@pytest.fixture
def world(db, tmp_path):
    """The small CRM world of tests/crm_world.py, loaded; emptied after the test."""
    import crm_world

    crm_world.build(db, tmp_path)
    return db


@pytest.fixture
def people(world):
    """One user per role on the world: a manager of the North state, one of county S1."""
    from gcrm.access import users

    users.add_user("ada", "admin", password="admin password 1", engine=world)
    users.add_user("ana", "analyst", password="analyst password", engine=world)
    users.add_user("mia", "marketer", password="marketer password", engine=world)
    users.add_user("pat", "planner", password="planner password", engine=world)
    users.add_user("nora", "manager", password="manager password", regions=["state:N"],
                   engine=world)
    users.add_user("sam", "manager", password="manager password", regions=["S1"],
                   engine=world)
    return world


@pytest.fixture
def as_user(people):
    """Factory: an engine on the test database acting as a gcrm user (their PostgreSQL role)."""
    from sqlalchemy import create_engine as make

    engines = []

    def engine_for(username: str) -> Engine:
        from gcrm.access import users

        user = users.get_user(username, engine=people)
        engine = make(people.url, connect_args={"options": f"-c role={user.pg_role}"})
        engines.append(engine)
        return engine

    yield engine_for
    for engine in engines:
        engine.dispose()


@pytest.fixture(scope="module")
def delaware(engine, tmp_path_factory):
    """The demo world of Delaware built by ``gcrm demo``'s own code (3,000 accounts, seed
    42: 60 ZIP areas in 3 counties, Wilmington's crowds, the trouble area planted around
    Dover) for one test module, which adds its own users; emptied after the module. Built
    once per test process, restored for the next module (tests/demo_snapshot.py)."""
    from demo_snapshot import demo_world
    from empty_tables import empty_all_tables

    demo_world(engine, tmp_path_factory, seed=42, accounts=3000, states=("DE",))
    yield engine
    empty_all_tables(engine)


@pytest.fixture(scope="session")
def dask_client():
    """A real Dask cluster for the session (2 worker processes, one thread each; an
    in-process cluster would not show what pickling and dying workers do), closed at the
    end. The Dask engine's tests share it, so a test worker starts at most one."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client
