"""``gcrm reference load``, ``gcrm geocode`` and ``gcrm geocode-file``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar
from gcrm.db.engine import get_engine
from gcrm.geocoding.batch import geocode_accounts
from gcrm.geocoding.files import geocode_file
from gcrm.geocoding.reference import REFERENCES, load_reference
from gcrm.ingest.columns import parse_map
from gcrm.regions.assign import assign

console = Console()
ENGINE = typer.Option(None, "--engine", help="local (this process) or dask (addresses parsed "
                      "on the scheduler of GCRM_DASK_SCHEDULER, matched in PostGIS); default: "
                      "dask when that is set, else local.")
reference_app = typer.Typer(help="Reference data for offline geocoding.", no_args_is_help=True)


@reference_app.command("load")
@reports_errors
def reference_load(
    kind: str = typer.Argument(..., help=f"One of: {', '.join(REFERENCES)}."),
    file: Path = typer.Argument(..., help="CSV, GeoJSON, GeoPackage, Shapefile or Parquet."),
    map_: list[str] = typer.Option([], "--map", help="FILE_COLUMN=FIELD, repeatable."),
    crs: str = typer.Option(None, help="CRS of the coordinates when the file does not say."),
    append: bool = typer.Option(False, help="Add to the reference instead of replacing it."),
) -> None:
    """Load address points, postcode centroids or places used by the offline geocoder."""
    with console.status(f"Loading {kind} reference ..."):
        result = load_reference(kind, file, column_map=parse_map(map_), crs=crs, append=append)
    console.print(f"{result.loaded:,} {kind} loaded from {file.name} "
                  f"({result.read:,} read, {result.rejected:,} rejected).")
    for _, row in result.rejects.head(5).iterrows():
        console.print(f"  line {row['line']}: {row['reason']}", highlight=False)


@reports_errors
def geocode(
    all_: bool = typer.Option(False, "--all", help="Geocode every account not given "
                                                    "coordinates, not only those without a point."),
    source: str = typer.Option(None, help="Only accounts from this source."),
    run_on: str = ENGINE,
) -> None:
    """Geocode accounts without coordinates against the offline reference."""
    with progress_bar() as report, get_engine().begin() as conn:
        counts = geocode_accounts(conn, where={"source": source}, everything=all_,
                                  progress=report, run_on=run_on)
        assign(["account"], connection=conn, run_on=run_on)
    _print_counts(counts, "accounts geocoded")


@reports_errors
def geocode_file_command(
    input_file: Path = typer.Argument(..., metavar="IN", help="File of addresses."),
    output_file: Path = typer.Argument(..., metavar="OUT", help="CSV, Parquet, GeoJSON or GPKG."),
    map_: list[str] = typer.Option([], "--map", help="FILE_COLUMN=FIELD, repeatable."),
    run_on: str = ENGINE,
) -> None:
    """Geocode a file without loading it.

    OUT holds the input columns plus lon, lat, precision, score and matched.
    """
    with progress_bar() as report:
        counts = geocode_file(input_file, output_file, column_map=parse_map(map_),
                              progress=report, run_on=run_on)
    _print_counts(counts, f"addresses geocoded into {output_file}")


def _print_counts(counts: dict[str, int], title: str) -> None:
    table = Table(title=f"{sum(counts.values()):,} {title}")
    table.add_column("precision")
    table.add_column("count", justify="right")
    for precision, count in counts.items():
        table.add_row(precision, f"{count:,}")
    console.print(table)
