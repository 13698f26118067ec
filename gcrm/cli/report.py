"""``gcrm report``: the regional report of one or more regions as a PDF (or PNG images)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from gcrm.access import user_engine
from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar

console = Console()


@reports_errors
def report(
    region: list[str] = typer.Option(..., help="Region code, or LEVEL:CODE when codes repeat "
                                               "across levels; repeat for one page each."),
    period: str = typer.Option(..., help="2026, FY2026, 2026-Q1, 2026-03 or 2026-01..2026-06."),
    out: Path = typer.Option(..., help="FILE.pdf (one page per region) or FILE.png (one "
                                       "image per region: FILE-CODE.png when several)."),
    measure: str = typer.Option("revenue", help="The measure on the map, the ranking and the "
                                                "chart (gcrm cube measures)."),
    level: str = typer.Option(None, help="The level of the --region codes (when a code "
                                         "exists at several levels)."),
    by: str = typer.Option(None, help="The level of the areas on the map (default: the "
                                      "next level down, e.g. county for a state)."),
    as_user: str = typer.Option(None, "--as", help="Make it as this gcrm user: their "
                                                   "regions and rights apply (default: "
                                                   "GCRM_USER, else the operator)."),
) -> None:
    """Write the regional report: per region its KPIs with change, the map of its areas,
    the top and bottom areas and the monthly series. Audited."""
    from gcrm.report import write  # matplotlib: loaded when asked, not at every start
    engine = user_engine(as_user) if as_user else None
    span = tuple(period.split("..")) if ".." in period else period
    with progress_bar() as progress:
        result = write(out, region, period=span, measure=measure, level=level, by=by,
                       user=as_user, engine=engine, progress=progress)
    files = ", ".join(str(p) for p in result.paths)
    console.print(f"Report of {', '.join(result.regions)} ({result.pages} "
                  f"page{'s' if result.pages != 1 else ''}) written to {files}.")
