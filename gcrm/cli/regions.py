"""``gcrm regions`` and ``gcrm context``: boundaries, the H3 grid, assignment, context layers."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from gcrm import regions
from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar
from gcrm.regions.grid import build_grid

console = Console()
regions_app = typer.Typer(help="Region hierarchies and point-to-region assignment.",
                          no_args_is_help=True)
context_app = typer.Typer(help="Context layers: numeric attributes per region.",
                          no_args_is_help=True)


@regions_app.command("load")
@reports_errors
def regions_load(
    file: Path = typer.Argument(..., help="GeoJSON, GeoPackage or Shapefile of polygons."),
    level: str = typer.Option(..., help="Name of the level, e.g. state, county, zip."),
    code_field: str = typer.Option(..., help="Column with each region's code ('id' for a "
                                             "GeoJSON feature id)."),
    name_field: str = typer.Option(None, help="Column with the region's name."),
    parent_level: str = typer.Option(None, help="Level of the parents (already loaded)."),
    parent_field: str = typer.Option(None, help="Column with the parent's code; without it "
                                                "the parent is found spatially."),
    population_field: str = typer.Option(None),
    households_field: str = typer.Option(None),
    crs: str = typer.Option(None, help="CRS when the file does not say."),
) -> None:
    """Load a boundary file as a region level (repaired, reprojected, hierarchy recorded)."""
    with console.status(f"Loading {level} regions ..."):
        result = regions.load_regions(
            file, level=level, code_field=code_field, name_field=name_field,
            parent_level=parent_level, parent_field=parent_field,
            population_field=population_field, households_field=households_field, crs=crs)
        counts = regions.assign()
    console.print(f"{result.loaded:,} {level} regions loaded (parents: {result.parents_found}).")
    for code, reason in result.rejected[:10]:
        console.print(f"  rejected {code}: {reason}", highlight=False)
    _print_assignment(counts)


@regions_app.command("grid")
@reports_errors
def regions_grid(res: str = typer.Option("5,7,9", help="H3 resolutions, comma separated.")) -> None:
    """Build an H3 grid hierarchy over the located data (levels h3_<res>)."""
    resolutions = [int(r) for r in res.split(",") if r.strip()]
    with console.status("Building the H3 grid ..."):
        counts = build_grid(resolutions)
        assigned = regions.assign()
    for level, n in counts.items():
        console.print(f"{level}: {n:,} cells")
    _print_assignment(assigned)


@regions_app.command("assign")
@reports_errors
def regions_assign(
    full: bool = typer.Option(False, help="Redo every assignment."),
    engine: str = typer.Option(
        None, help="local (PostGIS on this machine) or dask (the scheduler of "
                   "GCRM_DASK_SCHEDULER); default: dask when that is set, else local."),
) -> None:
    """Assign accounts, sites and reps to their region at every level."""
    from gcrm.engines import choose_engine

    if choose_engine(engine) == "dask":  # a bar per entity and level
        with progress_bar() as report:
            counts = regions.assign(incremental=not full, run_on="dask", progress=report)
    else:
        with console.status("Assigning points to regions ..."):
            counts = regions.assign(incremental=not full, run_on="local")
    _print_assignment(counts)


@regions_app.command("list")
@reports_errors
def regions_list() -> None:
    """The loaded levels."""
    frame = regions.levels()
    table = Table()
    for column in ("name", "parent_level", "depth", "kind", "regions", "source"):
        table.add_column(column)
    for row in frame.itertuples(index=False):
        table.add_row(row.name, row.parent_level or "", str(row.depth), row.kind,
                      f"{row.regions:,}", row.source or "")
    console.print(table)


@context_app.command("load")
@reports_errors
def context_load(
    file: Path = typer.Argument(..., help="CSV/Parquet/GeoJSON with a code and numeric columns."),
    level: str = typer.Option(..., help="Level whose regions the codes name."),
    code_field: str = typer.Option(..., help="Column with the region code."),
) -> None:
    """Attach numeric attributes (residence mix, foot traffic, road density, ...) to regions."""
    result = regions.load_context(file, level=level, code_field=code_field)
    console.print(f"{', '.join(result['attributes'])} attached to {result['matched']:,} "
                  f"{level} regions.")
    if result["unknown_codes"]:
        console.print(f"{len(result['unknown_codes'])} codes are not {level} regions: "
                      f"{', '.join(result['unknown_codes'][:10])}")


def _print_assignment(counts: dict) -> None:
    if not counts:
        return
    table = Table(title="Assignment")
    table.add_column("level")
    table.add_column("assigned", justify="right")
    table.add_column("outside every region", justify="right")
    for level, c in counts.items():
        table.add_row(level, f"{c['assigned']:,}", f"{c['outside']:,}")
    console.print(table)
