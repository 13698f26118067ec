"""``gcrm lake``: the facts as a partitioned columnar copy (write it, check it)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from gcrm import lake
from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar

console = Console()
lake_app = typer.Typer(help="The lake: the facts as partitioned Parquet (write, check).",
                       no_args_is_help=True)


@lake_app.command("write")
@reports_errors
def write(
    folder: Path = typer.Argument(..., help="The lake's folder (created if missing)."),
    first: str = typer.Option(None, "--from", help="First month, YYYY-MM (default: the "
                                                   "first with a fact)."),
    last: str = typer.Option(None, "--to", help="Last month, YYYY-MM (default: the last "
                                                "with a fact)."),
) -> None:
    """Write sales and service cases by month, and accounts by H3 cell, from PostGIS.
    Months already in the lake outside --from/--to are kept; those inside are replaced."""
    with progress_bar() as report:
        result = lake.write(folder, first=first, last=last, progress=report)
    months = (f"{result.months[0]}..{result.months[-1]}" if result.months else "no month")
    rows = ", ".join(f"{table} {n:,}" for table, n in result.rows.items())
    console.print(f"Lake written to {result.root} ({months}): {rows} rows; "
                  f"{result.bytes / 1e6:,.1f} MB on disk.")


@lake_app.command("check")
@reports_errors
def check(folder: Path = typer.Argument(..., help="The lake's folder.")) -> None:
    """Check every partition against the manifest; print the summary or the problems."""
    result = lake.check(folder)
    if result.problems:
        for problem in result.problems:
            console.print(f"[bold red]problem:[/] {problem}", highlight=False)
        n = len(result.problems)
        console.print(f"{n:,} problem{'' if n == 1 else 's'} in {result.root}.")
        raise typer.Exit(1)
    first, last = result.months
    console.print(f"{result.root}: a gcrm lake (schema {lake.SCHEMA_VERSION}), months "
                  f"{first or '-'}..{last or '-'}, written {result.written_at or '-'}.")
    for table, (parts, rows) in result.tables.items():
        console.print(f"  {table}: {rows:,} rows in {parts:,} partitions")
    console.print("Every partition matches the manifest.")
