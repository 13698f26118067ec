"""The Customers & prospects map at 1,000,000 accounts: server-side time of a viewport
update (the page rerun for a new view, its view cache cold), features and bytes sent per
view, per role; side by side with a GeoPandas notebook that holds every account in memory
and answers a view with ``.cx`` (and would send every point in it).

    GCRM_DATABASE_URL=postgresql://.../gcrm_demo1m_b .venv/bin/python bench/customers_viewport.py

Needs the demo users (``gcrm demo --users``): admin (personal data: exact points) and
planner (masked names, snapped points, counts through the H3 cells). Targets (issue 7):
first render <= 2 s, viewport update <= 300 ms, <= 5,000 features per view. Times are
medians of ``--repeat`` runs; the payload's "summary" holds them with min and max, and the
features and bytes of each view without a filter.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import shapely
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).parent))
from harness import apptest_overhead, spread, summary_row, write_results  # noqa: E402

from dashboards import components, data, maps  # noqa: E402
from gcrm.access import users  # noqa: E402
from gcrm.db.engine import get_engine  # noqa: E402

PAGE = Path(__file__).parents[1] / "dashboards" / "app_pages" / "customers.py"
# (lat, lon, zoom): the state, a county, a city centre, a street; then a pan of the city.
VIEWS = {"state (z7)": (40.9, -77.6, 7), "county (z10)": (40.45, -79.95, 10),
         "city (z13)": (40.445, -79.985, 13), "street (z15)": (40.445, -79.995, 15),
         "city panned (z13)": (40.445, -79.955, 13)}
FILTERS = {"no filter": (), "segment": (("segment", "premium"),), "owner": None}
ACCOUNTS = "SELECT id, status, segment, owner_rep_id, ST_AsBinary(geom) AS wkb FROM accounts"


def _user(name: str) -> dict:
    account = users.get_user(name, engine=get_engine())
    return {"username": account.username, "label": account.label, "role": account.role,
            "regions": list(account.regions)}


def _state(lat: float, lon: float, zoom: int) -> dict:
    bounds = components.snap(maps.bounds_at((lat, lon), zoom), zoom)
    return {"bounds": bounds, "zoom": zoom, "center": (lat, lon),
            "start": ((40.9, -77.6), 7)}


def page_update(user: dict, view: dict, repeat: int) -> list[float]:
    """The page rerun for a new view: its other caches warm, the view's own cold."""
    times = []
    for _ in range(repeat):
        data.accounts_in_view.clear()
        at = AppTest.from_file(str(PAGE), default_timeout=300)
        at.session_state["user"] = user
        at.session_state["customers_view"] = dict(view)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    return times


def layer_bytes(result) -> int:
    """What the browser receives for the view's layer (its Leaflet JavaScript)."""
    empty = len(maps.base_map().get_root().render().encode())
    m = maps.base_map()
    maps.account_layer(result.kind, result.frame).add_to(m)
    return len(m.get_root().render().encode()) - empty


def main() -> None:
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("streamlit")]:
        logging.getLogger(name).setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="admin,planner")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = get_engine()
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM accounts")).scalar()
        owner = conn.execute(text("SELECT name FROM reps ORDER BY id LIMIT 1")).scalar()
    FILTERS["owner"] = (("owner", owner),)
    overhead = apptest_overhead(args.repeat)
    results: dict = {"accounts": total, "views": {}, "apptest_overhead_s": overhead}
    print(f"{total:,} accounts; median of {args.repeat}; times are server-side, page times "
          f"net of AppTest's own {overhead * 1000:.0f} ms a run")

    for name in args.users.split(","):
        user = _user(name)
        firsts = []
        for _ in range(args.repeat):
            st.cache_data.clear()
            first = AppTest.from_file(str(PAGE), default_timeout=300)
            first.session_state["user"] = user
            start = time.perf_counter()
            first.run()
            firsts.append(time.perf_counter() - start - overhead)
        results.setdefault("first_render", {})[name] = statistics.median(firsts)
        results.setdefault("first_render_runs", {})[name] = firsts
        print(f"{name}: first render (every cache cold) "
              f"{results['first_render'][name]:.2f} s")
        for view_name, (lat, lon, zoom) in VIEWS.items():
            view = _state(lat, lon, zoom)
            for filter_name, filters in FILTERS.items():
                queries = []
                for _ in range(args.repeat):
                    data.accounts_in_view.clear()
                    start = time.perf_counter()
                    result = data.accounts_in_view(name, view["bounds"], zoom, filters)
                    queries.append(time.perf_counter() - start)
                query = statistics.median(queries)
                row = {"kind": result.kind, "features": len(result.frame),
                       "accounts": result.total, "query_s": query,
                       "bytes": layer_bytes(result), "query_runs_s": queries}
                if filter_name == "no filter":
                    updates = [t - overhead for t in page_update(user, view, args.repeat)]
                    row["page_update_s"] = statistics.median(updates)
                    row["page_update_runs_s"] = updates
                results["views"][f"{name} | {view_name} | {filter_name}"] = row
                print(f"  {view_name:18s} {filter_name:9s} {result.kind:8s} "
                      f"{len(result.frame):5,} features for {result.total:9,} accounts, "
                      f"query {query * 1000:6.0f} ms"
                      + (f", page update {row['page_update_s'] * 1000:6.0f} ms"
                         if "page_update_s" in row else "")
                      + f", {row['bytes'] / 1e3:7.1f} kB")

    # The peer: a GeoPandas notebook holding every account, answering a view with .cx.
    start = time.perf_counter()
    with engine.connect() as conn:
        frame = gpd.pd.read_sql(text(ACCOUNTS), conn)
    gdf = gpd.GeoDataFrame(frame.drop(columns="wkb"),
                           geometry=shapely.from_wkb(frame["wkb"].map(bytes)), crs=4326)
    _ = gdf.sindex  # built once, as a notebook would after loading
    results["geopandas_load_s"] = time.perf_counter() - start
    print(f"GeoPandas notebook: load every account {results['geopandas_load_s']:.1f} s once")
    for view_name, (lat, lon, zoom) in VIEWS.items():
        west, south, east, north = _state(lat, lon, zoom)["bounds"]
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            inside = gdf.cx[west:east, south:north]
            times.append(time.perf_counter() - start)
        results["views"][f"geopandas | {view_name}"] = {
            "features": len(inside), "query_s": statistics.median(times),
            "query_runs_s": times}
        print(f"  {view_name:18s} .cx {statistics.median(times) * 1000:6.0f} ms, "
              f"{len(inside):9,} points to send")
    results["summary"] = summary(results, args.users.split(","))
    print(f"results: {write_results('customers_viewport', results)}")


def summary(results: dict, names: list[str]) -> list[dict]:
    """The suite's rows: first render and viewport updates per role (the latter against
    the notebook's .cx on the same view), features and bytes per view (no filter)."""
    views, rows = results["views"], []
    overhead = f"net of AppTest's own {results['apptest_overhead_s'] * 1000:.0f} ms a run"
    for name in names:
        rows.append(summary_row(f"customers map first render ({name})",
                                spread(results["first_render_runs"][name]),
                                note=f"server side, every cache cold, {overhead}"))
        for view_name in VIEWS:
            row, peer = views[f"{name} | {view_name} | no filter"], views[
                f"geopandas | {view_name}"]
            shows = (f"{row['features']:,} account points" if row["kind"] == "accounts" else
                     f"{row['features']:,} {row['kind']} for {row['accounts']:,} accounts")
            rows.append(summary_row(
                f"customers viewport query ({name}, {view_name})",
                spread(row["query_runs_s"]), peer_name="GeoPandas notebook (.cx)",
                peer=spread(peer["query_runs_s"]),
                note=f"what the view shows, read from PostGIS as the user; {shows}; the "
                     f"notebook holds every account in memory (loading them: "
                     f"{results['geopandas_load_s']:.1f} s once, not counted) and would send "
                     f"{peer['features']:,} points"))
            if "page_update_runs_s" in row:
                rows.append(summary_row(
                    f"customers viewport update, whole page ({name}, {view_name})",
                    spread(row["page_update_runs_s"]),
                    note=f"the page rerun with the map built, server side, {overhead}"))
            rows.append(summary_row(f"customers features per view ({name}, {view_name})",
                                    row["features"], unit="features", note=shows))
            rows.append(summary_row(f"customers bytes per view ({name}, {view_name})",
                                    row["bytes"], unit="bytes",
                                    note=f"the view's map layer; {shows}"))
    return rows


if __name__ == "__main__":
    main()
