"""``gcrm cube``: build the regional cube, list its measures, export slices of it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from gcrm import cube
from gcrm.cli.errors import reports_errors
from gcrm.cube.export import FORMATS
from gcrm.cube.export import export as export_slice
from gcrm.errors import InvalidInput

console = Console()
cube_app = typer.Typer(help="The regional cube: build, measures, export.", no_args_is_help=True)


@cube_app.command("build")
@reports_errors
def build(incremental: bool = typer.Option(
        False, "--incremental", help="Rebuild only the months whose facts changed."),
          engine: str = typer.Option(
              None, help="local (this machine) or dask (the monthly cells on the scheduler of "
                         "GCRM_DASK_SCHEDULER); default: dask when that is set, else local.",
          ),
          lake: Path = typer.Option(
              None, help="Read the sales and service cases from this lake folder (gcrm lake "
                         "write) instead of PostGIS; a full build. On Dask every worker "
                         "must read the folder at the same path."),
          ) -> None:
    """Build the cube from the facts (in full, or only what changed since the last build)."""
    from gcrm.cli.progress import progress_bar
    from gcrm.engines import choose_engine

    if choose_engine(engine) == "dask":  # a bar for the Dask tasks
        with progress_bar() as report:
            result = cube.build(incremental=incremental, progress=console.print,
                                run_on="dask", task_progress=report, lake=lake)
    else:
        result = cube.build(incremental=incremental, progress=console.print, run_on="local",
                            lake=lake)
    cells = ", ".join(f"{table} {n:,}" for table, n in result.cells.items())
    months = ("all months" if result.months is None else
              ", ".join(f"{m:%Y-%m}" for m in result.months) or "no month")
    console.print(f"Cube built ({result.kind}, {months}) in {result.seconds:.1f} s: "
                  f"{cells or 'nothing to do'}.")
    if result.note:
        console.print(f"Note: {result.note}.")


@cube_app.command("measures")
def measures() -> None:
    """List the measures: name, unit, formula over the cube's parts, meaning."""
    table = Table("measure", "unit", "formula", "meaning")
    for m in cube.MEASURES.values():
        table.add_row(m.name, m.unit, m.formula, m.description)
    console.print(table)


@cube_app.command("export")
@reports_errors
def export(
    level: str = typer.Option(..., help="Region level, e.g. state, county, zip, h3_7."),
    measures: str = typer.Option(..., help="Measures, comma separated (gcrm cube measures)."),
    out: Path = typer.Option(..., help="File to write."),
    by: str = typer.Option("", help="year, quarter, month and at most one of segment, status, "
                                    "category, channel; comma separated."),
    where: list[str] = typer.Option(None, help="LEVEL=CODE[,CODE] or DIMENSION=VALUE[,VALUE]; "
                                               "repeat for more."),
    period: str = typer.Option(None, help="2026, FY2026, 2026-Q1, 2026-03 or 2026-01..2026-06."),
    fmt: str = typer.Option(None, "--format", help=f"{'|'.join(FORMATS)}; default from --out."),
    min_count: int = typer.Option(None, help="Blank rows built from fewer than this many "
                                             "people (they stay, marked suppressed)."),
) -> None:
    """Export a slice of the cube with its metadata (sidecar JSON, or a sheet in XLSX)."""
    filters = {}
    for item in where or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InvalidInput(f"--where {item!r}: write KEY=VALUE, e.g. state=42.")
        filters[key.strip()] = [v.strip() for v in value.split(",") if v.strip()]
    span = tuple(period.split("..")) if period and ".." in period else period
    result = export_slice(out, _split(measures), level=level, by=_split(by), where=filters,
                          period=span, fmt=fmt, min_count=min_count)
    where_meta = f", metadata in {result.metadata_path}" if result.metadata_path else \
        ", metadata in its 'metadata' sheet"
    hidden = f" ({result.suppressed:,} suppressed)" if min_count else ""
    console.print(f"{result.rows:,} rows{hidden} written to {result.path}{where_meta}.")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]
