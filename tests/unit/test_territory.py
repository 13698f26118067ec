"""Territory design on the real counties of New England and New York (../shared/data/us),
with a real workload (the population of each county's ZIP centroids): contiguity with
the islands (Nantucket, Martha's Vineyard) bridged, balance within the tolerance, locked
areas, keep-current moving fewer accounts than a fresh design, capacities, reps' homes,
determinism; and the building blocks on shapes with known answers."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spatial import territory

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "us"
STATES = ["09", "23", "25", "33", "36", "44", "50"]  # CT, ME, MA, NH, NY, RI, VT
NANTUCKET, DUKES = "25019", "25007"


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    if not (DATA / "geojson-counties-fips.json").exists():
        pytest.skip(f"the shared US data is not beside this clone ({DATA})")
    gdf = gpd.read_file(DATA / "geojson-counties-fips.json")
    gdf = gdf[gdf["STATE"].isin(STATES)].reset_index(drop=True)
    zips = pd.read_csv(DATA / "us_zipcodes_simplemaps.csv", dtype={"zip": str})
    points = gpd.GeoDataFrame(zips, geometry=gpd.points_from_xy(zips["lng"], zips["lat"]),
                              crs=4326)
    joined = gpd.sjoin(points, gdf[["geometry"]], predicate="within")
    gdf["zips"] = joined.groupby("index_right").size().reindex(gdf.index).fillna(0)
    people = joined.groupby("index_right")["population"].sum()
    gdf["accounts"] = (people / 1000).reindex(gdf.index).fillna(0).round()
    return gdf


@pytest.fixture(scope="module")
def graph(counties):
    return territory.area_graph(counties)


def _fips(counties) -> dict[str, int]:
    return {fips: i for i, fips in enumerate(counties["id"])}


def _summary(labels, counties, graph, column="zips", **kwargs):
    return territory.plan_metrics(labels, counties[[column]], geometries=graph.geometries,
                                  neighbours=graph.neighbours, **kwargs)[1]


def test_islands_are_bridged_to_the_mainland_and_every_territory_is_one_piece(counties,
                                                                              graph):
    at = _fips(counties)
    assert len(territory.adjacency(graph.geometries)[at[NANTUCKET]]) == 0  # an island
    bridged = {a for pair in graph.bridges for a in pair}
    assert {at[NANTUCKET], at[DUKES]} <= bridged
    plan = territory.from_geodataframe(counties, ["zips"], n_territories=6, graph=graph)
    summary = _summary(plan.labels_, counties, graph)
    assert summary["contiguous"] and summary["territories"] == 6
    for island in (at[NANTUCKET], at[DUKES]):  # each with a county it is bridged to
        assert plan.labels_[island] in plan.labels_[graph.neighbours[island]]


@pytest.mark.parametrize("k, tolerance", [(4, 0.05), (8, 0.05), (6, 0.03)])
def test_workloads_are_within_the_tolerance(counties, graph, k, tolerance):
    plan = territory.from_geodataframe(counties, ["zips"], n_territories=k,
                                       tolerance=tolerance, graph=graph)
    summary = _summary(plan.labels_, counties, graph)
    assert summary["max_imbalance"] <= tolerance + 1e-9
    assert summary["contiguous"]
    assert summary["mean_polsby_popper"] > 0.15  # unions of counties, not ribbons


def test_two_workloads_are_balanced_together(counties, graph):
    counties = counties.assign(revenue=counties["accounts"] * np.linspace(0.8, 1.2,
                                                                          len(counties)))
    plan = territory.from_geodataframe(counties, ["accounts", "revenue"], n_territories=4,
                                       tolerance=0.1, graph=graph)
    for column in ("accounts", "revenue"):
        assert _summary(plan.labels_, counties, graph, column)["max_imbalance"] <= 0.1


def test_locked_areas_stay_in_their_territories(counties, graph):
    at = _fips(counties)
    locked = {at["36061"]: 0, at["25025"]: 1, at["23005"]: 2}  # Manhattan, Boston, Portland
    plan = territory.from_geodataframe(counties, ["zips"], n_territories=5, locked=locked,
                                       graph=graph)
    assert {area: int(plan.labels_[area]) for area in locked} == locked
    summary = _summary(plan.labels_, counties, graph)
    assert summary["contiguous"] and summary["max_imbalance"] <= 0.05


def test_keeping_the_current_plan_moves_fewer_accounts_than_a_fresh_design(counties,
                                                                           graph):
    before = territory.from_geodataframe(counties, ["zips"], n_territories=6, graph=graph,
                                         random_state=1).labels_
    grown = counties.assign(zips=counties["zips"] * np.where(
        counties["STATE"] == "36", 1.25, 1.0))  # New York's workload grows by a quarter
    assert _summary(before, grown, graph)["max_imbalance"] > 0.05  # out of balance now
    kept = territory.from_geodataframe(grown.assign(current=before), ["zips"],
                                       n_territories=6, graph=graph, keep_current=True,
                                       current_column="current").labels_
    fresh = territory.from_geodataframe(grown, ["zips"], n_territories=6, graph=graph,
                                        random_state=2).labels_
    moved = {name: _summary(labels, grown, graph, current=before,
                            accounts=grown["accounts"])["accounts_moved"]
             for name, labels in (("kept", kept), ("fresh", fresh))}
    assert _summary(kept, grown, graph)["max_imbalance"] <= 0.05
    assert _summary(kept, grown, graph)["contiguous"]
    assert 0 < moved["kept"] < moved["fresh"] / 2


def test_capacities_set_proportional_targets(counties, graph):
    capacities = [2, 1, 1, 1]
    plan = territory.from_geodataframe(counties, ["zips"], n_territories=4,
                                       capacities=capacities, graph=graph)
    table, summary = territory.plan_metrics(plan.labels_, counties[["zips"]],
                                            capacities=capacities)
    assert summary["max_imbalance"] <= 0.05
    assert table["zips"][0] == pytest.approx(2 * table["zips"][1], rel=0.11)


def test_each_rep_gets_the_territory_around_their_home(counties, graph):
    at = _fips(counties)
    towns = ["36029", "36061", "25025", "23019"]  # Buffalo, Manhattan, Boston, Bangor
    homes = counties.set_index("id").loc[towns].geometry.representative_point()
    plan = territory.from_geodataframe(counties, ["zips"], n_territories=4, homes=homes,
                                       graph=graph)
    assert [int(plan.labels_[at[fips]]) for fips in towns] == [0, 1, 2, 3]
    home_xy = np.column_stack([homes.to_crs(graph.crs).x, homes.to_crs(graph.crs).y])
    near = _summary(plan.labels_, counties, graph, centroids=graph.centroids,
                    homes=home_xy)["mean_km_to_home"]
    shuffled = _summary(plan.labels_, counties, graph, centroids=graph.centroids,
                        homes=home_xy[[3, 2, 1, 0]])["mean_km_to_home"]
    assert near < shuffled / 2


def test_the_same_seed_gives_the_same_plan(counties, graph):
    first = territory.from_geodataframe(counties, ["zips"], n_territories=7, graph=graph,
                                        random_state=5).labels_
    again = territory.from_geodataframe(counties, ["zips"], n_territories=7, graph=graph,
                                        random_state=5).labels_
    assert np.array_equal(first, again)


def test_bad_requests_are_refused_in_words(counties, graph):
    with pytest.raises(ValueError, match="no column revenue; the areas have"):
        territory.from_geodataframe(counties, ["revenue"], n_territories=3, graph=graph)
    with pytest.raises(ValueError, match="n_territories must be between 1 and the"):
        territory.from_geodataframe(counties, ["zips"], n_territories=10_000, graph=graph)
    with pytest.raises(ValueError, match="capacities must be 3 positive numbers"):
        territory.from_geodataframe(counties, ["zips"], n_territories=3, graph=graph,
                                    capacities=[1, 2])


# --- building blocks on shapes with known answers --------------------------------------------
def test_rook_needs_a_shared_edge_queen_a_shared_corner():
    grid = [box(x, y, x + 1, y + 1) for y in range(3) for x in range(3)]
    rook = territory.adjacency(grid, predicate="rook")
    queen = territory.adjacency(grid, predicate="queen")
    assert sorted(rook[4].tolist()) == [1, 3, 5, 7]  # the centre: four edges
    assert sorted(queen[4].tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]  # and four corners


def test_a_square_territory_has_the_polsby_popper_of_a_square():
    squares = [box(x, y, x + 1, y + 1) for y in range(2) for x in range(2)]
    table, summary = territory.plan_metrics(
        np.zeros(4, dtype=int), pd.DataFrame({"accounts": [1, 1, 1, 1]}),
        geometries=squares, neighbours=territory.adjacency(squares))
    assert summary["mean_polsby_popper"] == pytest.approx(math.pi / 4)
    assert summary["contiguous"] and summary["max_imbalance"] == 0


def test_a_row_of_equal_areas_splits_into_equal_halves():
    squares = [box(x, 0, x + 1, 1) for x in range(10)]
    neighbours = territory.adjacency(squares)
    centroids = np.array([[x + 0.5, 0.5] for x in range(10)])
    labels = territory.design(neighbours, np.ones(10), centroids, 2, tolerance=0.0)
    assert sorted(np.bincount(labels).tolist()) == [5, 5]
    assert territory.is_connected(np.flatnonzero(labels == 0), neighbours)
