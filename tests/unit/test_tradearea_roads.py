"""Drive networks and isochrones: on the real OpenStreetMap roads of Los Altos and the
Mission (../shared/data/roads; footways dropped, lengths kept, one-way roads one way,
drive times that grow and nest, reached nodes checked against networkx's Dijkstra), and
on tiny hand-made networks whose answers are known (a T junction, a one-way side of a
square, a straight road driven partway, posted speeds in mph)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from spatial.crs import equal_area_crs
from spatial.tradearea import SPEEDS_KMH, drive_network, isochrones, parse_maxspeed

ROADS = Path(__file__).parents[2].parent / "shared" / "data" / "roads"
GEOD = Geod(ellps="WGS84")
DOWNTOWN_LOS_ALTOS = (-122.114, 37.379)
NOT_DRIVABLE = {"footway", "path", "steps", "cycleway", "track", "pedestrian", "corridor"}


def _read(name: str) -> gpd.GeoDataFrame:
    path = ROADS / f"{name}_osm_roads.geojson"
    if not path.exists():
        pytest.skip(f"the shared road data is not beside this clone ({path})")
    return gpd.read_file(path)


@pytest.fixture(scope="module")
def los_altos() -> gpd.GeoDataFrame:
    return _read("los_altos_ca")


@pytest.fixture(scope="module")
def network(los_altos):
    return drive_network(los_altos)


@pytest.fixture(scope="module")
def drive(network):
    nodes, edges = network
    return isochrones(nodes, edges, *DOWNTOWN_LOS_ALTOS, [2, 5, 10])


def _ways(coords, **tags) -> gpd.GeoDataFrame:
    """Hand-made ways: coords is a list of vertex lists (lon, lat)."""
    n = len(coords)
    columns = {"highway": tags.pop("highway", ["residential"] * n), **tags}
    return gpd.GeoDataFrame(columns, geometry=[shapely.LineString(c) for c in coords],
                            crs=4326)


def _metres(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


# --- the real network -------------------------------------------------------------------
def test_footways_and_paths_are_dropped(los_altos, network):
    _, edges = network
    assert NOT_DRIVABLE & set(los_altos["highway"])  # the file has them...
    assert not NOT_DRIVABLE & set(edges["highway"])  # ...the drive network does not
    assert set(edges["highway"]) <= set(SPEEDS_KMH)


def test_splitting_at_junctions_keeps_every_metre_of_road(los_altos, network):
    nodes, edges = network
    drivable = los_altos[los_altos["highway"].isin(list(SPEEDS_KMH))
                         & (los_altos["access"].fillna("") != "no")]
    expected = sum(GEOD.geometry_length(g) for g in drivable.geometry)
    assert edges["length_m"].sum() == pytest.approx(expected, rel=1e-9)
    assert len(edges) > len(drivable)  # ways were split where they meet
    assert set(edges["source"]) | set(edges["target"]) == set(nodes["node"])
    assert list(nodes["node"]) == list(range(len(nodes)))


def test_every_edge_takes_positive_time_at_a_sensible_speed(network):
    _, edges = network
    seconds = edges["seconds"].to_numpy()
    assert np.isfinite(seconds).all() and (seconds > 0).all()
    kmh = edges["length_m"] / edges["seconds"] * 3.6
    assert kmh.between(5 * 1.609, 105).all()  # from a posted 5 mph to a motorway
    reverse = edges["reverse_seconds"].to_numpy()
    two_way = np.isfinite(reverse)
    assert np.array_equal(reverse[two_way], seconds[two_way])


def test_one_way_roads_can_only_be_driven_one_way(los_altos, network):
    _, edges = network
    tagged = los_altos["oneway"].isin(["yes", "-1"]) | (
        (los_altos["junction"] == "roundabout") & (los_altos["oneway"] != "no"))
    one_way = los_altos[tagged & los_altos["highway"].isin(list(SPEEDS_KMH))
                        & (los_altos["access"].fillna("") != "no")]
    expected = sum(GEOD.geometry_length(g) for g in one_way.geometry)
    assert edges.loc[np.isinf(edges["reverse_seconds"]), "length_m"].sum() == pytest.approx(
        expected, rel=1e-9)


def test_posted_speeds_override_the_class_speed(los_altos, network):
    _, edges = network
    posted = los_altos[los_altos["maxspeed"] == "65 mph"]  # the freeways
    kmh = edges["length_m"] / edges["seconds"] * 3.6
    on_them = edges.geometry.apply(lambda e: posted.geometry.contains(e).any())
    assert on_them.sum() > 10
    assert np.allclose(kmh[on_them], 65 * 1.609344)


def test_drive_times_grow_and_nest(drive):
    assert list(drive.columns) == ["minutes", "reached_nodes", "road_km", "geometry"]
    assert list(drive["minutes"]) == [2, 5, 10]
    km2 = drive.to_crs(equal_area_crs(drive)).area.to_numpy() / 1e6
    assert km2[0] < km2[1] < km2[2]
    assert drive["reached_nodes"].is_monotonic_increasing
    assert drive["road_km"].is_monotonic_increasing
    assert drive.attrs["snap_m"] < 50
    shapes = drive.geometry.to_numpy()
    assert shapes[1].contains(shapes[0]) and shapes[2].contains(shapes[1])
    assert drive.geometry.is_valid.all()
    # 2 minutes at town speeds (30-55 km/h) reaches about 1-2 km: a few km2, not 10s
    assert 1 < km2[0] < 15


def test_the_nodes_reached_agree_with_networkx_and_lie_inside(network):
    nx = pytest.importorskip("networkx")
    nodes, edges = network
    start = nodes.geometry.iloc[int(edges["source"].iloc[100])]  # exactly on a node
    drive = isochrones(nodes, edges, start.x, start.y, [5])
    graph = nx.DiGraph()
    for e in edges.itertuples():
        for u, v, t in ((e.source, e.target, e.seconds), (e.target, e.source,
                                                           e.reverse_seconds)):
            if np.isfinite(t) and (not graph.has_edge(u, v) or graph[u][v]["t"] > t):
                graph.add_edge(u, v, t=t)
    start_node = int(edges["source"].iloc[100])
    reached = nx.single_source_dijkstra_path_length(graph, start_node, cutoff=300,
                                                    weight="t")
    assert drive["reached_nodes"].iloc[0] == len(reached)
    points = nodes.geometry.iloc[sorted(reached)]
    assert points.within(drive.geometry.iloc[0]).all()


def test_a_start_far_from_the_roads_says_how_far(network):
    nodes, edges = network
    with pytest.raises(ValueError, match=r"nearest road is [\d.]+ km .*snap_max_m"):
        isochrones(nodes, edges, -122.4, 37.2, [5])  # in the hills, ~20 km away


def test_the_mission_loads_with_its_one_way_grid():
    nodes, edges = drive_network(_read("sf_mission"))
    assert len(edges) > 1_000 and (edges["seconds"] > 0).all()
    assert np.isinf(edges["reverse_seconds"]).mean() > 0.2  # SF's one-way streets
    assert not NOT_DRIVABLE & set(edges["highway"])


# --- hand-made networks -----------------------------------------------------------------
def test_a_t_junction_is_noded_where_the_ways_meet():
    lines = _ways([[(0, 0), (0.01, 0), (0.02, 0)], [(0.01, 0), (0.01, 0.01)]])
    nodes, edges = drive_network(lines)
    assert len(nodes) == 4 and len(edges) == 3
    assert sorted(edges["length_m"].round(3)) == sorted(
        round(_metres(a, b), 3) for a, b in [((0, 0), (0.01, 0)), ((0.01, 0), (0.02, 0)),
                                             ((0.01, 0), (0.01, 0.01))])
    assert edges["seconds"].to_numpy() == pytest.approx(edges["length_m"] / (30 / 3.6))


def test_a_way_tagged_oneway_minus_1_runs_against_its_drawing():
    lines = _ways([[(0, 0), (0.01, 0)]], oneway=["-1"])
    nodes, edges = drive_network(lines)
    edge = edges.iloc[0]
    assert np.isinf(edge["reverse_seconds"]) and np.isfinite(edge["seconds"])
    assert nodes.geometry.iloc[edge["source"]].equals(shapely.Point(0.01, 0))
    assert edge.geometry.coords[0] == (0.01, 0)


@pytest.mark.parametrize(("maxspeed", "kmh"), [("35 mph", 56.327), ("50", 50.0),
                                                ("50 km/h", 50.0), ("none", 30.0),
                                                ("signals", 30.0), (None, 30.0)])
def test_maxspeed(maxspeed, kmh):
    _, edges = drive_network(_ways([[(0, 0), (0.01, 0)]], maxspeed=[maxspeed]))
    assert edges["length_m"].iloc[0] / edges["seconds"].iloc[0] * 3.6 == pytest.approx(
        kmh, abs=0.01)


def test_parse_maxspeed():
    assert parse_maxspeed("35 mph") == pytest.approx(56.327, abs=1e-3)
    assert parse_maxspeed(" 80 kph ") == 80
    assert parse_maxspeed("50;30") is None and parse_maxspeed("RU:urban") is None


def test_a_road_is_driven_partway_when_time_runs_out():
    # 10 km of residential road at 30 km/h: 2 minutes drives exactly 1 km of it
    lon, lat, _ = GEOD.fwd(0, 45, 90, 10_000)
    nodes, edges = drive_network(_ways([[(0, 45), (lon, lat)]]))
    drive = isochrones(nodes, edges, 0, 45, [2])
    assert drive["road_km"].iloc[0] == pytest.approx(1.0, rel=1e-3)
    area = drive.geometry.iloc[0]
    assert area.contains(shapely.Point(GEOD.fwd(0, 45, 90, 950)[:2]))
    assert not area.contains(shapely.Point(GEOD.fwd(0, 45, 90, 1_200)[:2]))
    assert drive["reached_nodes"].iloc[0] == 1  # the far end is 20 minutes away


def test_a_one_way_street_is_only_a_short_cut_one_way():
    # a 1 km square: its south side runs one way west -> east, the rest both ways
    east = GEOD.fwd(0, 0, 90, 1_000)[0]
    north = GEOD.fwd(0, 0, 0, 1_000)[1]
    a, b, c, d = (0, 0), (east, 0), (east, north), (0, north)
    lines = _ways([[a, b], [b, c, d, a]], oneway=["yes", None])
    nodes, edges = drive_network(lines)
    from_a = isochrones(nodes, edges, *a, [2.5])  # a -> b takes 2 minutes
    from_b = isochrones(nodes, edges, *b, [2.5])  # b -> a goes round: 6 minutes
    assert from_a["reached_nodes"].iloc[0] == 2
    assert from_a.geometry.iloc[0].contains(shapely.Point(b))
    assert from_b["reached_nodes"].iloc[0] == 1
    assert not from_b.geometry.iloc[0].contains(shapely.Point(a))


def test_only_footways_is_refused_listing_what_was_found():
    lines = _ways([[(0, 0), (0.01, 0)]], highway=["footway"])
    with pytest.raises(ValueError, match=r"no drivable road.*footway \(1\)"):
        drive_network(lines)


def test_roads_need_a_highway_class_and_a_crs():
    lines = _ways([[(0, 0), (0.01, 0)]])
    with pytest.raises(ValueError, match="'highway' column"):
        drive_network(lines.drop(columns="highway"))
    with pytest.raises(ValueError, match="no CRS"):
        drive_network(lines.set_crs(None, allow_override=True))


@pytest.mark.parametrize("minutes", [[], [0], [-5], [np.inf]])
def test_drive_times_must_be_positive(minutes):
    nodes, edges = drive_network(_ways([[(0, 0), (0.01, 0)]]))
    with pytest.raises(ValueError, match="minutes|drive time"):
        isochrones(nodes, edges, 0, 0, minutes)
