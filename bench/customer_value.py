"""The customer value model at scale: summary build, fit (with its holdout validation)
and scoring times and peak memory on the demo world (``GCRM_DATABASE_URL``, the suite's
world: 1M accounts, 10M sales), the model's holdout errors beside the naive "last year
repeats" baseline measured in the same run on the same customers, and a peer for the
summary: pymc-marketing's ``rfm_summary`` run the notebook way, on every order line read
with ``pandas.read_sql``, against gcrm's (order lines added up per day in PostGIS,
streamed by COPY, then the same ``rfm_summary``); the values are compared too.

    .venv/bin/python bench/customer_value.py [--repeat 1]

Phases, each a fresh process of this script (``--child``), peak memory its ``ru_maxrss``
(the parent stays small, so a child's figure is its own):
- summary: ``value_summary.build`` at T (the last day with sales minus 12 months), every
  customer at T (median of ``--repeat``).
- peer: ``pandas.read_sql`` of the order lines up to T of the same customers, then
  ``rfm_summary`` (median of ``--repeat``).
- train: ``gcrm model value train`` as the API does it: the summaries at T and at the last
  day, the holdout's actuals, BG/NBD + Gamma-Gamma fitted at T and validated, refitted
  on every purchase known; stores the model (run once: it writes a model version).
- score: ``gcrm model value score``: every current customer's expected next 12 months,
  written to account_value (once).
"""

from __future__ import annotations

import argparse
import io
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
from dateutil.relativedelta import relativedelta
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

from gcrm.db.engine import database_url  # noqa: E402
from gcrm.models import value_score, value_sql, value_store, value_summary, value_train  # noqa: E402

PEER = "read_sql + rfm_summary"
PEER_SALES = """
SELECT s.account_id, s.order_date, s.amount::float8 AS amount
FROM sales s JOIN accounts a ON a.id = s.account_id
WHERE s.order_date <= %(cutoff)s AND a.status <> 'prospect'
  AND coalesce(a.customer_since, %(cutoff)s) <= %(cutoff)s
  AND (a.churned_at IS NULL OR a.churned_at > %(cutoff)s)
"""


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _cutoff(engine):
    with engine.connect() as conn:
        last = conn.execute(text(value_sql.SALES_SPAN)).one().last_day
    return last - relativedelta(months=12)


def _sample(rfm: pd.DataFrame) -> str:
    return rfm.sort_index().head(2000).reset_index().to_json()


def child(phase: str) -> dict:
    warnings.filterwarnings("ignore")
    engine = create_engine(database_url())
    cutoff = _cutoff(engine)
    started = time.perf_counter()
    if phase == "summary":
        with engine.connect() as conn:
            summary = value_summary.build(conn, cutoff)
        out = {"customers": len(summary.rfm), "parts_s": summary.seconds,
               "sample": _sample(summary.rfm)}
    elif phase == "peer":
        lines = pd.read_sql_query(PEER_SALES, engine, params={"cutoff": cutoff},
                                  parse_dates=["order_date"])
        rfm = value_summary.clv().utils.rfm_summary(
            lines, "account_id", "order_date", monetary_value_col="amount",
            observation_period_end=pd.Timestamp(cutoff), time_unit="D")
        rfm = rfm.rename(columns={"customer_id": "account_id"}).set_index("account_id")
        out = {"customers": len(rfm), "lines": len(lines), "sample": _sample(rfm)}
    elif phase == "train":
        training = value_train.train(engine)
        stored = value_store.save(training, engine=engine)
        out = {"version": stored.version, "metrics": training.metrics,
               "parts_s": training.seconds, "training_rows": training.training_rows,
               "library": training.library}
    elif phase == "score":
        scoring = value_score.score(engine)
        out = {"customers": scoring.customers, "without_purchase": scoring.without_purchase,
               "expected_revenue": scoring.expected_revenue, "parts_s": scoring.seconds}
    else:
        raise SystemExit(f"unknown phase {phase}")
    return {"seconds": time.perf_counter() - started, "peak_mib": _peak_mib(), **out}


def measure(phase: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", phase],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _agree(ours: str, theirs: str) -> bool:
    """The first 2,000 customers' summaries are the same in both (to the cent)."""
    a = pd.read_json(io.StringIO(ours)).set_index("account_id").sort_index()
    b = pd.read_json(io.StringIO(theirs)).set_index("account_id").sort_index()
    b = b.reindex(index=a.index, columns=a.columns)
    return bool(np.allclose(a.to_numpy(float), b.to_numpy(float), atol=0.006))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child), default=str))
        return
    summaries = [measure("summary") for _ in range(args.repeat)]
    peers = [measure("peer") for _ in range(args.repeat)]
    agree = _agree(summaries[0]["sample"], peers[0]["sample"])
    trained = measure("train")
    scored = measure("score")
    customers = summaries[0]["customers"]
    print(f"summary: {statistics.median(s['seconds'] for s in summaries):.1f} s for "
          f"{customers:,} customers; train {trained['seconds']:.1f} s; score "
          f"{scored['seconds']:.1f} s", flush=True)
    metrics = trained["metrics"]
    ev, model, naive = metrics["evaluated"], metrics["model"], metrics["baseline"]
    rows = [
        summary_row(f"value summary (frequency, recency, T, spend) of {customers:,} "
                    "customers: time", spread([s["seconds"] for s in summaries]),
                    peer_name=PEER, peer=spread([p["seconds"] for p in peers]),
                    note=("values agree" if agree else "VALUES DIFFER")
                    + f"; gcrm: per-day sums in PostGIS + COPY + rfm_summary; peer: "
                      f"{peers[0]['lines']:,} order lines by read_sql + rfm_summary"),
        summary_row("value summary: peak memory", max(s["peak_mib"] for s in summaries),
                    unit="MiB", peer_name=PEER, peer=max(p["peak_mib"] for p in peers)),
        summary_row(f"value train ({ev['customers']:,} customers at T, holdout "
                    f"{ev['holdout_days']} days, refit on {trained['training_rows']:,}): "
                    "time", trained["seconds"],
                    note=", ".join(f"{k} {v:.1f} s" for k, v in trained["parts_s"].items())
                    + f"; {trained['library']}, MAP"),
        summary_row("value train: peak memory", trained["peak_mib"], unit="MiB"),
        summary_row(f"value score {scored['customers']:,} customers (expected next 12 "
                    "months): time", scored["seconds"],
                    note=", ".join(f"{k} {v:.1f} s" for k, v in scored["parts_s"].items())),
        summary_row("value score: peak memory", scored["peak_mib"], unit="MiB"),
        summary_row("value model MAE per customer on the 12-month holdout ($)",
                    model["mae"], unit="", peer_name="last year repeats", peer=naive["mae"]),
        summary_row("value model RMSE per customer on the 12-month holdout ($)",
                    model["rmse"], unit="", peer_name="last year repeats",
                    peer=naive["rmse"]),
        summary_row("value model total error on the 12-month holdout (absolute)",
                    abs(model["total_error_pct"]) / 100, unit="%",  # rows hold fractions
                    peer_name="last year repeats", peer=abs(naive["total_error_pct"]) / 100,
                    note=f"model {model['total_error_pct']:+.1f}%, baseline "
                         f"{naive['total_error_pct']:+.1f}% of "
                         f"${model['total_actual']:,.0f} actual"),
    ]
    for s in summaries:
        s.pop("sample")
    for p in peers:
        p.pop("sample")
    results = {"repeat": args.repeat, "summaries": summaries, "peer": peers,
               "values_agree": agree, "train": trained, "score": scored, "summary": rows}
    print("wrote", write_results("customer_value", results))


if __name__ == "__main__":
    main()
