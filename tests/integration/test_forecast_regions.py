"""Forecasts per region on the Delaware demo world (3,000 accounts, 60 ZIP areas in 3
counties, 36 months of sales with a yearly season): each ZIP gets its own ETS model, each
county and the state the sum of their ZIPs to the cent; the backtest on the last 6 known
months scores the model and the seasonal-naive baseline per level and its 95% interval
holds about 95% of the held-out months; a manager forecasts only their county; the CLI
writes the frame with its metadata; bad requests are refused saying what would work."""

import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from gcrm.access import users
from gcrm.cli import app
from gcrm.errors import InvalidInput
from gcrm.models.forecast import FLOWS, MIN_MONTHS, forecast

NEW_CASTLE = "DE-NEW_CASTLE"


@pytest.fixture(scope="module")
def demo(delaware):
    users.add_user("cora", "manager", password="manager password",
                   regions=[f"county:{NEW_CASTLE}"], engine=delaware)
    return delaware


@pytest.fixture(scope="module")
def zips(demo):
    """Revenue by ZIP, 6 months ahead, with its backtest: the run most tests look at."""
    return forecast("revenue", level="zip", months=6, engine=demo)


@pytest.fixture(scope="module")
def cora(demo):
    user = users.get_user("cora", engine=demo)
    engine = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    yield engine
    engine.dispose()


def test_every_zip_gets_a_seasonal_model_and_six_months_with_intervals(zips):
    frame, meta = zips
    assert meta["history"] == {"first": "2023-11", "last": "2026-10", "months": 36}
    assert meta["forecast_months"] == ["2026-11", "2026-12", "2027-01", "2027-02",
                                       "2027-03", "2027-04"]
    assert meta["levels"] == ["zip", "county", "state"]
    assert meta["regions"] == {"zip": 60, "county": 3, "state": 1}
    assert meta["model"]["chosen"] == "ETS(A,Ad,A)" and len(meta["models"]) == 60
    ahead = frame[frame["kind"] == "forecast"]
    assert len(ahead) == (60 + 3 + 1) * 6
    assert (ahead["lo95"] <= ahead["lo80"]).all() and (ahead["lo80"] <= ahead["hi80"]).all()
    assert (ahead["hi80"] <= ahead["hi95"]).all() and (ahead["lo95"] >= 0).all()
    # The season is there: the state's December forecast is above its February one, as
    # every December of the history is.
    state = ahead[ahead["level"] == "state"].set_index("month")["forecast"]
    assert state["2026-12"] > 1.5 * state["2027-02"]
    history = frame[(frame["kind"] == "history") & (frame["level"] == "state")]
    assert len(history) == 36 and history["value"].notna().all()


def test_a_county_forecast_is_the_sum_of_its_zips_to_the_cent(zips, demo):
    frame, _ = zips
    ahead = frame[frame["kind"] == "forecast"]
    with demo.connect() as conn:
        county_of = dict(conn.execute(text(
            "SELECT z.code, c.code FROM regions z JOIN regions c ON c.id = z.parent_id "
            "WHERE z.level = 'zip'")).all())
    cents = ahead.assign(cents=[Decimal(f"{v:.2f}") for v in ahead["forecast"]])
    zip_rows = cents[cents["level"] == "zip"]
    summed = (zip_rows.assign(county=zip_rows["code"].map(county_of))
              .groupby(["county", "month"])["cents"].sum())
    counties = cents[cents["level"] == "county"].set_index(["code", "month"])["cents"]
    assert len(counties) == 3 * 6
    for key, value in counties.items():
        assert value == summed[key], key
    # ... and the state's the sum of its counties'.
    state = cents[cents["level"] == "state"].set_index("month")["cents"]
    assert (state == counties.groupby(level="month").sum()).all()
    # Intervals come from summed paths, not summed quantiles: adding up 95% bounds would
    # claim every ZIP is at its extreme together; the county's band is narrower.
    upper = ahead[ahead["level"] == "zip"].assign(
        county=lambda f: f["code"].map(county_of)).groupby(["county", "month"])["hi95"].sum()
    county_hi = ahead[ahead["level"] == "county"].set_index(["code", "month"])["hi95"]
    assert (county_hi < upper.loc[county_hi.index]).all()


def test_the_backtest_scores_model_and_seasonal_naive_per_level(zips):
    _, meta = zips
    test = meta["backtest"]
    assert test["held_out"] == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09",
                                "2026-10"]
    assert test["model"] == "ETS(A,Ad,A)" and "seasonal naive" in test["baseline"]
    assert set(test["levels"]) == {"zip", "county", "state"}
    for score in test["levels"].values():
        assert score["mase_model"] > 0 and score["mase_baseline"] > 0
    # On the demo's ZIPs the model beats the same month a year before.
    zip_score = test["levels"]["zip"]
    assert zip_score["scored"] == 60
    assert zip_score["mase_model"] < zip_score["mase_baseline"]


def test_the_95_percent_interval_holds_about_95_percent_of_the_held_out_months(zips):
    """Over all regions of all levels: 64 regions x 6 months = 384 held-out cells. They are
    not independent (a region's 6 months move together, and ZIPs with their county), so
    count about one independent draw per ZIP: 60. The binomial standard error of a 95%
    coverage over 60 draws is sqrt(.95 x .05 / 60) = 0.028; three of them make the
    tolerance, 0.085 (and 0.155 for the 80% interval: sqrt(.8 x .2 / 60) x 3). A model
    whose intervals were too narrow (e.g. the 80% one used as the 95%) or far too wide
    would fall outside."""
    _, meta = zips
    test = meta["backtest"]
    assert test["cells"] == 64 * 6
    assert abs(test["coverage95"] - 0.95) <= 0.085
    assert abs(test["coverage80"] - 0.80) <= 0.155
    assert test["coverage95"] > test["coverage80"]


def test_a_manager_forecasts_only_their_county(cora, demo):
    frame, meta = forecast("revenue", level="county", months=3, backtest=False, engine=cora)
    assert set(frame["code"]) == {NEW_CASTLE}
    assert meta["levels"] == ["county"]  # the state is not theirs to see, nor its sum
    mine = frame[frame["kind"] == "forecast"]["forecast"].to_numpy()
    everyone, _ = forecast("revenue", level="county", months=3, backtest=False,
                           engine=demo)
    theirs = everyone[(everyone["code"] == NEW_CASTLE) & (everyone["kind"] == "forecast")]
    assert np.array_equal(mine, theirs["forecast"].to_numpy())  # the same model, same seed
    assert set(everyone["level"]) == {"county", "state"}


def test_a_county_alone_comes_without_its_state(demo):
    frame, meta = forecast("orders", level="county", months=2, backtest=False,
                           where={"county": "DE-KENT"}, engine=demo)
    assert meta["levels"] == ["county"] and set(frame["code"]) == {"DE-KENT"}


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"measure": "average_order_value", "level": "county"}, "is a ratio"),
    ({"measure": "customers", "level": "county"}, "forecast new_customers"),
    ({"measure": "accounts", "level": "county"}, "no month-by-month history"),
    ({"measure": "profit", "level": "county"}, "Unknown measure"),
    ({"measure": "revenue", "level": "county", "months": 0}, "1 to 24"),
    ({"measure": "revenue", "level": "county", "months": 25}, "1 to 24"),
    ({"measure": "revenue", "level": "parish"}, "Unknown level"),
])
def test_bad_requests_are_refused_saying_what_works(demo, kwargs, words):
    measure = kwargs.pop("measure")
    with pytest.raises(InvalidInput, match=words) as refused:
        forecast(measure, engine=demo, **kwargs)
    if kwargs.get("level") == "county" and "months" not in kwargs:  # says which work
        assert "revenue, orders" in str(refused.value)


def test_too_little_history_says_how_many_months_there_are_and_are_needed(demo):
    with pytest.raises(InvalidInput) as refused:
        forecast("revenue", level="county", as_of="2024-10", engine=demo)
    words = str(refused.value)
    assert "has 12 complete months of history (2023-11 to 2024-10)" in words
    assert f"needs at least {MIN_MONTHS}" in words
    # As of 18 months in it works, and says the season is left out (fewer than 24).
    frame, meta = forecast("revenue", level="county", as_of="2025-04", months=2,
                           backtest=False, engine=demo)
    assert meta["history"]["months"] == 18 and meta["model"]["chosen"] == "ETS(A,Ad,N)"
    assert meta["forecast_months"] == ["2025-05", "2025-06"]


def test_the_cli_prints_the_backtest_and_writes_the_frame_with_its_metadata(
        demo, use_database, tmp_path):
    out = tmp_path / "county.csv"
    result = CliRunner().invoke(app, ["forecast", "--measure", "revenue", "--level",
                                      "county", "--months", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "MASE" in result.output and "seasonal naive" in result.output
    meta = json.loads((tmp_path / "county.csv.meta.json").read_text())
    assert meta["as_of"] == "2026-10" and meta["backtest"]["levels"]["county"]["regions"] == 3
    assert meta["reconciliation"].startswith("bottom-up")
    frame = pd.read_csv(out)
    assert set(frame["kind"]) == {"history", "forecast"}
    assert len(frame[frame["kind"] == "forecast"]) == (3 + 1) * 4
    bad = CliRunner().invoke(app, ["forecast", "--measure", "churn_rate", "--level",
                                   "county"])
    assert bad.exit_code == 1 and "is a ratio" in bad.output
    assert set(FLOWS) >= {"revenue", "orders", "complaints", "new_customers"}
    assert "revenue, orders" in " ".join(bad.output.split())  # the lines as wrapped
    # As the manager: their county only, no state above it.
    mine = CliRunner().invoke(app, ["forecast", "--measure", "orders", "--level", "county",
                                    "--months", "2", "--as", "cora"])
    assert mine.exit_code == 0, mine.output
    words = " ".join(mine.output.split())
    assert "New Castle County" in words and "county (1 region)" in words
    assert "Reconciled" not in words and "state (" not in words
