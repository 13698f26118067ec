"""``gcrm load``: load customer, sales, case, interaction, rep and site files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar
from gcrm.ingest.columns import parse_map, parse_values
from gcrm.ingest.entities import ENTITIES
from gcrm.ingest.load import load_file
from gcrm.ingest.validate import default_date_range

console = Console()


@reports_errors
def load(
    entity: str = typer.Argument(..., help=f"What the file holds: {', '.join(ENTITIES)}."),
    file: Path = typer.Argument(..., help="CSV, GeoJSON, GeoPackage, Shapefile or Parquet."),
    source: str = typer.Option(None, help="Name of the system the file comes from "
                                          "(default: the file name)."),
    map_: list[str] = typer.Option([], "--map", help="FILE_COLUMN=FIELD, repeatable."),
    value: list[str] = typer.Option(
        [], "--value", help="FIELD:SOURCE=TARGET, repeatable: the file's word SOURCE for "
                            "the value TARGET of a listed field, e.g. "
                            "case_type:feedback=review (see `gcrm vocab list`)."),
    crs: str = typer.Option(None, help="CRS of the coordinates, e.g. EPSG:3857 "
                                       "(default: the file's own, else EPSG:4326)."),
    rejects: Path = typer.Option(None, help="Write rejected rows with reasons to this CSV "
                                            "(default: FILE.rejects.csv when any)."),
    ref_source: str = typer.Option(None, help="Source of the accounts/reps/sites the rows "
                                              "refer to (default: --source)."),
    geocode: bool = typer.Option(True, help="Geocode accounts without coordinates."),
    date_min: datetime = typer.Option(
        None, formats=["%Y-%m-%d"], help="Reject rows dated before this day "
        "(default: GCRM_DATE_MIN, else 1900-01-01)."),
    date_max: datetime = typer.Option(
        None, formats=["%Y-%m-%d"], help="Reject rows dated after this day "
        "(default: GCRM_DATE_MAX, else a year from today)."),
) -> None:
    """Load FILE into ENTITY. Bad rows are rejected with a reason; good rows load."""
    if entity not in ENTITIES:
        raise typer.BadParameter(f"choose one of {', '.join(ENTITIES)}", param_hint="ENTITY")
    low, high = default_date_range()
    dates = (date_min.date() if date_min else low, date_max.date() if date_max else high)
    if dates[0] > dates[1]:
        raise typer.BadParameter(f"the earliest date {dates[0]} is after the latest "
                                 f"{dates[1]}", param_hint="--date-min/--date-max")
    with progress_bar() as report:
        result = load_file(
            entity, file, source=source, ref_source=ref_source, column_map=parse_map(map_),
            value_map=parse_values(value, ENTITIES[entity]), crs=crs, geocode=geocode,
            progress=report, date_range=dates,
        )
    summary = result.summary
    table = Table(title=f"{summary.file} -> {summary.entity} (source {summary.source})")
    table.add_column("")
    table.add_column("rows", justify="right")
    for _, row in result.summary.as_frame().iterrows():
        table.add_row(row["what"], f"{row['count']:,}")
    console.print(table)
    for name, values in summary.new_values.items():
        console.print(f"New {name} values recorded: {', '.join(values)} (`gcrm vocab close "
                      f"{name}` makes loads refuse values the list lacks).", highlight=False)
    if len(result.rejects):
        path = rejects or file.with_name(file.name + ".rejects.csv")
        result.rejects.to_csv(path, index=False)
        console.print(f"{len(result.rejects):,} rejected rows with reasons: {path}")
        for _, row in result.rejects.head(5).iterrows():
            console.print(f"  line {row['line']}: {row['reason']}", highlight=False)
