"""Customer-derived trade areas on synthetic customers spread evenly over a 10 km disc
around a site (placed with pyproj.Geod.fwd), where the answers are known: 60% of the
customers lie within sqrt(0.6) * 10 = 7.75 km, so the 60% area is about that circle.
Revenue weights move the area the expected way; sites without customers are reported."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from spatial.crs import equal_area_crs
from spatial.tradearea import customer_areas

GEOD = Geod(ellps="WGS84")
HOME = (-87.63, 41.88)  # Chicago
AWAY = (-87.9, 42.05)


def _sites(*points, ids=("home", "away")) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"site": list(ids[:len(points)])},
                            geometry=[shapely.Point(p) for p in points], crs=4326)


def _disc(centre, n: int, radius_km: float, seed: int):
    """n points uniform over a disc (area-uniform: r = R sqrt(u)), as lon, lat, km."""
    rng = np.random.default_rng(seed)
    km = radius_km * np.sqrt(rng.uniform(0, 1, n))
    lon, lat, _ = GEOD.fwd(np.full(n, centre[0]), np.full(n, centre[1]),
                           rng.uniform(0, 360, n), km * 1000)
    return lon, lat, km


@pytest.fixture(scope="module")
def customers() -> gpd.GeoDataFrame:
    lon, lat, km = _disc(HOME, 20_000, 10.0, seed=1)
    alon, alat, akm = _disc(AWAY, 5_000, 4.0, seed=2)
    return gpd.GeoDataFrame(
        {"site": ["home"] * len(lon) + ["away"] * len(alon),
         "km": np.r_[km, akm],
         "revenue": np.r_[np.where(km < 3, 10.0, 1.0), np.ones(len(alon))]},
        geometry=gpd.points_from_xy(np.r_[lon, alon], np.r_[lat, alat]), crs=4326)


@pytest.fixture(scope="module")
def areas(customers) -> gpd.GeoDataFrame:
    return customer_areas(_sites(HOME, AWAY), customers, (0.6, 0.8))


def _row(areas, site, share):
    return areas[(areas["site"] == site) & (areas["share"] == share)].iloc[0]


def test_one_row_per_site_and_share(areas):
    assert list(areas.columns) == ["site", "share", "held_share", "customers", "radius_km",
                                   "geometry"]
    assert list(zip(areas["site"], areas["share"], strict=True)) == [
        ("home", 0.6), ("home", 0.8), ("away", 0.6), ("away", 0.8)]
    assert areas.crs.equals(4326)
    assert (areas.geom_type == "Polygon").all() and areas.geometry.is_valid.all()


def test_the_60_percent_area_holds_60_percent_and_not_much_more(areas, customers):
    row = _row(areas, "home", 0.6)
    assert 0.6 <= row["held_share"] <= 0.7
    assert row["radius_km"] == pytest.approx(10 * math.sqrt(0.6), abs=0.1)
    mine = customers[customers["site"] == "home"]
    inside = mine.within(row.geometry)  # counted independently of the function
    assert row["customers"] == inside.sum()
    assert row["held_share"] == pytest.approx(inside.mean())


def test_the_60_percent_area_is_about_the_circle_it_should_be(areas):
    row = _row(areas, "home", 0.6)
    km2 = gpd.GeoSeries([row.geometry], crs=4326).to_crs(equal_area_crs(areas)).area[0] / 1e6
    assert km2 == pytest.approx(math.pi * 60, rel=0.05)  # pi * (sqrt(0.6) * 10)^2


def test_the_80_percent_area_contains_the_60_percent_one(areas):
    small, large = _row(areas, "home", 0.6), _row(areas, "home", 0.8)
    assert large["held_share"] > small["held_share"] >= 0.6
    assert 0.8 <= large["held_share"] <= 0.9
    assert large["radius_km"] == pytest.approx(10 * math.sqrt(0.8), abs=0.1)
    assert small.geometry.difference(large.geometry).area < 1e-3 * small.geometry.area


def test_revenue_near_the_site_shrinks_the_area(customers):
    # customers within 3 km spend 10x: they hold 0.9 / (0.9 + 0.91) of the revenue, so
    # 60% of the revenue is reached at r^2 = 0.09 + (0.6 * 1.81 - 0.9) / 1 -> 5.26 km
    counted = customer_areas(_sites(HOME), customers[customers["site"] == "home"], [0.6])
    weighted = customer_areas(_sites(HOME), customers[customers["site"] == "home"], [0.6],
                              weight="revenue")
    assert weighted["radius_km"].iloc[0] == pytest.approx(5.26, abs=0.15)
    assert weighted["radius_km"].iloc[0] < counted["radius_km"].iloc[0]
    assert weighted["held_share"].iloc[0] >= 0.6
    assert weighted.geometry.iloc[0].area < counted.geometry.iloc[0].area


def test_a_site_without_customers_gets_no_row_and_a_warning(customers):
    sites = _sites(HOME, AWAY, (-88.2, 41.7), ids=("home", "away", "new"))
    with pytest.warns(UserWarning, match="1 site.*'new'"):
        found = customer_areas(sites, customers, [0.6])
    assert list(found["site"]) == ["home", "away"]
    assert found.attrs["sites_without_customers"] == ["new"]


def test_a_lone_customer_gets_a_ring_out_to_them():
    lon, lat, _ = GEOD.fwd(HOME[0], HOME[1], 45, 2_000)
    one = gpd.GeoDataFrame({"site": ["home"]}, geometry=[shapely.Point(lon, lat)], crs=4326)
    found = customer_areas(_sites(HOME), one, [0.6])
    row = found.iloc[0]
    assert row["customers"] == 1 and row["held_share"] == 1.0
    assert row["radius_km"] == pytest.approx(2.0, abs=1e-6)
    assert row.geometry.contains(shapely.Point(lon, lat))
    km2 = gpd.GeoSeries([row.geometry], crs=4326).to_crs(equal_area_crs(found)).area[0] / 1e6
    assert km2 == pytest.approx(math.pi * 2.05 ** 2, rel=0.01)  # 2 km plus the 50 m buffer


def test_sites_and_customers_in_another_crs_give_the_same_answer(customers, areas):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = customer_areas(_sites(HOME, AWAY).to_crs(3857), customers.to_crs(3857))
    assert np.allclose(again["held_share"], areas["held_share"])
    assert np.allclose(again["radius_km"], areas["radius_km"], atol=1e-6)


@pytest.mark.parametrize("shares", [(0.0,), (0.6, 1.5), (-0.2,), (np.nan,), ()])
def test_a_share_outside_0_1_is_refused(customers, shares):
    with pytest.raises(ValueError, match="shares"):
        customer_areas(_sites(HOME, AWAY), customers, shares)


def test_a_customer_of_an_unknown_site_is_refused(customers):
    with pytest.raises(ValueError, match="5,000 customers buy from sites that are not.*'away'"):
        customer_areas(_sites(HOME), customers)


def test_negative_or_missing_weights_are_refused(customers):
    bad = customers.copy()
    bad.loc[bad.index[3], "revenue"] = -5.0
    with pytest.raises(ValueError, match="non-negative"):
        customer_areas(_sites(HOME, AWAY), bad, weight="revenue")
    with pytest.raises(ValueError, match="no weight column 'sales'"):
        customer_areas(_sites(HOME, AWAY), customers, weight="sales")
