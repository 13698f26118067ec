"""Forecasts per region at scale: every county (67) and every ZIP area (1,450) of the
bench world (PA, 1M accounts, ~10M sales, 36 months), gcrm against the notebook an analyst
would write, in the same run on the same regions.

    .venv/bin/python bench/forecast.py [--repeat 3] [--only county,zip]

gcrm's whole path: ``gcrm.models.forecast.forecast("revenue", level=..., months=6)``: the
cube read as the caller, one statsmodels ETS(A,Ad,A) per region, 1,000 simulated paths
per region (joint bootstrap), bottom-up reconciliation to every level above (ZIPs ->
counties -> state: sums to the cent, intervals from summed paths), and the backtest (a
second fit per region on the history before the last 6 months, MASE per level beside
the seasonal naive, interval coverage).

The notebook: revenue per region and month by a SQL GROUP BY of the sales joined to the
accounts' regions (as the owner), pivoted with pandas; per region the same ETSModel fitted
twice (forecast and backtest), its own prediction intervals (``get_prediction``), the
parents' point forecasts as pandas sums of their children (no summed paths), MASE of the
backtest against the seasonal naive.

Time: median of ``--repeat`` runs of each whole path (a fresh process each, ``--child``).
Peak memory: that process's peak resident memory (``ru_maxrss``, MiB; Python, the
libraries and the data included). Ratio = notebook / gcrm (> 1: gcrm faster). The
database is read only (the world is not modified).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import RESULTS, spread, summary_row, write_results  # noqa: E402

from gcrm.db.engine import database_url  # noqa: E402
from gcrm.models.forecast import forecast  # noqa: E402

LABELS = {"county": "counties", "zip": "ZIP areas"}
PEER = "SQL GROUP BY + pandas + statsmodels ETSModel"
MONTHS = 6
ENGINE = create_engine(database_url())

# The notebook's read: revenue per region of a level and month, from the facts.
BY_REGION_MONTH = """
SELECT ra.region_id, date_trunc('month', s.order_date)::date AS month,
       sum(s.amount)::float8 AS revenue
FROM sales s
JOIN region_assignments ra ON ra.entity = 'account' AND ra.entity_id = s.account_id
                          AND ra.level = :level
GROUP BY 1, 2
"""
PARENTS = """
SELECT r.id AS region_id, r.code, p.code AS parent FROM regions r
LEFT JOIN regions p ON p.id = r.parent_id WHERE r.level = :level
"""


def in_child(key: str, tool: str) -> tuple[float, float, dict]:
    out = subprocess.run([sys.executable, __file__, "--child", key, tool],
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"{key} {tool} failed:\n{out.stderr[-2000:]}")
    seconds, mib, found = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds, mib, found


def child(key: str, tool: str) -> None:
    warnings.filterwarnings("ignore")
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # noqa: F401 (import)

    start = time.perf_counter()
    found = gcrm_path(key) if tool == "gcrm" else notebook(key)
    seconds = time.perf_counter() - start
    print(json.dumps([seconds, round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                     / 1024), found]))


def gcrm_path(level: str) -> dict:
    frame, meta = forecast("revenue", level=level, months=MONTHS, engine=ENGINE)
    test = meta["backtest"]
    return {"regions": meta["regions"][level],
            "mase_model": test["levels"][level]["mase_model"],
            "mase_baseline": test["levels"][level]["mase_baseline"],
            "coverage80": test["levels"][level]["coverage80"],
            "coverage95": test["levels"][level]["coverage95"],
            "state_first_month": float(frame[(frame["level"] == "state")
                                             & (frame["kind"] == "forecast")]
                                       ["forecast"].iloc[0])}


def notebook(level: str) -> dict:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with ENGINE.connect() as conn:
        cells = pd.read_sql(text(BY_REGION_MONTH), conn, params={"level": level})
        parents = pd.read_sql(text(PARENTS), conn, params={"level": level})
    wide = cells.pivot_table(index="month", columns="region_id", values="revenue",
                             aggfunc="sum").sort_index().fillna(0.0)
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="MS").date,
                        fill_value=0.0)
    points, mase, base, inside80, inside95 = {}, [], [], [], []
    index = pd.period_range(wide.index[0], periods=len(wide), freq="M")
    for region in wide.columns:
        series = pd.Series(wide[region].to_numpy(dtype=float), index=index)
        y = series.to_numpy()
        model = dict(error="add", trend="add", damped_trend=True, seasonal="add",
                     seasonal_periods=12)
        fit = ETSModel(series, **model).fit(disp=False)
        prediction = fit.get_prediction(start=len(y), end=len(y) + MONTHS - 1)
        points[region] = np.round(np.maximum(prediction.predicted_mean.to_numpy(), 0), 2)
        prediction.summary_frame(alpha=0.05)
        prediction.summary_frame(alpha=0.2)
        train, test = y[:-MONTHS], y[-MONTHS:]
        back = ETSModel(series.iloc[:-MONTHS], **model).fit(disp=False)
        held = back.get_prediction(start=len(train), end=len(y) - 1)
        scale = np.abs(train[12:] - train[:-12]).mean()
        if scale > 0:
            mase.append(np.abs(test - held.predicted_mean.to_numpy()).mean() / scale)
            base.append(np.abs(test - train[len(train) - 12:len(train) - 12 + MONTHS])
                        .mean() / scale)
        for alpha, flags in ((0.2, inside80), (0.05, inside95)):
            bounds = held.summary_frame(alpha=alpha)
            flags.extend((test >= bounds["pi_lower"].to_numpy())
                         & (test <= bounds["pi_upper"].to_numpy()))
    forecasts = pd.DataFrame(points).T
    by_parent = forecasts.join(parents.set_index("region_id")["parent"]).groupby(
        "parent").sum()
    return {"regions": int(wide.shape[1]), "mase_model": float(np.mean(mase)),
            "mase_baseline": float(np.mean(base)),
            "coverage80": float(np.mean(inside80)), "coverage95": float(np.mean(inside95)),
            "state_first_month": float(by_parent.iloc[:, 0].sum())}


def measure(key: str, tool: str, repeat: int) -> tuple[list[float], float, dict]:
    runs = [in_child(key, tool) for _ in range(repeat)]
    return [r[0] for r in runs], max(r[1] for r in runs), runs[-1][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="county,zip",
                        help="the cases to run, comma-separated (county, zip)")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "TOOL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    only = [case.strip() for case in args.only.split(",") if case.strip()]
    unknown = set(only) - set(LABELS)
    if unknown:
        parser.error(f"--only takes {', '.join(LABELS)}; not {', '.join(sorted(unknown))}")
    results: dict = {"repeat": args.repeat, "months": MONTHS, "measure": "revenue",
                     "cases": []}
    for key in (k for k in LABELS if k in only):
        g_s, g_mib, g_found = measure(key, "gcrm", args.repeat)
        p_s, p_mib, p_found = measure(key, "notebook", args.repeat)
        g, p = statistics.median(g_s), statistics.median(p_s)
        print(f"{key} ({g_found['regions']:,} regions): gcrm {g:.1f} s {g_mib:,.0f} MiB, "
              f"notebook {p:.1f} s {p_mib:,.0f} MiB, ratio {p / g:.2f}; MASE gcrm "
              f"{g_found['mase_model']:.3f} (seasonal naive {g_found['mase_baseline']:.3f}),"
              f" notebook {p_found['mase_model']:.3f}", flush=True)
        results["cases"].append({"case": key, "gcrm_s": g_s, "notebook_s": p_s,
                                 "gcrm_peak_mib": g_mib, "notebook_peak_mib": p_mib,
                                 "gcrm": g_found, "notebook": p_found})
    if set(only) != set(LABELS):
        results["cases"] = _with_last(results["cases"])
    results["summary"] = [row for case in results["cases"] for row in _rows(case)]
    print("wrote", write_results("forecast", results))


def _with_last(cases: list[dict]) -> list[dict]:
    path = RESULTS / "forecast.json"
    last = json.loads(path.read_text()) if path.exists() else {}
    ran = {c["case"] for c in cases}
    kept = [c for c in last.get("cases", []) if c["case"] not in ran]
    return sorted(kept + cases, key=lambda c: list(LABELS).index(c["case"]))


def _rows(case: dict) -> list[dict]:
    g, p = case["gcrm"], case["notebook"]
    what = (f"Forecast of revenue, {MONTHS} months, {g['regions']:,} {LABELS[case['case']]} "
            "(ETS per region + backtest)")
    quality = (f"backtest MASE gcrm {g['mase_model']:.2f} vs seasonal naive "
               f"{g['mase_baseline']:.2f} (notebook {p['mase_model']:.2f}); 95% interval "
               f"coverage gcrm {g['coverage95']:.0%}, notebook {p['coverage95']:.0%}")
    return [
        summary_row(f"{what}: time", spread(case["gcrm_s"]), peer_name=PEER,
                    peer=spread(case["notebook_s"]),
                    note="gcrm: cube read as the caller, 1,000 simulated paths per region, "
                         "reconciliation up to the state, backtest per level; " + quality),
        summary_row(f"{what}: peak memory", case["gcrm_peak_mib"], unit="MiB",
                    peer_name=PEER, peer=case["notebook_peak_mib"],
                    note="whole process (Python, libraries, data included), one per run"),
    ]


if __name__ == "__main__":
    main()
