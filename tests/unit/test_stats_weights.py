"""Spatial weights from regions (spatial.stats.region_weights): contiguity on a lattice,
an island joined to its nearest region, k-nearest neighbours, the summary and refusals."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from spatial.stats import region_weights

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "us"


def lattice(side: int, crs=None) -> gpd.GeoSeries:
    return gpd.GeoSeries([box(i % side, i // side, i % side + 1, i // side + 1)
                          for i in range(side * side)], crs=crs)


def test_queen_and_rook_on_a_lattice_count_the_neighbours_people_expect():
    w, summary = region_weights(lattice(5), kind="queen")
    assert w.n == 25
    assert w.cardinalities[0] == 3 and w.cardinalities[12] == 8  # corner, middle
    assert summary == {"kind": "queen", "neighbours_min": 3, "neighbours_mean": 5.76,
                       "neighbours_max": 8, "islands_bridged": 0}
    w, summary = region_weights(lattice(5), kind="rook")
    assert w.cardinalities[0] == 2 and w.cardinalities[12] == 4
    assert summary["neighbours_min"] == 2 and summary["neighbours_max"] == 4


def test_an_island_is_bridged_to_its_nearest_region_and_everyone_has_a_neighbour():
    geoms = list(lattice(4))
    geoms.append(box(6, 1, 7, 2))  # off the east edge, nearest to the cell (3, 1)
    w, summary = region_weights(gpd.GeoSeries(geoms), kind="queen")
    assert summary["islands_bridged"] == 1
    assert summary["neighbours_min"] >= 1
    assert all(w.cardinalities[i] >= 1 for i in range(w.n))
    assert w.neighbors[16] == [7]  # the island's neighbour: x 3..4, y 1..2
    assert 16 in w.neighbors[7]


def test_knn_gives_each_region_k_neighbours_also_in_degrees():
    cells = lattice(6, crs="EPSG:4326").translate(-100, 35)  # 1-degree cells in Kansas
    w, summary = region_weights(cells, kind="knn", k=4)
    assert all(w.cardinalities[i] == 4 for i in range(w.n))
    assert summary["neighbours_min"] == summary["neighbours_max"] == 4
    assert summary["kind"] == "knn" and summary["islands_bridged"] == 0


def test_bad_requests_are_refused_with_what_would_work():
    with pytest.raises(ValueError, match="queen, rook, knn"):
        region_weights(lattice(3), kind="distance")
    with pytest.raises(ValueError, match="k must be between 1 and 8"):
        region_weights(lattice(3), kind="knn", k=9)


def test_new_england_counties_nantucket_and_marthas_vineyard_join_the_mainland():
    if not (DATA / "geojson-counties-fips.json").exists():
        pytest.skip(f"the shared US data is not beside this clone ({DATA})")
    counties = gpd.read_file(DATA / "geojson-counties-fips.json")
    counties = counties[counties["STATE"].isin(["09", "23", "25", "33", "36", "44", "50"])]
    counties = counties.reset_index(drop=True)
    fips = (counties["STATE"] + counties["COUNTY"]).tolist()
    w, summary = region_weights(counties.geometry, kind="queen")  # in degrees, EPSG:4326
    assert summary["islands_bridged"] == 2 and summary["neighbours_min"] == 1
    nantucket, dukes = fips.index("25019"), fips.index("25007")
    assert [fips[j] for j in w.neighbors[nantucket]] == ["25007"]
    assert sorted(fips[j] for j in w.neighbors[dukes]) == ["25001", "25019"]  # Barnstable
