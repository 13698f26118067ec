"""Dashboard pages on the demo world at 1,000,000 accounts: the server-side time of each
page's first render (caches empty) and of a rerun, and the size of what a map sends to
the browser; side by side with a pandas notebook answering the Overview's question
(revenue by county for a quarter) from the facts in memory.

    GCRM_DATABASE_URL=postgresql://.../gcrm_demo1m .venv/bin/python bench/dashboard_pages.py

Pages run in Streamlit's own AppTest (the page script, its data access and its map
building, no browser), as the demo admin user. Targets (issue 7): first render <= 2 s,
viewport update <= 300 ms, <= 5,000 features per view. Times are medians of ``--repeat``
runs; the payload's "summary" holds them with min and max, one row per page and kind.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).parent))
from harness import apptest_overhead, spread, summary_row, write_results  # noqa: E402

from dashboards import data, maps  # noqa: E402
from gcrm.access import users  # noqa: E402
from gcrm.db.engine import get_engine  # noqa: E402

PAGES = Path(__file__).parents[1] / "dashboards" / "app_pages"
SALES = """
SELECT s.account_id, date_trunc('month', s.order_date)::date AS month, s.amount::float8 AS amount
FROM sales s"""
COUNTIES = """
SELECT entity_id AS account_id, region_id FROM region_assignments
WHERE entity = 'account' AND level = 'county'"""


def page_times(page: str, user: dict, params: dict, repeat: int, overhead: float) -> dict:
    """First render with empty caches, then reruns (the page's own caches warm), net of
    AppTest's own ``overhead`` a run."""
    firsts, reruns = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_file(str(PAGES / page), default_timeout=120)
        at.session_state["user"] = user
        for key, value in params.items():
            at.query_params[key] = value
        start = time.perf_counter()
        at.run()
        firsts.append(time.perf_counter() - start - overhead)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
        start = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - start - overhead)
    return {"first_render": statistics.median(firsts), "rerun": statistics.median(reruns),
            "errors": [e.value for e in at.error], "warnings": [w.value for w in at.warning],
            "first_render_runs": firsts, "rerun_runs": reruns}


def copy_frame(engine, query: str) -> pd.DataFrame:
    with engine.connect() as conn, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.csv"
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, path.open("wb") as out, cursor.copy(
                f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER true)") as copy:
            for block in copy:
                out.write(block)
        return pd.read_csv(path, engine="pyarrow")


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="admin")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = get_engine()
    account = users.get_user(args.user, engine=engine)
    user = {"username": account.username, "label": account.label, "role": account.role,
            "regions": list(account.regions)}
    with engine.connect() as conn:
        accounts = conn.execute(text("SELECT count(*) FROM accounts")).scalar()
        state = conn.execute(text("SELECT code FROM regions WHERE level = 'state' "
                                  "ORDER BY code LIMIT 1")).scalar()
    periods = data.cube_periods(args.user)
    quarters = [p for p in periods if "-Q" in p]
    quarter = quarters[1] if len(quarters) > 1 else quarters[0]  # the page's default
    overhead = apptest_overhead(args.repeat)
    results: dict = {"accounts": accounts, "user": args.user, "quarter": quarter,
                     "apptest_overhead_s": overhead}
    print(f"{accounts:,} accounts; user {args.user}; median of {args.repeat}; page times net "
          f"of AppTest's own {overhead * 1000:.0f} ms a run")

    views = {
        "overview (state, counties)": ("overview.py", {"region": f"state:{state}",
                                                       "period": quarter}),
        "overview (ZIP areas of a county)": ("overview.py", {}),
        "cube explorer": ("cube_explorer.py", {}),
    }
    county = data.region_measures(args.user, ("revenue",), "county",
                                  (("state", (state,)),), quarter)
    biggest = county.sort_values("revenue").iloc[-1]["code"]
    views["overview (ZIP areas of a county)"][1].update(region=f"county:{biggest}",
                                                        period=quarter)
    for extra, page in (("customers", "customers.py"), ("data", "data_quality.py")):
        if (PAGES / page).exists():
            views[extra] = (page, {})
    results["pages"] = {}
    for name, (page, params) in views.items():
        timing = page_times(page, user, params, args.repeat, overhead)
        results["pages"][name] = timing
        print(f"{name:36s} first render {timing['first_render']:5.2f} s, "
              f"rerun {timing['rerun']:5.2f} s")

    # What the Overview's county map sends: simplified outlines vs the stored ones.
    shapes = data.region_measures(args.user, ("revenue",), "county",
                                  (("state", (state,)),), quarter, geometry=True)
    m, _ = maps.choropleth(shapes, "revenue", label="revenue", unit="currency")
    sent = len(m.get_root().render().encode())
    from gcrm import cube

    raw = cube.query(["revenue"], level="county", where={"state": state}, period=quarter,
                     geometry=True, engine=engine)
    raw_json = len(raw.to_json().encode())
    results["overview_map"] = {"features": len(shapes), "html_bytes": sent,
                               "stored_outlines_geojson_bytes": raw_json}
    print(f"overview map: {len(shapes)} features, {sent / 1e6:.2f} MB of HTML "
          f"(stored outlines alone would be {raw_json / 1e6:.2f} MB)")

    # The peer: a pandas notebook with the facts already in memory.
    start = time.perf_counter()
    sales = copy_frame(engine, SALES)
    places = copy_frame(engine, COUNTIES)
    results["pandas_read_facts"] = time.perf_counter() - start
    first, last = pd.Period(quarter, "Q").start_time, pd.Period(quarter, "Q").end_time
    sales["month"] = pd.to_datetime(sales["month"])

    def notebook():
        window = sales[(sales["month"] >= first) & (sales["month"] <= last)]
        return window.merge(places, on="account_id").groupby("region_id")["amount"].sum()

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        notebook()
        times.append(time.perf_counter() - start)
    results["pandas_revenue_by_county"] = statistics.median(times)
    results["pandas_revenue_by_county_runs"] = times
    overview = results["pages"]["overview (state, counties)"]["first_render"]
    print(f"pandas notebook: read the facts {results['pandas_read_facts']:.1f} s once, then "
          f"revenue by county for {quarter} {results['pandas_revenue_by_county']:.2f} s "
          f"per view (the whole Overview page renders in {overview:.2f} s)")
    notebook_view = "overview (state, counties)"
    summary = []
    for name, timing in results["pages"].items():
        net = f"net of AppTest's own {overhead * 1000:.0f} ms a run"
        peer, note = {}, f"server side, caches empty, {net}"
        if name == notebook_view:  # the question the notebook answers
            peer = {"peer_name": "pandas notebook (revenue by county, a quarter)",
                    "peer": spread(times)}
            note += (f"; the notebook holds the facts in memory (reading them: "
                     f"{results['pandas_read_facts']:.1f} s once, not counted)")
        summary.append(summary_row(f"{name}: first render", spread(timing["first_render_runs"]),
                                   note=note, **peer))
        summary.append(summary_row(f"{name}: rerun", spread(timing["rerun_runs"]),
                                   note=f"server side, the page's caches warm, {net}"))
    summary.append(summary_row(
        "overview county map: bytes per view", sent, unit="bytes",
        note=f"{len(shapes)} features in the HTML sent; the stored outlines alone "
             f"would be {raw_json:,} bytes of GeoJSON"))
    results["summary"] = summary
    print(f"results: {write_results('dashboard_pages', results)}")


if __name__ == "__main__":
    main()
