"""The forecast's backtest arithmetic and its refusals of measures, on small synthetic
series (no database): MASE is scaled by the in-sample seasonal-naive error, a history that
never changes is left out of the scores, coverage counts the
held-out months inside the bands, and a parent's band from summed paths is narrower than
the sum of its children's bands."""

import re

import numpy as np
import pytest

from gcrm.errors import InvalidInput
from gcrm.models import forecast as fc


def _year(level: float, months: int = 36) -> np.ndarray:
    season = np.array([1, 1, 1.1, 1.2, 1.3, 1.2, 1.1, 1, 1, 1.2, 1.8, 2.4])
    return level * np.tile(season, months // 12)


def test_a_history_that_never_changes_cannot_be_scaled_and_is_left_out():
    values = np.column_stack([np.full(36, 40.0), _year(50.0) + np.arange(36)])
    point = values[-6:] + 1.0
    bounds = {"lo80": point - 5, "hi80": point + 5, "lo95": point - 20, "hi95": point + 20}
    score = fc._score(values, point, bounds)
    assert score["regions"] == 2 and score["scored"] == 1  # the flat one has no scale
    assert score["mase_model"] == pytest.approx(1.0 / 12.0)  # off by 1; the year grows 12


def test_mase_is_the_held_out_error_over_the_in_sample_seasonal_naive_error():
    rng = np.random.default_rng(0)
    y = _year(100.0) + rng.normal(0, 5, 36)
    values = y[:, None]
    train = y[:-6]
    scale = np.abs(train[12:] - train[:-12]).mean()
    point = y[-6:, None] + 3.0
    bounds = {"lo80": point - 2, "hi80": point + 2, "lo95": point - 4, "hi95": point + 4}
    score = fc._score(values, point, bounds)
    assert score["mase_model"] == pytest.approx(3.0 / scale)
    naive = np.abs(y[-6:] - y[-18:-12]).mean() / scale
    assert score["mase_baseline"] == pytest.approx(naive)
    # Every held-out month is 3 from the point: outside the 80% band (+-2), inside 95% (+-4).
    assert score["coverage80"] == 0.0 and score["coverage95"] == 1.0


def test_a_parents_band_from_summed_paths_is_narrower_than_the_summed_bands():
    rng = np.random.default_rng(1)
    below, above = fc._Tier(), fc._Tier()
    below.point = np.round(rng.uniform(10, 20, size=(3, 4)), 2)
    below.paths = below.point[:, None, :] + rng.normal(0, 3, size=(3, 1000, 4))
    below.parent_of = np.array([0, 0, 0, 0])
    above.ids = [1]
    fitted = fc._Fitted()
    fitted.point, fitted.paths = below.point, below.paths
    fc._roll_up([below, above], fitted)
    assert np.array_equal(above.point[:, 0], np.round(below.point.sum(axis=1), 2))
    child = fc._bounds(below.paths)
    parent = fc._bounds(above.paths)
    summed = child["hi95"].sum(axis=1) - child["lo95"].sum(axis=1)
    assert (parent["hi95"][:, 0] - parent["lo95"][:, 0] < 0.7 * summed).all()


@pytest.mark.parametrize(("measure", "words"), [
    ("average_order_value", "is a ratio (revenue / orders)"),
    ("churn_rate", "is a ratio"),
    ("customers", "count at a moment"),
    ("prospects", "no month-by-month history"),
    ("median_resolution_hours", "is a median or an average"),
])
def test_measures_that_do_not_add_up_are_refused_naming_those_that_do(measure, words):
    with pytest.raises(InvalidInput, match=re.escape(words)) as refused:
        fc._check_measure(measure)
    for flow in ("revenue", "orders", "new_customers", "churned_customers", "service_cases",
                 "complaints"):
        assert flow in str(refused.value).split("months: ")[1]
