"""``gcrm tradearea`` and ``gcrm roads``: build trade areas around sites, read what they
hold, load road networks for drive times."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from gcrm import audit, tradeareas
from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar

console = Console()
tradearea_app = typer.Typer(help="Trade areas: build by method, show, overlaps, white space.",
                            no_args_is_help=True)
roads_app = typer.Typer(help="Road networks for drive-time trade areas.", no_args_is_help=True)


def _numbers(value: str) -> list[float]:
    try:
        return [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a comma-separated list of numbers.") from None


def _codes(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@tradearea_app.command("build")
@reports_errors
def build(
    method: str = typer.Option(..., help="ring, drivetime, customers, voronoi or huff."),
    name: str = typer.Option(..., help="Name of this set of trade areas."),
    sites: str = typer.Option(None, help="Site codes, comma separated (default: every site)."),
    radii: str = typer.Option("3,5", help="ring: radii in km."),
    minutes: str = typer.Option("5,10", help="drivetime: minutes."),
    network: str = typer.Option(None, help="drivetime: road network (gcrm roads list)."),
    shares: str = typer.Option("0.6,0.8", help="customers: shares of a site's customers."),
    weight: str = typer.Option("customers", help="customers: count customers, or revenue."),
    level: str = typer.Option(None, help="huff: region level of the cells (default: the "
                                         "finest with households)."),
    decay: float = typer.Option(2.0, help="huff: distance-decay exponent."),
    calibrate: bool = typer.Option(False, "--calibrate",
                                   help="huff: fit the decay to where customers buy."),
    k: int = typer.Option(0, help="huff: sites each cell considers, nearest first (0: "
                                  "all; a smaller k is faster for thousands of sites)."),
    min_probability: float = typer.Option(None, help="huff: an area is where the site's "
                                                     "probability reaches this (default: "
                                                     "where it is the most likely)."),
    replace: bool = typer.Option(False, "--replace", help="Replace trade areas of that name."),
) -> None:
    """Build trade areas around sites and measure what each holds."""
    with progress_bar() as report:
        built = tradeareas.build(
            name, method, sites=_codes(sites), radii_km=_numbers(radii),
            minutes=_numbers(minutes), network=network, shares=_numbers(shares),
            weight=weight, level=level, decay=decay, calibrate=calibrate, k=k or None,
            min_probability=min_probability, replace=replace,
            created_by=audit.operator_name(), progress=report)
    _print_areas(built.areas)
    if built.params.get("calibrated"):
        console.print(f"Distance decay calibrated from {built.params['flows']:,} observed "
                      f"flows: {built.params['decay']:.2f}.")
        if built.params.get("at_bound"):
            console.print("[yellow]The fit stopped at the edge of the range searched "
                          "(0.1-5): customers here follow distance more (or less) than a "
                          "Huff model can say; read the shares with care.[/yellow]")
    for site, why in built.skipped.items():
        console.print(f"[yellow]Skipped {site}: {why}.[/yellow]")
    console.print(f"Stored {len(built.areas):,} trade areas as {name!r} ({method}).")


@tradearea_app.command("show")
@reports_errors
def show(name: str = typer.Argument(..., help="Trade areas name."),
         sites: str = typer.Option(None, help="Only these site codes.")) -> None:
    """The trade areas of a build with their figures."""
    _print_areas(tradeareas.areas(name, sites=_codes(sites)).drop(columns="geometry"))


@tradearea_app.command("list")
@reports_errors
def list_builds() -> None:
    """Every set of trade areas."""
    console.print(tradeareas.builds().drop(columns="params").to_string(index=False))


@tradearea_app.command("overlaps")
@reports_errors
def overlaps(name: str = typer.Argument(..., help="Trade areas name.")) -> None:
    """Pairs of sites whose trade areas overlap (cannibalisation), largest first."""
    frame = tradeareas.overlaps(name)
    if frame.empty:
        console.print("No two sites' trade areas overlap.")
        return
    console.print(frame.to_string(index=False))


@tradearea_app.command("whitespace")
@reports_errors
def whitespace(level: str = typer.Option(None, help="Region level (default: the finest "
                                                    "with households)."),
               build: str = typer.Option(None, "--trade-areas",
                                         help="Say which regions these trade areas cover."),
               top: int = typer.Option(20, help="How many regions to list.")) -> None:
    """Regions with the most customers to win: households at the average penetration
    minus the customers there now."""
    frame = tradeareas.penetration(level, build=build)
    frame = frame.sort_values("gap", ascending=False).head(top)
    table = Table("region", "name", "households", "customers", "penetration",
                  "customers to win", "in a trade area")
    for row in frame.itertuples():
        table.add_row(row.code, str(row.name or ""), f"{row.potential:,.0f}",
                      f"{row.customers:,}", f"{(row.penetration or 0):.2%}",
                      f"{row.gap:,.0f}", "yes" if row.in_trade_area else "no")
    console.print(table)


@roads_app.command("load")
@reports_errors
def load_roads(path: Path = typer.Argument(..., help="Road lines (GeoJSON, GPKG, SHP) with "
                                                     "a highway class."),
               network: str = typer.Option(None, help="Network name (default: the file's)."),
               replace: bool = typer.Option(False, "--replace")) -> None:
    """Load a road network for drive-time trade areas."""
    summary = tradeareas.load_roads(path, network=network, replace=replace)
    console.print(f"Loaded road network {summary['network']!r}: {summary['lines']:,} lines "
                  f"-> {summary['nodes']:,} nodes, {summary['edges']:,} drivable edges, "
                  f"{summary['road_km']:,} km.")


@roads_app.command("list")
@reports_errors
def list_roads() -> None:
    """The loaded road networks."""
    frame = tradeareas.networks()
    console.print(frame.to_string(index=False) if len(frame) else
                  "No road network loaded (gcrm roads load FILE).")


def _print_areas(frame) -> None:
    table = Table("site", "band", "km²", "customers", "prospects", "households",
                  "penetration", "revenue inside", "share", "captured", "overlap")
    for row in frame.to_dict("records"):
        table.add_row(row["site"], row["band"], _num(row["area_km2"], ",.1f"),
                      _num(row["customers"], ",.0f"), _num(row["prospects"], ",.0f"),
                      _num(row["households"], ",.0f"), _num(row["penetration"], ".2%"),
                      _num(row["revenue_inside"], ",.0f"), _num(row["share"], ".1%"),
                      _num(row["captured"], ".1%"), _num(row["overlap_share"], ".0%"))
    console.print(table)


def _num(value, spec: str) -> str:
    return "" if value is None or value != value else format(float(value), spec)
