"""Numbers, dates and labels as people read them (dashboards.formatting), the same on
every page."""

import datetime as dt

import pandas as pd
import pytest

from dashboards import formatting


@pytest.mark.parametrize(("x", "unit", "shown"), [
    (4008743.12, "currency", "$4,008,743"),  # whole dollars from $1,000
    (52.371, "currency", "$52.37"),  # cents below
    (-1200.0, "currency", "-$1,200"),
    (13.0, "customers", "13"),  # a count is a whole number
    (1446.0, "accounts", "1,446"),
    (0.0237, "share", "2.4%"),
    (3.5514, "score 1-5", "3.55"),
    (None, "currency", "–"),
    (float("nan"), "customers", "–"),
])
def test_values_read_as_people_write_them(x, unit, shown):
    assert formatting.value(x, unit) == shown


def test_compact_money_for_legends():
    assert formatting.money(4008743, compact=True) == "$4.0M"
    assert formatting.money(261406, compact=True) == "$261.4k"


def test_a_rate_changes_in_percentage_points_other_measures_in_percent():
    assert formatting.change(0.031, 0.024, "share") == "+0.7 pp"
    assert formatting.change(0.020, 0.024, "share") == "-0.4 pp"
    assert formatting.change(110.0, 100.0, "currency") == "+10.0%"
    assert formatting.change(5, 0, "customers") is None  # nothing to compare with
    assert formatting.change(5, None, "customers") is None
    # No change reads as none, without a sign (an arrow would say it went up).
    assert formatting.change(0.0241, 0.0240, "share") == "0.0 pp"
    assert formatting.change(13, 13, "customers") == "0.0%"
    assert formatting.is_flat("0.0 pp") and not formatting.is_flat("+0.7 pp")


def test_dates_have_no_time_zone():
    assert formatting.when(pd.Timestamp("2026-03-04 14:05:09+00:00")) == "2026-03-04 14:05"
    assert formatting.when(pd.Timestamp("2026-03-04 00:00:00+00:00")) == "2026-03-04"
    assert formatting.when(dt.date(2026, 3, 4)) == "2026-03-04"
    assert formatting.when(None) == "–"


def test_units_are_named_only_when_they_add_something():
    assert formatting.titled("customers", "customers") == "customers"  # not "(customers)"
    assert formatting.titled("revenue", "currency") == "revenue ($)"
    assert formatting.titled("churn rate", "share") == "churn rate (%)"
    assert formatting.label("average_order_value") == "Average order value"


def test_count_bounds_become_whole_steps():
    assert formatting.whole_bounds((3.4, 3.9, 7.8, 12.0)) == (4.0, 8.0, 12.0)


def test_a_history_table_shows_no_ids_and_no_time_zones():
    frame = pd.DataFrame({
        "id": [7, 8], "site_id": [1, 2],
        "opened_at": pd.to_datetime(["2026-01-11 09:00", "2026-03-06 09:30"]).tz_localize("UTC"),
        "order_date": [dt.date(2026, 1, 10), dt.date(2026, 2, 10)],
        "satisfaction": [2.0, None], "amount": [100.0, 50.5]})
    shown = formatting.for_people(frame, counts=("satisfaction",))
    assert list(shown.columns) == ["opened_at", "order_date", "satisfaction", "amount"]
    assert shown["opened_at"].tolist() == ["2026-01-11 09:00", "2026-03-06 09:30"]
    assert shown["order_date"].tolist() == ["2026-01-10", "2026-02-10"]
    assert str(shown["satisfaction"].dtype) == "Int64" and shown["satisfaction"][0] == 2
    assert "+00:00" not in shown.to_string()
