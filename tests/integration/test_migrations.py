"""The schema is built by Alembic migrations, and the migrations match the models."""

import os

from sqlalchemy import create_engine, inspect, text

from gcrm.db import migrate
from gcrm.db.models import Base

MODEL_TABLES = {table.name for table in Base.metadata.sorted_tables}


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"spatial_ref_sys", "alembic_version"}


def test_upgrade_to_head_then_downgrade_to_base_then_upgrade_again(scratch_database):
    engine = create_engine(scratch_database(f"gcrm_test_migrations_{os.getpid()}"))
    try:
        migrate.upgrade(engine)
        assert _tables(engine) == MODEL_TABLES
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        with engine.connect() as conn:
            extensions = set(conn.execute(text("SELECT extname FROM pg_extension")).scalars())
        assert {"postgis", "pg_trgm", "pgcrypto"} <= extensions

        migrate.downgrade(engine, "base")
        assert _tables(engine) == set()
        assert migrate.current_revision(engine) is None

        migrate.upgrade(engine)
        assert _tables(engine) == MODEL_TABLES
    finally:
        engine.dispose()


def test_the_health_of_a_schema_behind_the_code_is_reported_not_a_crash(scratch_database):
    """A database one migration behind (the code knows a table it lacks yet): status
    reports its revision and the head to upgrade to, and counts the tables it has."""
    from gcrm.health import database_health

    engine = create_engine(scratch_database(f"gcrm_test_behind_{os.getpid()}"))
    try:
        migrate.upgrade(engine)
        head = migrate.head_revision(engine)
        migrate.downgrade(engine, "-1")
        health = database_health(engine)
        assert health.revision != head and health.head == head
        assert "accounts" in health.row_counts and not health.up_to_date
    finally:
        engine.dispose()


def test_models_and_migrations_agree(engine):
    assert migrate.schema_drift(engine) == []


def test_drift_check_notices_a_column_the_migrations_lack(scratch_database):
    engine = create_engine(scratch_database(f"gcrm_test_drift_{os.getpid()}"))
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE sites DROP COLUMN city"))
        drift = migrate.schema_drift(engine)
        assert [(d[0], d[3].name) for d in drift if d[0] == "add_column"] == [
            ("add_column", "city")
        ]
    finally:
        engine.dispose()


def test_every_geometry_column_has_a_gist_index(engine):
    with engine.connect() as conn:
        geometry_columns = set(
            tuple(r) for r in conn.execute(
                text(
                    "SELECT f_table_name, f_geometry_column FROM geometry_columns g "
                    "JOIN pg_class c ON c.relname = g.f_table_name AND c.relkind = 'r' "
                    "WHERE f_table_schema = 'public'"
                )
            ).all()
        )
        gist_indexed = set(
            tuple(r) for r in conn.execute(
                text(
                    """
                    SELECT t.relname, a.attname
                    FROM pg_index i
                    JOIN pg_class ix ON ix.oid = i.indexrelid
                    JOIN pg_am am ON am.oid = ix.relam AND am.amname = 'gist'
                    JOIN pg_class t ON t.oid = i.indrelid
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
                    """
                )
            ).all()
        )
    expected = {
        ("accounts", "geom"), ("accounts", "geom_masked"), ("reps", "home_geom"),
        ("regions", "geom"), ("sites", "geom"),
        ("trade_areas", "geom"), ("territories", "geom"), ("geocode_cache", "geom"),
        ("ref_addresses", "geom"), ("ref_postcodes", "geom"), ("ref_places", "geom"),
        ("region_parts", "geom"), ("road_nodes", "geom"), ("road_edges", "geom"),
        ("basemap_features", "geom"),
        ("visit_routes", "home_leg"), ("visit_stops", "leg"),
    }
    assert geometry_columns == expected
    assert geometry_columns <= gist_indexed
