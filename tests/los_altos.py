"""A small field-work world on the real Los Altos roads (OpenStreetMap, ../shared/data):
the network loaded as 'los_altos', reps with homes in town, customers at road junctions
nudged 40 m off the road (as addresses are), all on a target list 'at risk'."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import text

from gcrm import tradeareas
from spatial import routing
from spatial.tradearea import drive_network

ROADS = Path(__file__).parents[2] / "shared" / "data" / "roads" / "los_altos_ca_osm_roads.geojson"
HOMES = {"R1": (-122.1141, 37.3853), "R2": (-122.0839, 37.3652)}


def roads_or_skip() -> Path:
    if not ROADS.exists():
        pytest.skip(f"the Los Altos roads are not here ({ROADS}): ../shared/data is absent")
    return ROADS


def junctions(count: int, seed: int) -> np.ndarray:
    """``count`` junctions of the network's main part: a junction joins it at no distance."""
    nodes, edges = drive_network(gpd.read_file(roads_or_skip()))
    xy = shapely.get_coordinates(nodes.geometry.to_numpy())
    sample = np.random.default_rng(seed).choice(len(xy), 4 * count, replace=False)
    joined = routing.road_matrix(nodes, edges, xy[sample, 0], xy[sample, 1]).snap_m < 1e-6
    return xy[sample[joined][:count]]


def build(engine, customers: int = 12, *, seed: int = 42) -> None:
    """Load the roads, reps R1 and R2 (with homes) and R3 (without), and ``customers``
    customers C00.. on the list 'at risk'."""
    tradeareas.load_roads(roads_or_skip(), network="los_altos", engine=engine)
    points = junctions(customers, seed=seed) + [0.0004, 0.0001]
    with engine.begin() as conn:
        for key, (lon, lat) in HOMES.items():
            conn.execute(text("INSERT INTO reps (external_id, name, home_geom) VALUES "
                              "(:k, :n, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
                         {"k": key, "n": f"Rep {key}", "lon": lon, "lat": lat})
        conn.execute(text("INSERT INTO reps (external_id, name) VALUES ('R3', 'Rep R3')"))
        for i, (lon, lat) in enumerate(points):
            conn.execute(text(
                "INSERT INTO accounts (source, external_id, name, status, street, city, geom) "
                "VALUES ('crm', :k, :n, 'customer', :street, 'Los Altos', "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
                {"k": f"C{i:02d}", "n": f"Customer {i}", "street": f"{i + 1} Main Street",
                 "lon": lon, "lat": lat})
        conn.execute(text("INSERT INTO campaigns (name, channel) VALUES ('at risk', 'phone')"))
        conn.execute(text("INSERT INTO campaign_members (campaign_id, account_id) "
                          "SELECT c.id, a.id FROM campaigns c, accounts a "
                          "WHERE a.external_id LIKE 'C__'"))
