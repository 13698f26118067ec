"""The Overview's monthly series of a region shows the forecast after the history, with
its 80% and 95% intervals and a caption naming the model and its backtest beside the
seasonal naive, on the Delaware demo world (3,000 accounts, 36 months of sales). A ratio
has no forecast and says which measures do; a manager sees the forecast of their county,
the same numbers the domain gives them."""

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gcrm.access import users
from gcrm.models.forecast import forecast

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PASSWORD = "forecast password"
KENT = "DE-KENT"


@pytest.fixture(scope="module")
def demo(delaware):
    users.add_user("hana", "analyst", password=PASSWORD, engine=delaware)
    users.add_user("cora", "manager", password=PASSWORD, regions=[f"county:{KENT}"],
                   engine=delaware)
    return delaware


@pytest.fixture
def app(demo, use_database):
    return demo


def _overview(username: str, **params) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORD)
    at = at.button[0].click().run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("app_pages/overview.py")
    return at.run()


def _chart_rows(at: AppTest) -> pd.DataFrame:
    """Every row of data the page's Vega-Lite charts carry, with the chart's layers' marks
    (as a column ``_marks``)."""
    frames = []
    for chart in at.get("vega_lite_chart"):
        proto = chart.proto
        spec = json.loads(proto.spec)
        marks = json.dumps([layer.get("mark") for layer in spec.get("layer", [])])
        for dataset in proto.datasets:
            table = pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_all()
            frames.append(table.to_pandas().assign(_marks=marks))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_a_countys_series_shows_six_forecast_months_with_intervals_and_the_backtest(app):
    at = _overview("hana", measure="revenue", period="2026", region=f"county:{KENT}")
    assert not at.exception, at.exception
    rows = _chart_rows(at)
    assert not rows.empty, "no chart of the series"
    ahead = rows[rows["kind"] == "forecast"].drop_duplicates("month")
    assert sorted(ahead["month"].dt.strftime("%Y-%m")) == [
        "2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
    assert (ahead["lo95"] <= ahead["forecast"]).all()
    assert (ahead["forecast"] <= ahead["hi95"]).all()
    assert '"strokeDash"' in rows["_marks"].iloc[0]  # the forecast is dashed
    # The numbers are the domain's for Kent county, as this user.
    frame, meta = forecast("revenue", level="county", where={"county": KENT}, engine=app)
    mine = frame[(frame["kind"] == "forecast")].set_index("month")["forecast"]
    shown = ahead.set_index(ahead["month"].dt.strftime("%Y-%m"))["forecast"]
    assert (shown.sort_index() == mine.sort_index()).all()
    words = _captions(at)
    score = meta["backtest"]["levels"]["county"]
    assert "ETS(A,Ad,A)" in words and "fitted to 36 months (2023-11 to 2026-10)" in words
    assert f"MASE {score['mase_model']:.2f}" in words
    assert f"seasonal naive (the same month a year before) at {score['mase_baseline']:.2f}" \
        in words


def test_a_ratio_has_no_forecast_and_says_which_measures_do(app):
    at = _overview("hana", measure="average_order_value", period="2026",
                   region=f"county:{KENT}")
    assert not at.exception, at.exception
    assert _chart_rows(at).get("kind") is None  # the plain line, no forecast rows
    assert "No forecast of average order value" in _captions(at)
    assert "revenue, orders" in _captions(at)


def test_a_manager_sees_the_forecast_of_their_county(app):
    at = _overview("cora", measure="orders", period="2026")
    assert not at.exception, at.exception
    rows = _chart_rows(at)
    ahead = rows[rows["kind"] == "forecast"]
    assert len(ahead.drop_duplicates("month")) == 6 and set(ahead["code"]) == {KENT}


def test_the_forecast_downloads_with_its_metadata_and_is_audited_as_the_user(app):
    import zipfile

    from dashboards import data
    from gcrm import audit

    at = _overview("cora", measure="orders", period="2026")
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert [x for x in labels if x.startswith("Forecast")] == ["Forecast (CSV)",
                                                               "Forecast (Parquet)"]

    st.cache_data.clear()
    bundle = zipfile.ZipFile(io.BytesIO(data.forecast_download("cora", "csv", "orders",
                                                               "county", KENT)))
    names = sorted(bundle.namelist())
    assert names == [f"gcrm-forecast-orders-county-{KENT}.csv",
                     f"gcrm-forecast-orders-county-{KENT}.csv.meta.json"]
    rows = pd.read_csv(bundle.open(names[0]))
    meta = json.loads(bundle.read(names[1]))
    assert set(rows["code"]) == {KENT} and (rows["kind"] == "forecast").sum() == 6
    assert meta["measure"] == "orders" and meta["where"] == {"county": KENT}
    assert "mase_model" in meta["backtest"]["levels"]["county"]
    # The same numbers as the manager's own forecast from the domain.
    frame, _ = forecast("orders", level="county", where={"county": KENT},
                        engine=_engine_of(app, "cora"))
    ahead = frame[frame["kind"] == "forecast"]["forecast"].round(6).tolist()
    assert rows[rows["kind"] == "forecast"]["forecast"].round(6).tolist() == ahead
    entry = audit.recent("export.forecast", engine=app).iloc[0]
    assert entry["actor"] == "cora" and entry["target"] == names[0]


def _engine_of(engine, username: str):
    from sqlalchemy import create_engine

    role = users.get_user(username, engine=engine).pg_role
    return create_engine(engine.url, connect_args={"options": f"-c role={role}"})


def test_a_shares_series_is_drawn_in_percent_as_its_title_says(app):
    from gcrm import cube

    at = _overview("hana", measure="churn_rate", period="2026", region=f"county:{KENT}")
    assert not at.exception, at.exception
    assert any(m.value == "**Churn rate by month (%)**" for m in at.markdown)
    drawn = _chart_rows(at).select_dtypes("number").stack().to_numpy()
    months = cube.query(["churn_rate"], level="county", by=["month"],
                        where={"county": KENT}, engine=app)
    assert sorted(drawn.round(9)) == sorted((months["churn_rate"].dropna() * 100).round(9))
