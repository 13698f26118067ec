"""Schema migrations with Alembic: upgrade, downgrade, new revisions, and drift checks."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2 import alembic_helpers
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Tables that PostGIS and its companions create; they are not ours to migrate.
_FOREIGN_TABLES = {"spatial_ref_sys", "topology", "layer"}
# Expression indexes made in migrations, which autogenerate cannot compare with a model.
_EXPRESSION_INDEXES = {"uq_app_users_email"}


def include_object(obj, name, obj_type, reflected, compare_to) -> bool:
    """What Alembic compares: our tables, not those of installed extensions."""
    if obj_type == "table" and name in _FOREIGN_TABLES:
        return False
    if obj_type == "index" and name in _EXPRESSION_INDEXES:
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def schema_drift(engine: Engine) -> list:
    """Differences between the models and the database (empty when they agree)."""
    from gcrm.db.models import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        return compare_metadata(context, Base.metadata)


def new_revision(engine: Engine, message: str) -> None:
    """Autogenerate a migration from the difference between models and database."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
