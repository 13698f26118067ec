"""Road networks for drive times: load one from a file, read the part near a site.

``gcrm roads load FILE`` reads road lines (an OpenStreetMap extract as GeoJSON, GPKG,
Shapefile...: a ``highway`` class per line, ``oneway`` and ``maxspeed`` when known), keeps the
drivable ones, nodes them at shared points with travel times by class
(``spatial.tradearea.drive_network``) and stores nodes and edges under a network name.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.tradeareas import sql
from spatial import tradearea


def load(path: Path, *, network: str | None = None, replace: bool = False,
         engine: Engine | None = None) -> dict:
    """Load road lines from ``path`` as ``network`` (default: the file's name). Returns the
    network's name and how many lines were read, kept, nodes and edges stored."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"No file {path}.")
    network = network or path.stem
    try:
        lines = gpd.read_file(path)
    except Exception as error:  # noqa: BLE001 - any reader error is the file's problem
        raise InvalidInput(f"Cannot read {path.name} as road lines: {error}") from None
    if "highway" not in lines.columns:
        raise InvalidInput(f"{path.name} has no 'highway' column: each road needs its class "
                           "(motorway, primary, residential, ... as in OpenStreetMap).")
    if lines.crs is None:
        raise InvalidInput(f"{path.name} does not say its coordinate system.")
    lines = lines.to_crs(4326)
    lines = lines[lines.geometry.notna()]
    lines = lines.explode(index_parts=False)
    lines = lines[lines.geom_type == "LineString"]
    try:
        nodes, edges = tradearea.drive_network(lines)
    except ValueError as error:
        raise InvalidInput(f"{path.name}: {error}") from None
    engine = engine or get_engine()
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT EXISTS (SELECT 1 FROM road_edges WHERE network = "
                                   ":network)"), {"network": network}).scalar_one()
        if exists and not replace:
            raise InvalidInput(f"A road network {network!r} is loaded: replace it "
                               "(--replace) or choose another name (--network).")
        for statement in sql.DELETE_NETWORK:
            conn.execute(text(statement), {"network": network})
        conn.execute(text(sql.INSERT_NODES), {
            "network": network, "nodes": nodes["node"].astype(int).tolist(),
            "lons": nodes.geometry.x.tolist(), "lats": nodes.geometry.y.tolist()})
        reverse = edges["reverse_seconds"].to_numpy(dtype=float)
        conn.execute(text(sql.INSERT_EDGES), {
            "network": network, "sources": edges["source"].astype(int).tolist(),
            "targets": edges["target"].astype(int).tolist(),
            "lengths": edges["length_m"].tolist(), "seconds": edges["seconds"].tolist(),
            "reverse": [None if not np.isfinite(r) else float(r) for r in reverse],
            "highways": edges["highway"].astype(str).tolist(),
            "wkbs": [shapely.to_wkb(g) for g in edges.geometry]})
        summary = {"network": network, "lines": int(len(lines)), "nodes": int(len(nodes)),
                   "edges": int(len(edges)),
                   "road_km": round(float(edges["length_m"].sum()) / 1000, 1)}
        audit.record("roads.load", network, summary, connection=conn)
    return summary


def networks(*, engine: Engine | None = None) -> pd.DataFrame:
    """The loaded networks: name, edges, kilometres of road."""
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.NETWORKS)).mappings().all(),
                            columns=["network", "edges", "road_km"])


def fastest_kmh(conn: Connection, network: str) -> float:
    """The speed of the network's fastest road (at least 30 km/h)."""
    return max(float(conn.execute(text(sql.FASTEST), {"network": network}).scalar_one() or 0),
               30.0)


def network_near(conn: Connection, network: str, lon: float, lat: float, minutes: float, *,
                 fastest_kmh: float):
    """The nodes and edges of ``network`` a drive of ``minutes`` from (lon, lat) at up to
    ``fastest_kmh`` could reach, renumbered 0..n-1 as ``spatial.tradearea.isochrones``
    expects; (None, None) when no road is in reach."""
    km = fastest_kmh * minutes / 60
    degrees = km / (111.32 * max(np.cos(np.radians(lat)), 0.05))
    return network_in_box(conn, network, lon - degrees, lat - degrees, lon + degrees,
                          lat + degrees)


def network_in_box(conn: Connection, network: str, west: float, south: float, east: float,
                   north: float):
    """The nodes and edges of ``network`` whose roads touch the box, renumbered 0..n-1 as
    ``spatial.tradearea`` and ``spatial.routing`` expect; (None, None) when none does."""
    rows = pd.DataFrame(conn.execute(text(sql.NETWORK_IN_BOX), {
        "network": network, "west": west, "south": south, "east": east,
        "north": north}).mappings().all(),
        columns=["source", "target", "length_m", "seconds", "reverse_seconds", "highway", "wkb"])
    if rows.empty:
        return None, None
    ids = np.unique(np.concatenate([rows["source"].to_numpy(), rows["target"].to_numpy()]))
    found = pd.DataFrame(conn.execute(text(sql.NODES_NEAR), {
        "network": network, "nodes": ids.tolist()}).mappings().all(),
        columns=["node", "lon", "lat"]).set_index("node").loc[ids]
    renumber = {int(n): i for i, n in enumerate(ids)}
    nodes = gpd.GeoDataFrame({"node": np.arange(len(ids))},
                             geometry=gpd.points_from_xy(found["lon"], found["lat"]), crs=4326)
    edges = gpd.GeoDataFrame({
        "source": rows["source"].map(renumber), "target": rows["target"].map(renumber),
        "length_m": rows["length_m"], "seconds": rows["seconds"],
        "reverse_seconds": rows["reverse_seconds"].astype(float).fillna(np.inf),
        "highway": rows["highway"]},
        geometry=shapely.from_wkb([bytes(w) for w in rows["wkb"]]), crs=4326)
    return nodes, edges
