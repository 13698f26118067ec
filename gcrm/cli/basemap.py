"""``gcrm basemap``: load, list and serve the base map (streets, places, water, buildings)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from gcrm.cli.errors import reports_errors
from gcrm.config import get_settings

console = Console()
basemap_app = typer.Typer(help="The base map under every map: OpenStreetMap extracts as "
                               "vector tiles.", no_args_is_help=True)


@basemap_app.command("load")
@reports_errors
def load(path: Path = typer.Argument(..., help="An OpenStreetMap extract (.osm.pbf, .osm) or "
                                              "a GeoPackage/GeoJSON of roads, places, water, "
                                              "buildings."),
         name: str = typer.Option(None, help="Base map name (default: the file's); loading "
                                             "a name again replaces it."),
         attribution: str = typer.Option(None, help="Credit shown on the maps (OpenStreetMap "
                                                    "extracts: © OpenStreetMap contributors).")
         ) -> None:
    """Load a base map into PostGIS (a reload of the same name replaces it in one go)."""
    from gcrm import basemap  # loaded when asked, not at every start
    summary = basemap.load(path, name=name, attribution=attribution)
    parts = ", ".join(f"{n:,} {layer}" for layer, n in sorted(summary.features.items()))
    console.print(f"Loaded base map {summary.name!r} from {summary.source}: {parts}.")
    for reason, n in summary.rejected.items():
        console.print(f"  left out {n:,} {reason}", highlight=False)


@basemap_app.command("from-reference")
@reports_errors
def from_reference(name: str = typer.Option("reference", help="Base map name."),
                   buildings: bool = typer.Option(False, help="A square beside every address "
                                                              "point (generated worlds).")
                   ) -> None:
    """Build a base map from the geocoding reference: streets from address points, towns
    from places, roads joining the towns."""
    from gcrm import basemap  # loaded when asked, not at every start
    summary = basemap.build_from_reference(name, buildings=buildings)
    parts = ", ".join(f"{n:,} {layer}" for layer, n in sorted(summary.features.items()))
    console.print(f"Built base map {summary.name!r}: {parts}.")


@basemap_app.command("list")
@reports_errors
def list_basemaps() -> None:
    """The loaded base maps."""
    from gcrm import basemap  # loaded when asked, not at every start
    frame = basemap.basemaps()
    if frame.empty:
        console.print("No base map loaded (gcrm basemap load FILE).")
        return
    table = Table("name", "source", "loaded", *basemap.LAYER_NAMES)
    for row in frame.to_dict("records"):
        counts = row["features"] or {}
        table.add_row(row["name"], row["source"], f"{row['loaded_at']:%Y-%m-%d %H:%M}",
                      *(f"{counts.get(layer, 0):,}" for layer in basemap.LAYER_NAMES))
    console.print(table)


@basemap_app.command("serve")
@reports_errors
def serve(port: int = typer.Option(None, help="Port (default: GCRM_TILE_PORT)."),
          host: str = typer.Option(None, help="Address to listen on (default: "
                                              "GCRM_TILE_HOST).")) -> None:
    """Serve the vector tiles at http://HOST:PORT/tiles/{z}/{x}/{y}.pbf until stopped."""
    from gcrm.basemap.serve import make_server

    settings = get_settings()
    server = make_server(settings.tile_port if port is None else port,
                         host=host or settings.tile_host)
    console.print(f"Serving base map tiles on http://{server.server_address[0]}:"
                  f"{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.pbf (Ctrl+C stops).")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
