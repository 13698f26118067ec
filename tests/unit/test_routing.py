"""A rep's day of visits on the real Los Altos roads (OpenStreetMap, ../shared/data): drive
times are networkx's Dijkstra on the same network, a small day's order is the brute-force
optimum, windows and the day hold to the minute, and what does not fit is left out with
its reason."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from spatial import routing
from spatial.tradearea import drive_network
from spatial.tradearea._geodesy import GEOD

ROADS = Path(__file__).parents[3] / "shared" / "data" / "roads" / "los_altos_ca_osm_roads.geojson"
H = 3600


@pytest.fixture(scope="module")
def network():
    if not ROADS.exists():
        pytest.skip(f"the Los Altos roads are not here ({ROADS}): ../shared/data is absent")
    return drive_network(gpd.read_file(ROADS))


def _graph(edges) -> nx.DiGraph:
    """The network as networkx sees it: each way each edge may be driven, the fastest of
    parallel edges."""
    graph = nx.DiGraph()
    for e in edges.itertuples():
        for a, b, s in ((e.source, e.target, e.seconds), (e.target, e.source,
                                                            e.reverse_seconds)):
            if np.isfinite(s) and (not graph.has_edge(a, b) or graph[a][b]["s"] > s):
                graph.add_edge(a, b, s=s, m=e.length_m)
    return graph


def _places_at_nodes(nodes, edges, count: int, seed: int):
    """``count`` road junctions of the network's main (strongly connected) part."""
    graph = _graph(edges)
    main = max(nx.strongly_connected_components(graph), key=len)
    rng = np.random.default_rng(seed)
    picked = rng.choice(sorted(main), count, replace=False)
    xy = shapely.get_coordinates(nodes.geometry.to_numpy()[picked])
    return picked, xy[:, 0], xy[:, 1], graph


def test_road_drive_times_are_networkx_dijkstra_on_the_same_roads(network):
    nodes, edges = network
    picked, lon, lat, graph = _places_at_nodes(nodes, edges, 12, seed=3)
    matrix = routing.road_matrix(nodes, edges, lon, lat)
    assert matrix.method == "road" and matrix.on_network.all()
    assert np.allclose(matrix.snap_m, 0, atol=1e-6)  # the places are junctions
    for i, a in enumerate(picked):
        seconds, paths = nx.single_source_dijkstra(graph, a, weight="s")
        for j, b in enumerate(picked):
            assert matrix.seconds[i, j] == pytest.approx(seconds[b], abs=1e-6)
            metres = sum(graph[u][v]["m"] for u, v in itertools.pairwise(paths[b]))
            assert matrix.metres[i, j] == pytest.approx(metres, rel=1e-9, abs=1e-6)
    # one-way streets make the matrix lopsided somewhere
    assert not np.allclose(matrix.seconds, matrix.seconds.T)


def test_a_leg_is_drawn_along_the_roads_it_drives(network):
    nodes, edges = network
    _, lon, lat, _ = _places_at_nodes(nodes, edges, 2, seed=5)
    matrix = routing.road_matrix(nodes, edges, lon, lat)
    leg = matrix.leg(0, 1)
    assert leg.coords[0] == (lon[0], lat[0]) and leg.coords[-1] == (lon[1], lat[1])
    assert GEOD.geometry_length(leg) == pytest.approx(matrix.metres[0, 1], rel=1e-6)
    straight = GEOD.inv(lon[0], lat[0], lon[1], lat[1])[2]
    assert matrix.metres[0, 1] > straight  # roads are never shorter than the crow flies


def test_a_place_off_the_roads_is_off_the_network_and_one_near_them_joins_it(network):
    nodes, edges = network
    _, lon, lat, _ = _places_at_nodes(nodes, edges, 1, seed=7)
    far_lon, far_lat = lon[0] + 0.05, lat[0] + 0.2  # 22 km north, in the bay's hills
    near_lon = lon[0] + 0.001  # about 90 m east of a junction
    matrix = routing.road_matrix(nodes, edges, [lon[0], near_lon, far_lon],
                                 [lat[0], lat[0], far_lat], snap_max_m=500, access_kmh=18)
    assert matrix.on_network.tolist() == [True, True, False]
    assert np.isinf(matrix.seconds[2, :2]).all() and np.isinf(matrix.seconds[:2, 2]).all()
    # the walk to the road is driven at the access speed, both ways
    assert matrix.seconds[0, 1] >= matrix.snap_m[1] / 5


def test_a_straight_line_matrix_drives_the_great_circle_at_the_stated_speed():
    matrix = routing.straight_line_matrix([-122.1, -122.0], [37.4, 37.4], kmh=30)
    km = GEOD.inv(-122.1, 37.4, -122.0, 37.4)[2] / 1000  # on the ellipsoid: 8.85 km
    assert matrix.method == "straight line" and matrix.kmh == 30
    assert matrix.metres[0, 1] / 1000 == pytest.approx(km, rel=5e-3)  # on the sphere
    assert matrix.seconds[0, 1] == pytest.approx(matrix.metres[0, 1] / 1000 / 30 * H)


def _day(matrix, n_visits, *, reps=1, opens=8 * H, closes=18 * H, minutes=20, **rep):
    visits = [routing.Visit(f"v{i}", opens, closes, minutes * 60) for i in range(n_visits)]
    days = [routing.RepDay(f"rep{r}", rep.get("start", 8 * H + 1800),
                           rep.get("end", 17 * H + 1800), rep.get("max_stops", 12))
            for r in range(reps)]
    return visits, days


def _brute_force(drive: np.ndarray) -> int:
    """The shortest round trip from home (0) through every other place: every order."""
    stops = len(drive) - 1
    rest = np.array(list(itertools.permutations(range(stops - 1))), dtype=np.int64)
    best = None
    for first in range(1, stops + 1):
        others = np.array([p for p in range(1, stops + 1) if p != first])[rest]
        cost = drive[0, first] + drive[first, others[:, 0]] + drive[others[:, -1], 0]
        cost = cost + drive[others[:, :-1], others[:, 1:]].sum(axis=1)
        best = cost.min() if best is None else min(best, cost.min())
    return int(best)


def test_a_ten_stop_day_is_the_brute_force_optimum(network):
    nodes, edges = network
    _, lon, lat, _ = _places_at_nodes(nodes, edges, 11, seed=11)  # home, then 10 stops
    matrix = routing.road_matrix(nodes, edges, lon, lat)
    visits, days = _day(matrix, 10)
    plan = routing.VisitPlanner(visits, days, matrix.seconds, matrix.metres,
                                time_limit_s=2).solve()
    (route,) = plan.routes_
    assert len(route.stops) == 10 and not plan.left_out_
    optimum = _brute_force(np.rint(matrix.seconds).astype(np.int64))
    assert route.drive_seconds == optimum
    order = [0] + [int(s.visit[1:]) + 1 for s in route.stops] + [0]
    assert route.drive_metres == pytest.approx(
        sum(matrix.metres[a, b] for a, b in itertools.pairwise(order)))


def test_windows_and_the_day_hold_to_the_minute(network):
    nodes, edges = network
    _, lon, lat, _ = _places_at_nodes(nodes, edges, 14, seed=17)  # two homes, 12 stops
    matrix = routing.road_matrix(nodes, edges, lon, lat)
    rng = np.random.default_rng(4)
    visits = []
    for i in range(12):
        opens = int(rng.integers(9, 15)) * H
        visits.append(routing.Visit(f"v{i}", opens, opens + 2 * H, int(rng.choice([15, 30,
                                                                                   45])) * 60))
    days = [routing.RepDay("north", 8 * H + 1800, 17 * H + 1800, 8),
            routing.RepDay("south", 9 * H, 16 * H, 8)]
    plan = routing.VisitPlanner(visits, days, matrix.seconds, matrix.metres,
                                time_limit_s=0.3).solve()
    by_key = {v.key: v for v in visits}
    served = [s for r in plan.routes_ for s in r.stops]
    assert len(served) + len(plan.left_out_) == 12 and len(served) >= 10
    for route, day in zip(plan.routes_, days, strict=True):
        assert route.leave >= day.start and route.back <= day.end
        at = route.leave
        for stop in route.stops:
            visit = by_key[stop.visit]
            assert stop.arrive == at + stop.drive_seconds
            assert visit.opens <= stop.start and stop.start >= stop.arrive
            assert stop.depart == stop.start + visit.seconds <= visit.closes
            at = stop.depart
        if route.stops:
            assert route.back == at + route.home_seconds


def test_what_does_not_fit_is_left_out_with_its_reason(network):
    nodes, edges = network
    _, lon, lat, _ = _places_at_nodes(nodes, edges, 6, seed=23)
    matrix = routing.road_matrix(nodes, edges, lon, lat)
    visits = [
        routing.Visit("short window", 10 * H, 10 * H + 600, 30 * 60),
        routing.Visit("closed before we get there", 6 * H, 8 * H + 1900, 30 * 60),
        routing.Visit("longer than the day", 8 * H, 20 * H, 9 * H + 1800),
        routing.Visit("fits", 9 * H, 17 * H, 30 * 60),
        routing.Visit("fits too", 9 * H, 17 * H, 30 * 60),
    ]
    days = [routing.RepDay("solo", 8 * H + 1800, 17 * H + 1800, max_stops=1)]
    plan = routing.VisitPlanner(visits, days, matrix.seconds, matrix.metres,
                                time_limit_s=0.3).solve()
    why = plan.left_out_
    assert "shorter than the 30-minute visit" in why["short window"]
    assert "closes before a rep could get there" in why["closed before we get there"]
    assert "day is too short" in why["longer than the day"]
    (stop,) = plan.routes_[0].stops
    other = ({"fits", "fits too"} - {stop.visit}).pop()
    assert "the day is full" in why[other]


def test_a_visit_only_its_own_rep_may_make_goes_to_that_rep(network):
    nodes, edges = network
    _, lon, lat, _ = _places_at_nodes(nodes, edges, 5, seed=29)
    matrix = routing.road_matrix(nodes, edges, lon, lat)
    visits = [routing.Visit(f"v{i}", 8 * H, 18 * H, 20 * 60, reps=("b",) if i < 2 else None)
              for i in range(3)]
    days = [routing.RepDay("a", 8 * H, 17 * H), routing.RepDay("b", 8 * H, 17 * H)]
    plan = routing.VisitPlanner(visits, days, matrix.seconds, matrix.metres,
                                time_limit_s=0.3).solve()
    owner = {s.visit: r.rep for r in plan.routes_ for s in r.stops}
    assert owner["v0"] == owner["v1"] == "b" and "v2" in owner
