"""The Huff model against a hand-written dense NumPy formula (haversine distances, every
site; or the same k nearest), probabilities summing to 1 per cell, a cell on top of a
site, market shares adding up to the demand covered, and the distance decay recovered
by calibration from patronage sampled from the model with a known exponent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatial.tradearea import calibrate_decay, huff, market_shares

R_KM = 6371.0088


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(3)
    cells = (rng.uniform(-97.9, -97.5, 3_000), rng.uniform(30.1, 30.5, 3_000))  # Austin
    sites = (rng.uniform(-97.85, -97.55, 25), rng.uniform(30.15, 30.45, 25))
    attractiveness = rng.uniform(1, 5, 25)
    return cells, sites, attractiveness


def _haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = (np.radians(v) for v in (lon1, lat1, lon2, lat2))
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * R_KM * np.arcsin(np.sqrt(h))


def _dense(cells, sites, attractiveness, decay, k=None, min_km=0.1):
    """The textbook formula over a full cells x sites matrix (optionally zeroing all but
    each cell's k nearest sites)."""
    d = _haversine_km(cells[0][:, None], cells[1][:, None], sites[0][None], sites[1][None])
    weight = attractiveness[None] * np.maximum(d, min_km) ** -decay
    if k is not None:
        far = np.argsort(d, axis=1)[:, k:]
        np.put_along_axis(weight, far, 0.0, axis=1)
    return weight / weight.sum(axis=1, keepdims=True)


def _as_matrix(result) -> np.ndarray:
    matrix = np.zeros((result.n_cells, result.n_sites))
    matrix[result.cell, result.site] = result.probability
    return matrix


def test_with_every_site_it_is_the_dense_formula(world):
    cells, sites, attractiveness = world
    result = huff(*cells, *sites, attractiveness, decay=1.7, k=None)
    assert len(result.cell) == 3_000 * 25
    expected = _dense(cells, sites, attractiveness, 1.7)
    assert np.abs(_as_matrix(result) - expected).max() < 1e-9
    d = _haversine_km(cells[0][result.cell], cells[1][result.cell], sites[0][result.site],
                      sites[1][result.site])
    assert np.abs(result.distance_km - d).max() < 1e-6


def test_with_k_nearest_it_is_the_dense_formula_over_those_sites(world):
    cells, sites, attractiveness = world
    result = huff(*cells, *sites, attractiveness, decay=2.0, k=4)
    assert np.bincount(result.cell).tolist() == [4] * 3_000
    expected = _dense(cells, sites, attractiveness, 2.0, k=4)
    assert np.abs(_as_matrix(result) - expected).max() < 1e-9


@pytest.mark.parametrize("options", [{"k": None}, {"k": 3}, {"k": 1}, {"k": 10, "max_km": 5}])
def test_the_probabilities_of_each_cell_sum_to_one(world, options):
    cells, sites, attractiveness = world
    result = huff(*cells, *sites, attractiveness, **options)
    sums = np.bincount(result.cell, weights=result.probability, minlength=result.n_cells)
    with_sites = np.bincount(result.cell, minlength=result.n_cells) > 0
    assert np.allclose(sums[with_sites], 1.0, atol=1e-12)
    assert ((result.probability >= 0) & (result.probability <= 1)).all()


def test_max_km_leaves_out_far_sites_and_cells_with_none(world):
    cells, sites, attractiveness = world
    result = huff(*cells, *sites, attractiveness, k=None, max_km=3.0)
    assert result.distance_km.max() <= 3.0
    d = _haversine_km(cells[0][:, None], cells[1][:, None], sites[0][None], sites[1][None])
    assert len(result.cell) == int((d <= 3.0).sum())
    assert set(np.unique(result.cell)) == set(np.flatnonzero((d <= 3.0).any(axis=1)))


def test_a_cell_on_top_of_a_site_mostly_goes_to_it_unless_another_is_far_more_attractive():
    # a cell at site 0; sites 1 and 2 are 5 km east and west (0.045 deg of longitude at
    # the equator is 5.0 km); distances are floored at min_km = 0.1
    cell = (np.array([0.0]), np.array([0.0]))
    dx = 5.0 / (R_KM * np.pi / 180)
    sites = (np.array([0.0, dx, -dx]), np.zeros(3))
    equal = huff(*cell, *sites, np.ones(3), decay=2.0, k=None)
    assert _as_matrix(equal)[0, 0] == pytest.approx(1 / (1 + 2 * (0.1 / 5) ** 2))
    assert equal.distance_km[equal.site == 0][0] == 0.0
    giant = huff(*cell, *sites, np.array([1.0, 1000.0, 1.0]), decay=2.0, k=None)
    p = _as_matrix(giant)[0]
    total = 1 / 0.1 ** 2 + 1001 / 5 ** 2
    assert p[0] == pytest.approx(100 / total) and p[1] == pytest.approx(40 / total)
    assert p[1] < p[0] < 0.75


def test_no_decay_leaves_only_attractiveness(world):
    cells, sites, attractiveness = world
    result = huff(*cells, *sites, attractiveness, decay=0.0, k=None)
    assert np.allclose(result.probability,
                       attractiveness[result.site] / attractiveness.sum())


def test_market_shares_add_up_to_the_demand_covered(world):
    cells, sites, attractiveness = world
    demand = np.random.default_rng(5).uniform(0, 100, 3_000)
    everyone = market_shares(huff(*cells, *sites, attractiveness, k=None), demand)
    assert everyone.index.name == "site" and len(everyone) == 25
    assert everyone["expected"].sum() == pytest.approx(demand.sum())
    assert everyone["share"].sum() == pytest.approx(1.0)
    dense = _dense(cells, sites, attractiveness, 2.0)
    assert np.allclose(everyone["expected"], demand @ dense)

    near = market_shares(huff(*cells, *sites, attractiveness, k=5, max_km=2.0), demand)
    d = _haversine_km(cells[0][:, None], cells[1][:, None], sites[0][None], sites[1][None])
    covered = demand[(d <= 2.0).any(axis=1)].sum()
    assert near.attrs["covered_demand"] == pytest.approx(covered)
    assert near.attrs["total_demand"] == pytest.approx(demand.sum())
    assert near["expected"].sum() == pytest.approx(covered)
    assert near["share"].sum() == pytest.approx(1.0)
    assert near["expected"].sum() / demand.sum() < 1


def _patronage(world, decay: float, customers: int, seed: int) -> pd.DataFrame:
    """How many of ``customers`` (spread over the cells) use each site, each customer's
    site drawn from the model with ``decay``."""
    cells, sites, attractiveness = world
    rng = np.random.default_rng(seed)
    per_cell = np.bincount(rng.integers(0, len(cells[0]), customers), minlength=len(cells[0]))
    p = _dense(cells, sites, attractiveness, decay)
    rows = [(i, j, n) for i in np.flatnonzero(per_cell)
            for j, n in enumerate(rng.multinomial(per_cell[i], p[i])) if n]
    return pd.DataFrame(rows, columns=["cell", "site", "count"])


def test_calibration_recovers_the_decay_that_made_the_flows(world):
    cells, sites, attractiveness = world
    flows = _patronage(world, 1.8, 4_000, seed=8)
    fitted = calibrate_decay(flows, *cells, *sites, attractiveness)
    assert fitted.decay == pytest.approx(1.8, abs=0.1)
    assert fitted.n_flows == len(flows) and fitted.n_customers == 4_000
    assert fitted.n_outside == 0 and not fitted.at_bound
    # the fitted decay is the most likely: a worse one is less likely
    worse = calibrate_decay(flows, *cells, *sites, attractiveness, bounds=(0.5, 0.6))
    assert worse.log_likelihood < fitted.log_likelihood and worse.at_bound


def test_calibration_over_the_k_nearest_leaves_out_far_flows_and_still_finds_the_decay(world):
    cells, sites, attractiveness = world
    flows = _patronage(world, 1.8, 4_000, seed=9)
    fitted = calibrate_decay(flows, *cells, *sites, attractiveness, k=5)
    assert fitted.n_outside > 0
    assert fitted.n_flows + fitted.n_outside == len(flows)
    assert fitted.decay == pytest.approx(1.8, abs=0.15)


def test_no_flows_is_refused(world):
    cells, sites, attractiveness = world
    empty = pd.DataFrame({"cell": [], "site": [], "count": []})
    with pytest.raises(ValueError, match="no flows"):
        calibrate_decay(empty, *cells, *sites, attractiveness)
    zeros = pd.DataFrame({"cell": [1, 2], "site": [0, 3], "count": [0, 0]})
    with pytest.raises(ValueError, match="no flows"):
        calibrate_decay(zeros, *cells, *sites, attractiveness)


def test_flows_with_bad_indices_are_refused(world):
    cells, sites, attractiveness = world
    flows = pd.DataFrame({"cell": [1], "site": [25], "count": [3]})
    with pytest.raises(ValueError, match="site must be indices 0..24"):
        calibrate_decay(flows, *cells, *sites, attractiveness)


@pytest.mark.parametrize(("change", "message"), [
    ({"attractiveness": np.r_[0.0, np.ones(24)]}, "attractiveness must be positive"),
    ({"attractiveness": np.ones(3)}, "one per site"),
    ({"k": 0}, "k "),
    ({"decay": -1.0}, "decay"),
    ({"max_km": 0.0}, "max_km"),
    ({"min_km": 0.0}, "min_km"),
])
def test_bad_inputs_are_refused(world, change, message):
    cells, sites, attractiveness = world
    options = {"attractiveness": attractiveness, **change}
    a = options.pop("attractiveness")
    with pytest.raises(ValueError, match=message):
        huff(*cells, *sites, a, **options)


def test_swapped_coordinates_are_caught(world):
    cells, sites, attractiveness = world
    with pytest.raises(ValueError, match="swapped"):
        huff(cells[1], cells[0] * 2, *sites, attractiveness)


def test_demand_must_match_the_cells(world):
    cells, sites, attractiveness = world
    result = huff(*cells, *sites, attractiveness)
    with pytest.raises(ValueError, match="one per cell"):
        market_shares(result, np.ones(10))
