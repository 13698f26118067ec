"""Ring trade areas: a 5 km ring is a 5 km circle at any latitude (area measured in an
equal-area projection centred on the site, edge points placed with pyproj.Geod.fwd), one
row per site and radius, and clear errors."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod

from spatial.tradearea import rings

GEOD = Geod(ellps="WGS84")


def _sites(lons, lats, ids=None, crs=4326) -> gpd.GeoDataFrame:
    ids = list(ids) if ids is not None else [f"S{i}" for i in range(len(lons))]
    return gpd.GeoDataFrame({"site": ids}, geometry=gpd.points_from_xy(lons, lats), crs=crs)


def _km2_around(polygon, lon: float, lat: float) -> float:
    laea = CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m")
    return float(gpd.GeoSeries([polygon], crs=4326).to_crs(laea).area.iloc[0]) / 1e6


@pytest.mark.parametrize("lat", [0.0, 45.0, 60.0, 70.0])
def test_a_5_km_ring_has_the_area_of_a_5_km_circle_at_any_latitude(lat):
    ring = rings(_sites([10.0], [lat]), [5]).geometry.iloc[0]
    assert _km2_around(ring, 10.0, lat) == pytest.approx(math.pi * 25, rel=0.005)


@pytest.mark.parametrize("lat", [0.0, 60.0])
def test_the_ring_holds_a_point_4_9_km_away_and_not_one_5_1_km_away(lat):
    ring = rings(_sites([-3.0], [lat]), [5]).geometry.iloc[0]
    for azimuth in range(0, 360, 15):
        near = GEOD.fwd(-3.0, lat, azimuth, 4_900)[:2]
        far = GEOD.fwd(-3.0, lat, azimuth, 5_100)[:2]
        assert ring.contains(shapely.Point(near)), azimuth
        assert not ring.contains(shapely.Point(far)), azimuth


def test_one_row_per_site_and_radius_in_the_order_given():
    zones = rings(_sites([-122.1, -73.9], [37.4, 40.7], ids=["sf", "ny"]), [3, 1])
    assert zones.crs.equals(4326)
    assert list(zones.columns) == ["site", "radius_km", "geometry"]
    assert list(zones["site"]) == ["sf", "sf", "ny", "ny"]
    assert list(zones["radius_km"]) == [3.0, 1.0, 3.0, 1.0]
    assert zones.geometry.is_valid.all()
    assert (zones.geom_type == "Polygon").all()
    sf3, sf1 = zones.geometry.iloc[0], zones.geometry.iloc[1]
    assert sf3.contains(sf1)
    assert _km2_around(sf3, -122.1, 37.4) / _km2_around(sf1, -122.1, 37.4) == pytest.approx(
        9, rel=1e-3)


def test_sites_in_a_projected_crs_give_the_same_rings():
    here = _sites([2.35], [48.85])
    projected = here.to_crs(3857)
    a = rings(here, [2]).geometry.iloc[0]
    b = rings(projected, [2]).geometry.iloc[0]
    assert a.symmetric_difference(b).area < 1e-10


def test_a_ring_across_the_antimeridian_stays_one_right_sized_polygon():
    ring = rings(_sites([179.99], [-17.0]), [5]).geometry.iloc[0]
    assert ring.is_valid and ring.geom_type == "Polygon"
    assert ring.bounds[2] > 180  # longitudes continue past 180
    assert _km2_around(ring, 179.99, -17.0) == pytest.approx(math.pi * 25, rel=0.005)


@pytest.mark.parametrize(("radii", "message"), [
    ([], "at least one radius"),
    ([5, 0], "positive"),
    ([-1], "positive"),
    ([np.nan], "positive"),
    (["five"], "numbers of kilometres"),
])
def test_bad_radii_are_refused(radii, message):
    with pytest.raises(ValueError, match=message):
        rings(_sites([0.0], [0.0]), radii)


def test_sites_without_a_crs_are_refused():
    with pytest.raises(ValueError, match="no CRS"):
        rings(_sites([0.0], [0.0], crs=None), [1])


def test_a_site_that_is_not_a_point_is_named():
    sites = gpd.GeoDataFrame({"site": ["ok", "mall"]},
                             geometry=[shapely.Point(0, 0), shapely.box(1, 1, 2, 2)], crs=4326)
    with pytest.raises(ValueError, match="'mall'.*not a point.*Polygon"):
        rings(sites, [1])


def test_a_site_without_a_location_is_named():
    sites = gpd.GeoDataFrame({"site": ["ok", "lost"]},
                             geometry=[shapely.Point(0, 0), shapely.Point()], crs=4326)
    with pytest.raises(ValueError, match="'lost' has no location"):
        rings(sites, [1])


def test_a_ring_that_would_hold_the_pole_is_refused():
    with pytest.raises(ValueError, match="North Pole"):
        rings(_sites([0.0], [89.99]), [5])
