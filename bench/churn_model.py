"""The churn model at scale: feature build, training and scoring times and peak memory on
the demo world (``GCRM_DATABASE_URL``, the suite's world: 1M accounts, 10M sales), the
model's metrics beside the plain RFM rule measured in the same run on the same window,
and a peer for the feature build: the sales family (recency, frequency, monetary value,
their 90-day trend, orders by channel and category) as a pandas notebook computes it from
the facts, against gcrm's SQL for the same family, same cutoff, same customers (the
values are compared too).

    .venv/bin/python bench/churn_model.py [--repeat 3] [--sample 20] [--cutoffs 6]
                                          [--threads 1]

Phases, each a fresh process of this script (``--child``), peak memory its ``ru_maxrss``
(which on Linux includes the parent's peak at the child's start: the parent stays small):
- features: ``churn_features.build`` for every customer at the evaluated cutoff (the last
  day with data minus 90 days), all five families (median of ``--repeat``).
- peer: ``pandas.read_sql`` of the sales up to the cutoff of the same customers, then
  groupby / pivot_table (median of ``--repeat``); gcrm's figure is the sales family's own
  query time inside ``features``.
- train: ``gcrm model churn train --horizon 90d --sample N --cutoffs C`` as the API does
  it: the evaluated window with every customer, training rows from one customer in
  ``--sample`` at ``--cutoffs`` monthly cutoffs, the learner, and the refit; stores the
  model (run once: it writes a model version).
- score: ``gcrm model churn score``: every current customer's risk, band and drivers
  (shap's fast approximation beyond 200,000 customers), written to account_risk (once).
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

from gcrm.db.engine import database_url  # noqa: E402
from gcrm.models import churn_features, churn_score, churn_train, store  # noqa: E402

HORIZON = 90
PEER = "pandas from the facts"

PEER_SALES = """
SELECT s.account_id, s.order_date, s.amount::float8 AS amount, s.channel,
       s.product_category
FROM sales s JOIN accounts a ON a.id = s.account_id
WHERE s.order_date <= %(cutoff)s AND a.status <> 'prospect'
  AND coalesce(a.customer_since, %(cutoff)s) <= %(cutoff)s
  AND (a.churned_at IS NULL OR a.churned_at > %(cutoff)s)
"""


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _cutoff(engine) -> tuple[dt.date, churn_features.Vocabulary]:
    with engine.connect() as conn:
        _, last = churn_train.data_span(conn)
        return (last - dt.timedelta(days=HORIZON),
                churn_features.vocabulary(conn, last))


def peer_sales(engine, cutoff: dt.date, vocab) -> pd.DataFrame:
    """The sales family as a notebook writes it: read the facts, group by account."""
    sales = pd.read_sql_query(PEER_SALES, engine, params={"cutoff": cutoff},
                              parse_dates=["order_date"])
    t = pd.Timestamp(cutoff)
    age = (t - sales["order_date"]).dt.days
    year, last90, prev90 = age < 365, age < 90, (age >= 90) & (age < 180)
    sales = sales.assign(year=year, last90=last90, prev90=prev90,
                         amount_year=sales["amount"].where(year, 0),
                         amount_90=sales["amount"].where(last90, 0),
                         amount_prev=sales["amount"].where(prev90, 0))
    g = sales.groupby("account_id")
    out = pd.DataFrame({
        "recency_days": (t - g["order_date"].max()).dt.days,
        "orders_total": g.size(), "orders_365": g["year"].sum(),
        "revenue_365": g["amount_year"].sum(), "orders_90": g["last90"].sum(),
        "orders_trend_90": g["last90"].sum() - g["prev90"].sum(),
        "revenue_trend_90": g["amount_90"].sum() - g["amount_prev"].sum()})
    in_year = sales[year]
    for column, prefix, values in (("channel", "orders_channel", vocab.sales_channels),
                                   ("product_category", "orders_category", vocab.categories)):
        counts = pd.crosstab(in_year["account_id"], in_year[column])
        for value in values:
            out[f"{prefix}_{churn_features._slug(value)}"] = (
                counts.get(value, 0))
    return out.fillna(0)


def child(phase: str, args) -> dict:
    warnings.filterwarnings("ignore")
    engine = create_engine(database_url())
    cutoff, vocab = _cutoff(engine)
    started = time.perf_counter()
    if phase == "features":
        with engine.connect() as conn:
            frame = churn_features.build(conn, cutoff, horizon_days=HORIZON, vocab=vocab)
        out = {"customers": len(frame.X), "families_s": frame.seconds,
               "sample": frame.X.filter(regex="^(recency|orders|revenue)").head(2000)
               .reset_index().to_json()}
    elif phase == "peer":
        frame = peer_sales(engine, cutoff, vocab)
        # Only the first 2,000 customers go back to the parent: a child started while the
        # parent is large would report the parent's peak as its own (exec keeps it).
        out = {"customers": len(frame),
               "sample": frame.sort_index().head(2000).reset_index().to_json()}
    elif phase == "train":
        training = churn_train.train(engine, horizon_days=HORIZON, sample=args.sample,
                                     max_cutoffs=args.cutoffs, threads=args.threads or None)
        stored = store.save(training, engine=engine)
        out = {"version": stored.version, "metrics": training.metrics,
               "parts_s": training.seconds, "training_rows": training.training_rows}
    elif phase == "score":
        scoring = churn_score.score(engine, threads=args.threads or None)
        out = {"customers": scoring.customers, "bands": scoring.bands,
               "drivers_method": scoring.drivers_method, "parts_s": scoring.seconds}
    else:
        raise SystemExit(f"unknown phase {phase}")
    return {"seconds": time.perf_counter() - started, "peak_mib": _peak_mib(), **out}


def measure(phase: str, args) -> dict:
    argv = [sys.executable, __file__, "--child", phase, "--sample", str(args.sample),
            "--cutoffs", str(args.cutoffs), "--threads", str(args.threads)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _agree(gcrm_sample: str, peer_sample: str) -> bool:
    """The first 2,000 customers' sales features are the same in both (to the cent)."""
    ours = pd.read_json(io.StringIO(gcrm_sample)).set_index("account_id")
    theirs = pd.read_json(io.StringIO(peer_sample)).set_index("account_id")
    theirs = theirs.reindex(ours.index).fillna(0)
    ours = ours.fillna(0).reindex(columns=theirs.columns)
    return bool(np.allclose(ours.to_numpy(float), theirs.to_numpy(float), atol=0.006))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20,
                        help="train on one customer in N (by id)")
    parser.add_argument("--cutoffs", type=int, default=6, help="monthly training cutoffs")
    parser.add_argument("--threads", type=int, default=1,
                        help="the learner's threads (0: the library's default); on a "
                             "shared 2-core machine 1 was faster than oversubscribed cores")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args), default=str))
        return
    features = [measure("features", args) for _ in range(args.repeat)]
    peers = [measure("peer", args) for _ in range(args.repeat)]
    agree = _agree(features[0]["sample"], peers[0]["sample"])
    trained = measure("train", args)
    scored = measure("score", args)
    customers = features[0]["customers"]
    print(f"features: {statistics.median(f['seconds'] for f in features):.1f} s for "
          f"{customers:,} customers; train {trained['seconds']:.1f} s; score "
          f"{scored['seconds']:.1f} s", flush=True)
    metrics = trained["metrics"]
    rows = [
        summary_row(f"features of {customers:,} customers, 5 families (SQL): time",
                    spread([f["seconds"] for f in features]),
                    note="base, sales, cases, contacts, region context; one query each"),
        summary_row(f"sales family (RFM, trend, channels, categories) of {customers:,} "
                    "customers: time",
                    spread([f["families_s"]["sales"] for f in features]), peer_name=PEER,
                    peer=spread([p["seconds"] for p in peers]),
                    note=("values agree" if agree else "VALUES DIFFER")
                    + "; pandas.read_sql of the sales up to the cutoff + groupby/crosstab"),
        summary_row("features: peak memory", max(f["peak_mib"] for f in features),
                    unit="MiB", peer_name=PEER, peer=max(p["peak_mib"] for p in peers)),
        summary_row(f"train (evaluated window of {metrics['evaluated']['customers']:,}, "
                    f"{metrics['training']['rows']:,} training rows: 1 in {args.sample} "
                    f"customers x {args.cutoffs} cutoffs, refit): time", trained["seconds"],
                    note=", ".join(f"{k} {v:.1f} s" for k, v in trained["parts_s"].items()
                                   if "." not in k)),
        summary_row("train: peak memory", trained["peak_mib"], unit="MiB"),
        summary_row(f"score {scored['customers']:,} customers (risk, band, drivers by "
                    f"{scored['drivers_method']}): time", scored["seconds"],
                    note=", ".join(f"{k} {v:.1f} s" for k, v in scored["parts_s"].items())),
        summary_row("score: peak memory", scored["peak_mib"], unit="MiB"),
    ]
    for name, key, higher in (("ROC AUC", "roc_auc", True), ("PR AUC", "pr_auc", True),
                              ("Brier score", "brier", False)):
        rows.append(summary_row(
            f"model {name} on the evaluated window", metrics["model"][key], unit="",
            higher_is_better=higher, peer_name="RFM rule", peer=metrics["rfm"][key],
            note=f"{metrics['evaluated']['churned']:,} of "
                 f"{metrics['evaluated']['customers']:,} churned in 90 days"))
    worst = max(abs(d["predicted"] - d["observed"]) for d in metrics["model"]["calibration"])
    rows.append(summary_row("model calibration: the worst decile's gap, predicted vs "
                            "observed", worst, unit=""))
    for f in features:
        f.pop("sample")
    for p in peers:
        p.pop("sample")
    results = {"repeat": args.repeat, "sample": args.sample, "cutoffs": args.cutoffs,
               "threads": args.threads,
               "features": features, "peer": peers, "values_agree": agree,
               "train": trained, "score": scored, "summary": rows}
    print("wrote", write_results("churn_model", results))


if __name__ == "__main__":
    main()
