"""``gcrm db``: the managed local PostGIS cluster and schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from gcrm.cli.errors import reports_errors
from gcrm.config import get_settings
from gcrm.db import cluster as local
from gcrm.db import migrate
from gcrm.db.engine import database_url, get_engine, uses_local_cluster
from gcrm.errors import GcrmError
from gcrm.health import database_health

db_app = typer.Typer(help="Start, stop, inspect and migrate the database.", no_args_is_help=True)
console = Console()


def _cluster() -> local.LocalCluster:
    return local.LocalCluster.from_settings(get_settings())


@db_app.command()
@reports_errors
def start() -> None:
    """Start the managed local PostGIS (installing and initialising it on first use)."""
    if not uses_local_cluster():
        console.print("GCRM_DATABASE_URL is set: using that server, nothing to start.")
        return
    cluster = _cluster()
    started = local.start(cluster, echo=console.print)
    state = "started" if started else "already running"
    console.print(f"PostGIS {state} on 127.0.0.1:{cluster.port} (data in {cluster.data_dir})")


@db_app.command()
@reports_errors
def stop() -> None:
    """Stop the managed local PostGIS. The data stays."""
    if not uses_local_cluster():
        console.print("GCRM_DATABASE_URL is set: that server is not managed by gcrm.")
        return
    stopped = local.stop(_cluster())
    console.print("PostGIS stopped." if stopped else "PostGIS was not running.")


@db_app.command()
@reports_errors
def status() -> None:
    """Print the server and PostGIS versions, database size and schema revision."""
    if uses_local_cluster() and not local.is_running(_cluster()):
        console.print(f"The local PostGIS is not running (data in {_cluster().data_dir}).")
        console.print("Start it with `gcrm db start`.")
        raise typer.Exit(3)
    health = database_health()
    table = Table(show_header=False, box=None)
    table.add_row("server", f"PostgreSQL {health.server_version}")
    table.add_row("postgis", health.postgis_version or "not installed in this database")
    table.add_row("database", health.database)
    table.add_row("size", health.size_pretty)
    schema = health.revision or "empty (run `gcrm db upgrade`)"
    if health.revision and not health.up_to_date:
        schema += f" (head is {health.head}: run `gcrm db upgrade`)"
    table.add_row("schema", schema)
    managed = "yes, local cluster" if uses_local_cluster() else "no, GCRM_DATABASE_URL"
    table.add_row("managed", managed)
    console.print(table)


@db_app.command()
@reports_errors
def url() -> None:
    """Print the database URL (with the password), e.g. for psql or GCRM_DATABASE_URL."""
    typer.echo(database_url())


@db_app.command()
@reports_errors
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the schema to the newest revision (or the one given)."""
    engine = get_engine()
    try:
        migrate.upgrade(engine, revision)
    except GcrmError:
        raise
    except Exception as exc:  # a migration failing must say which and why
        raise GcrmError(f"Migration to {revision} failed: {exc}") from exc
    console.print(f"Schema at {migrate.current_revision(engine)}.")


@db_app.command()
@reports_errors
def optimize() -> None:
    """Put the accounts in map order on disk (after a large load or geocoding run): map
    views read fewer pages. Locks the accounts table while it runs (seconds per million)."""
    from gcrm.db.optimize import cluster_accounts

    with console.status("Ordering the accounts by their points ..."):
        seconds = cluster_accounts()
    console.print(f"Accounts in map order ({seconds:.1f} s).")


@db_app.command()
@reports_errors
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Migrate the schema back to an earlier revision."""
    engine = get_engine()
    migrate.downgrade(engine, revision)
    console.print(f"Schema at {migrate.current_revision(engine) or 'base'}.")


@db_app.command()
@reports_errors
def revision(message: str = typer.Argument(..., help="What the migration changes.")) -> None:
    """(Developers) Autogenerate a migration from the models after changing gcrm/db/models.py."""
    migrate.new_revision(get_engine(), message)
