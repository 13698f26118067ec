"""A demo world built once per test process and restored for every module that asks for it.

Building the Delaware demo with ``gcrm demo``'s own code takes seconds alone and much
longer beside the other test process, and a dozen modules start from the same world. The
first module to ask builds it and copies every gcrm table, and where each sequence stood,
into a schema of its own (``demo_snapshot_<seed>_<accounts>_<states>``, which no app role
can read); the next ones empty the tables and copy the rows back in one transaction. What
a module sees is the world the build left, row for row, ids included.

The world holds no users (``build_demo`` adds none), so no PostgreSQL role depends on it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

_built: dict[tuple[str, str], Path] = {}  # (database, snapshot) -> the build's folder


def demo_world(engine: Engine, folders, *, seed: int, accounts: int,
               states: tuple[str, ...]) -> Path:
    """The demo world of ``seed``/``accounts``/``states`` in ``engine``'s database, built
    the first time in this process (in a folder from ``folders``, a
    ``tmp_path_factory``), restored from its snapshot after that. Returns the folder of
    the build's files."""
    from gcrm.demo import build_demo

    schema = f"demo_snapshot_{seed}_{accounts}_{'_'.join(states).lower()}"
    key = (engine.url.render_as_string(hide_password=True), schema)
    if key in _built:
        _restore(engine, schema)
        return _built[key]
    from empty_tables import empty_all_tables

    empty_all_tables(engine)
    folder = folders.mktemp("demo")
    build_demo(folder, seed=seed, accounts=accounts, states=states, engine=engine)
    _save(engine, schema)
    _built[key] = folder
    return folder


def _tables() -> list[str]:
    from gcrm.db.models import Base

    return [t.name for t in Base.metadata.sorted_tables]


def _stored_columns(table: str) -> str:
    """The table's columns a row is written with (not the generated ones), quoted."""
    from gcrm.db.models import Base

    return ", ".join(f'"{c.name}"' for c in Base.metadata.tables[table].columns
                     if c.computed is None)


def _save(engine: Engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        for table in _tables():
            conn.execute(text(f'CREATE TABLE {schema}."{table}" AS TABLE public."{table}"'))
        conn.execute(text(
            f"CREATE TABLE {schema}._sequences AS SELECT sequencename, last_value "
            "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"))


def _restore(engine: Engine, schema: str) -> None:
    tables = _tables()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no triggers
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        for table in tables:
            columns = _stored_columns(table)
            conn.execute(text(f'INSERT INTO public."{table}" ({columns}) '
                              f'SELECT {columns} FROM {schema}."{table}"'))
        conn.execute(text(f"SELECT setval('public.' || quote_ident(sequencename), last_value) "
                          f"FROM {schema}._sequences"))
        for table in tables:
            conn.execute(text(f'ANALYZE public."{table}"'))
