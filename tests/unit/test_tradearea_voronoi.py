"""Thiessen trade areas: the cells partition the extent (areas add up, no overlaps), every
site is in its own cell, random points fall in the cell of their geodesically nearest site
(pyproj.Geod), and clear errors."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from spatial.crs import equal_area_crs, local_metric_crs
from spatial.tradearea import thiessen

GEOD = Geod(ellps="WGS84")
EXTENT = shapely.box(-122.6, 37.2, -121.7, 37.95)  # the Bay Area, lon/lat


@pytest.fixture(scope="module")
def sites() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(-122.5, -121.8, 40), rng.uniform(37.3, 37.85, 40)
    return gpd.GeoDataFrame({"site": [f"store {i}" for i in range(40)]},
                            geometry=gpd.points_from_xy(lon, lat), crs=4326)


@pytest.fixture(scope="module")
def cells(sites) -> gpd.GeoDataFrame:
    return thiessen(sites, EXTENT)


def _km2(geoms: gpd.GeoSeries, crs) -> np.ndarray:
    return geoms.to_crs(crs).area.to_numpy() / 1e6


def test_the_cells_partition_the_extent(cells):
    crs = equal_area_crs(cells)
    # the box's edges are straight in lon/lat: densify so the projection keeps them
    extent_km2 = _km2(gpd.GeoSeries([shapely.segmentize(EXTENT, 0.001)], crs=4326), crs)[0]
    areas = _km2(cells.geometry, crs)
    assert areas.sum() == pytest.approx(extent_km2, rel=1e-4)
    union_km2 = _km2(gpd.GeoSeries([cells.union_all()], crs=4326), crs)[0]
    assert union_km2 == pytest.approx(areas.sum(), rel=1e-6)  # no overlaps
    assert (areas > 0).all()
    assert cells.geometry.is_valid.all()


def test_one_row_per_site_in_their_order(sites, cells):
    assert list(cells.columns) == ["site", "geometry"]
    assert list(cells["site"]) == list(sites["site"])
    assert cells.crs.equals(4326)


def test_every_site_lies_in_its_own_cell(sites, cells):
    assert cells.geometry.contains(sites.geometry).all()


def test_a_point_lies_in_the_cell_of_its_nearest_site(sites, cells):
    rng = np.random.default_rng(11)
    lon, lat = rng.uniform(-122.55, -121.75, 300), rng.uniform(37.25, 37.9, 300)
    site_lon, site_lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    checked = 0
    for x, y in zip(lon, lat, strict=True):
        _, _, metres = GEOD.inv(np.full(len(sites), x), np.full(len(sites), y),
                                site_lon, site_lat)
        first, second = np.sort(metres)[:2]
        if second - first < 1.0:  # on a border, to a metre: either cell is right
            continue
        holder = cells.index[cells.geometry.contains(shapely.Point(x, y))]
        assert list(holder) == [int(np.argmin(metres))]
        checked += 1
    assert checked > 290


def test_the_default_extent_is_the_sites_hull_with_10_km_around(sites):
    cells = thiessen(sites)
    crs = local_metric_crs(sites)
    expected = sites.to_crs(crs).union_all().convex_hull.buffer(10_000, quad_segs=64).area
    assert _km2(cells.geometry, crs).sum() == pytest.approx(expected / 1e6, rel=0.002)
    assert cells.geometry.contains(sites.geometry).all()


def test_a_single_site_gets_the_whole_extent():
    one = gpd.GeoDataFrame({"site": [1]}, geometry=[shapely.Point(-122.0, 37.5)], crs=4326)
    cell = thiessen(one, EXTENT).geometry.iloc[0]
    assert cell.symmetric_difference(EXTENT).area < 1e-9


def test_an_extent_can_be_a_geoseries_in_any_crs(sites, cells):
    extent = gpd.GeoSeries([EXTENT], crs=4326).to_crs(3857)
    again = thiessen(sites, extent)
    crs = equal_area_crs(cells)
    assert _km2(again.geometry, crs) == pytest.approx(_km2(cells.geometry, crs), rel=1e-4)


def test_two_sites_at_one_location_are_named(sites):
    twins = sites.copy()
    twins.loc[5, "geometry"] = twins.geometry.iloc[17]
    with pytest.raises(ValueError, match="'store 5' and 'store 17'|'store 17' and 'store 5'"):
        thiessen(twins)


def test_no_sites_is_refused(sites):
    with pytest.raises(ValueError, match="at least one site"):
        thiessen(sites.iloc[:0])


def test_an_extent_that_is_not_an_area_is_refused(sites):
    with pytest.raises(ValueError, match="no area"):
        thiessen(sites, shapely.LineString([(-122, 37), (-121, 38)]))
