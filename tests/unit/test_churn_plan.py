"""The churn model's plan of cutoffs and its horizon words: training windows end before
the evaluated window starts, too short a history is refused with the numbers, and a
horizon is read as a person writes it."""

import datetime as dt
import itertools

import pytest

from gcrm.cli.model import horizon_days
from gcrm.errors import InvalidInput
from gcrm.models.churn_train import CUTOFF_STEP_DAYS, MIN_HISTORY_DAYS, plan_cutoffs

FIRST, LAST = dt.date(2023, 11, 1), dt.date(2026, 10, 30)


def test_no_training_window_overlaps_the_evaluated_one():
    as_of, evaluated, cutoffs = plan_cutoffs(FIRST, LAST, horizon_days=90)
    assert as_of == LAST and evaluated == dt.date(2026, 8, 1)
    assert cutoffs[-1] + dt.timedelta(days=90) == evaluated
    assert all(c + dt.timedelta(days=90) <= evaluated for c in cutoffs)
    assert cutoffs[0] >= FIRST + dt.timedelta(days=MIN_HISTORY_DAYS)
    assert {(b - a).days for a, b in itertools.pairwise(cutoffs)} == {CUTOFF_STEP_DAYS}


def test_as_of_moves_every_window_back_and_may_not_pass_the_data():
    _, evaluated, cutoffs = plan_cutoffs(FIRST, LAST, horizon_days=30,
                                         as_of=dt.date(2025, 12, 31))
    assert evaluated == dt.date(2025, 12, 1) and cutoffs[-1] == dt.date(2025, 11, 1)
    with pytest.raises(InvalidInput, match="after the last day with data"):
        plan_cutoffs(FIRST, LAST, horizon_days=30, as_of=dt.date(2027, 1, 1))


def test_a_horizon_longer_than_the_data_is_refused_with_the_numbers():
    with pytest.raises(InvalidInput, match=r"A 500-day horizon needs 1,180 days of data .* "
                                           r"1,094 days\. Use a horizon of 457 days or less"):
        plan_cutoffs(FIRST, LAST, horizon_days=500)
    plan_cutoffs(FIRST, LAST, horizon_days=457)  # the longest that works, works


@pytest.mark.parametrize(("words", "days"), [("90d", 90), ("90", 90), ("12w", 84), ("3m", 90)])
def test_a_horizon_reads_as_written(words, days):
    assert horizon_days(words) == days


@pytest.mark.parametrize("words", ["2y", "soon", "0d", ""])
def test_a_horizon_that_is_no_number_of_days_is_refused(words):
    with pytest.raises(InvalidInput, match="horizon"):
        horizon_days(words)
