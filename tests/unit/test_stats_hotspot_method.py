"""Hot spots with known answers (spatial.stats): a planted cluster on a 15x15 lattice is
found by Gi* and Local Moran and by global Moran's I; a random field gives about alpha
false positives before the FDR correction and none after; Gi* equals esda's own; rates
are tested as rates (a block of 12-customer regions with high rates by noise is not hot,
a big region with a truly high rate is); emerging hot spots; refusals."""

from __future__ import annotations

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spatial.stats import emerging, global_moran, hotspots, region_weights
from spatial.stats.hotspots import hot_periods

SIDE = 15


def block(rows: range, cols: range) -> list[int]:
    return [r * SIDE + c for r in rows for c in cols]


CLUSTER = block(range(6, 9), range(6, 9))
AROUND = block(range(5, 10), range(5, 10))  # the cluster and the cells touching it


def lattice() -> gpd.GeoSeries:
    return gpd.GeoSeries([box(i % SIDE, i // SIDE, i % SIDE + 1, i // SIDE + 1)
                          for i in range(SIDE * SIDE)])


@pytest.fixture(scope="module")
def weights():
    return region_weights(lattice(), kind="queen")[0]


@pytest.fixture(scope="module")
def planted() -> np.ndarray:
    y = np.random.default_rng(0).normal(10, 1, SIDE * SIDE)
    y[CLUSTER] += 5
    return y


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return np.random.default_rng(100).normal(10, 1, SIDE * SIDE)


def test_gi_finds_the_planted_cluster_and_little_else(weights, planted):
    table = hotspots(planted, weights, method="gi", random_state=0)
    assert list(table.columns) == ["value", "statistic", "z", "p", "p_fdr", "significant",
                                   "class"]
    assert len(table) == SIDE * SIDE
    hot = set(np.flatnonzero(table["class"] == "hot"))
    assert len(hot & set(CLUSTER)) >= 7
    assert len(hot - set(AROUND)) <= 2  # hardly anything hot away from the cluster
    assert len(hot - set(CLUSTER)) <= 6
    # a low patch may show as cold beside so high a cluster, but hardly any
    assert (table["class"] == "cold").sum() <= 2
    assert (table.loc[CLUSTER, "z"] > 0).all()
    assert table["significant"].equals(table["p_fdr"] <= 0.05)


def test_lisa_calls_the_planted_cluster_high_high(weights, planted):
    table = hotspots(planted, weights, method="lisa", random_state=0)
    classes = table["class"]
    assert (classes.loc[CLUSTER] == "HH").sum() >= 7
    assert len(set(np.flatnonzero(classes != "not significant")) - set(AROUND)) <= 2
    assert set(classes) <= {"HH", "LL", "HL", "LH", "not significant"}


def test_global_moran_says_clustered_for_the_cluster_and_random_for_noise(
        weights, planted, noise):
    result = global_moran(planted, weights, permutations=199, random_state=0)
    assert result["clustered"] == "clustered"
    assert result["p"] < 0.05 and result["I"] > result["expected"]
    assert set(result) == {"I", "expected", "z", "p", "clustered"}
    result = global_moran(noise, weights, permutations=199, random_state=0)
    assert result["clustered"] == "random" and result["p"] > 0.05
    assert global_moran(noise, weights, permutations=199, random_state=0) == result


@pytest.mark.parametrize("method", ["gi", "lisa"])
def test_a_random_field_gives_about_alpha_before_correction_and_none_after(
        weights, noise, method):
    raw = hotspots(noise, weights, method=method, permutations=199, fdr=False,
                   random_state=0)
    assert 0.01 <= raw["significant"].mean() <= 0.12
    assert raw["significant"].equals(raw["p"] <= 0.05)
    corrected = hotspots(noise, weights, method=method, permutations=199, random_state=0)
    assert corrected["significant"].sum() <= 2
    assert (corrected["p_fdr"] >= corrected["p"]).all()
    assert corrected["p"].equals(raw["p"])  # the same run, corrected or not


def test_gi_star_equals_esda_on_the_same_weights_data_and_seed(planted):
    ours = hotspots(planted, region_weights(lattice())[0], permutations=199,
                    random_state=42)
    with pytest.warns(UserWarning):  # esda infers the self-weight of binary weights
        theirs = esda.G_Local(planted, region_weights(lattice())[0], star=True,
                              permutations=199, seed=42)
    np.testing.assert_allclose(ours["statistic"], theirs.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["z"], theirs.z_sim, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["p"], theirs.p_sim, rtol=0, atol=1e-9)


def test_a_region_is_hot_or_cold_by_the_tail_its_p_value_is_of():
    """Region 5 of this map has a high value (9.2) among low neighbours. Holding its own
    value (conditional permutation, where p comes from), its neighbourhood is in the low
    tail: p = 0.014, z against the permutations -1.36. The analytic Gi* z (total
    randomisation) is +0.05. Called "hot" by the analytic sign, it was a hot spot with a
    p-value that measured how low it is; it is cold, and z says so."""
    values = np.random.default_rng(112).lognormal(0, 1, 41)
    geometry = gpd.GeoSeries([box(i % 8, i // 8, i % 8 + 1, i // 8 + 1) for i in range(40)]
                             + [box(-10, 0, -9, 1)])
    w, _ = region_weights(geometry)
    found = hotspots(values, w, permutations=999, fdr=False, random_state=1)
    assert values[5] > np.median(values) and found["statistic"][5] > 0  # analytic: above
    assert found["class"][5] == "cold" and found["z"][5] < 0 and found["p"][5] < 0.05
    z = found["z"].to_numpy()
    called = found["class"].to_numpy()
    assert (z[called == "hot"] > 0).all() and (z[called == "cold"] < 0).all()


def test_same_seed_same_answer(weights, planted):
    first = hotspots(planted, weights, method="lisa", permutations=99, random_state=3)
    again = hotspots(planted, weights, method="lisa", permutations=99, random_state=3)
    pd.testing.assert_frame_equal(first, again)


@pytest.fixture(scope="module")
def rates():
    """1,000 customers and a 5% complaint rate almost everywhere; a block of tiny regions
    (12 customers) with 2-4 complaints each (17-33%, by noise); a block of big regions
    (5,000 customers) with a true 8%."""
    rng = np.random.default_rng(0)
    small, big = block(range(1, 4), range(1, 4)), block(range(9, 12), range(9, 12))
    base = np.full(SIDE * SIDE, 1000.0)
    base[big], base[small] = 5000, 12
    events = rng.poisson(base * 0.05).astype(float)
    events[big] = rng.poisson(5000 * 0.08, len(big))
    events[small] = rng.integers(2, 5, len(small))
    return events, base, small, big


@pytest.mark.parametrize("method, high", [("gi", "hot"), ("lisa", "HH")])
def test_a_rate_is_tested_as_a_rate(weights, rates, method, high):
    events, base, small, big = rates
    naive = hotspots(events / base, weights, method=method, random_state=0)
    assert (naive.loc[small, "class"] == high).sum() >= 5  # what a raw rate map says

    table = hotspots(events, weights, base=base, method=method, random_state=0)
    assert not (table.loc[small, "class"] == high).any()
    assert (table.loc[big, "class"] == high).sum() >= 5
    assert (table.loc[small, "value"] < 0.07).all()  # pulled to the overall ~5%
    assert (table.loc[big, "value"] > 0.07).all()  # a big base keeps its rate

    floor = hotspots(events, weights, base=base, method=method, min_base=30,
                     random_state=0)
    assert (floor.loc[small, "class"] == "too few").all()
    assert floor.loc[small, ["statistic", "z", "p", "p_fdr"]].isna().all().all()
    assert not floor.loc[small, "significant"].any()
    assert (floor.loc[big, "class"] == high).sum() >= 5
    assert floor["p_fdr"].notna().sum() == SIDE * SIDE - len(small)


def test_global_moran_of_a_rate_and_the_regions_labels_kept(weights, rates, planted):
    events, base, _small, _big = rates
    naive = global_moran(events / base, weights, permutations=199, random_state=0)
    smoothed = global_moran(events, weights, base=base, permutations=199, random_state=0)
    assert smoothed["clustered"] == naive["clustered"] == "clustered"
    assert smoothed["I"] != naive["I"]
    codes = pd.Index([f"{i:05d}" for i in range(SIDE * SIDE)], name="fips")
    table = hotspots(pd.Series(planted, index=codes), weights, permutations=999,
                     random_state=0)
    assert table.index.equals(codes)
    assert table.loc["00112", "class"] == "hot"  # the cluster's middle cell


def test_emerging_hot_spots_new_and_persistent():
    classes = pd.DataFrame({
        "2026-Q1": ["hot", "cold", "hot", "hot", "not significant"],
        "2026-Q2": ["hot", "hot", "not significant", "hot", "hot"],
        "2026-Q3": ["hot", "hot", "hot", "not significant", "cold"],
    }, index=["a", "b", "c", "d", "e"])
    assert emerging(classes).to_dict() == {
        "a": "persistent", "b": "persistent", "c": "new", "d": "", "e": ""}
    assert hot_periods(classes).to_dict() == {"a": 3, "b": 2, "c": 1, "d": 0, "e": 0}


def test_refusals_say_what_would_work(weights, planted):
    nine = region_weights(lattice()[:9])[0]
    with pytest.raises(ValueError, match="at least 10 regions, got 9: use a finer level"):
        hotspots(np.arange(9.0), nine)
    with pytest.raises(ValueError, match="zero in every region.*another measure"):
        hotspots(np.zeros(SIDE * SIDE), weights)
    with pytest.raises(ValueError, match="7 in every region"):
        global_moran(np.full(SIDE * SIDE, 7.0), weights)
    bad = planted.copy()
    bad[4] = np.nan
    with pytest.raises(ValueError, match="1 values are missing or infinite .*position 4"):
        hotspots(bad, weights)
    with pytest.raises(ValueError, match="224 values but the weights have 225 regions"):
        hotspots(planted[:-1], weights)
    with pytest.raises(ValueError, match="225 values but 224 base counts"):
        hotspots(planted, weights, base=np.ones(SIDE * SIDE - 1))
    with pytest.raises(ValueError, match="method must be 'gi'"):
        hotspots(planted, weights, method="kriging")
    with pytest.raises(ValueError, match="can be negative .* use method='lisa'"):
        hotspots(planted - 12, weights, method="gi")
    # Rates that differ no more than chance would make them: nothing to find, said so.
    with pytest.raises(ValueError, match="no more than chance alone.*nothing to find"):
        hotspots(np.r_[np.ones(SIDE * SIDE - 1), 2.0], weights,
                 base=np.full(SIDE * SIDE, 10.0))
    with pytest.raises(ValueError, match="hot spots need at least 10: lower min_base"):
        hotspots(planted, weights, base=np.full(SIDE * SIDE, 5.0), min_base=30)
