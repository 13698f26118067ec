"""What state the database is in: versions, size, schema revision, rows per table.

Used by ``gcrm db status`` and the dashboard's home page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import OperationalError

from gcrm.db.engine import get_engine
from gcrm.db.migrate import current_revision, head_revision
from gcrm.db.models import Base
from gcrm.errors import DatabaseUnavailable


@dataclass(frozen=True)
class DatabaseHealth:
    server_version: str
    postgis_version: str | None
    database: str
    size_bytes: int
    size_pretty: str
    revision: str | None
    head: str | None
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        return self.revision is not None and self.revision == self.head


def database_health(engine: Engine | None = None) -> DatabaseHealth:
    """Report on the database; raises DatabaseUnavailable with a next step when unreachable."""
    engine = engine or get_engine()
    try:
        with engine.connect() as conn:
            server = conn.execute(text("SHOW server_version")).scalar_one()
            database = conn.execute(text("SELECT current_database()")).scalar_one()
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            pretty = conn.execute(text("SELECT pg_size_pretty(CAST(:s AS bigint))"), {"s": size})
            postgis = conn.execute(
                text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            ).scalar_one_or_none()
            revision = current_revision(engine)
            counts = {}
            if revision is not None:
                exists = text("SELECT to_regclass(:t) IS NOT NULL")
                readable = text("SELECT has_any_column_privilege(:t, 'SELECT')")
                for table in Base.metadata.sorted_tables:
                    # A schema behind the code lacks the newest tables: status still
                    # reports (and says to upgrade) rather than fail on them.
                    if not conn.execute(exists, {"t": table.name}).scalar_one():
                        continue
                    # Rows the caller may see: row-level security counts for users.
                    if not conn.execute(readable, {"t": table.name}).scalar_one():
                        continue
                    counts[table.name] = conn.execute(
                        select(text("count(*)")).select_from(table)
                    ).scalar_one()
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"Cannot reach the database ({exc.orig}). Start the local one with `gcrm db start`, "
            "or check GCRM_DATABASE_URL."
        ) from None
    return DatabaseHealth(
        server_version=server,
        postgis_version=postgis,
        database=database,
        size_bytes=size,
        size_pretty=pretty.scalar_one(),
        revision=revision,
        head=head_revision(engine),
        row_counts=counts,
    )
