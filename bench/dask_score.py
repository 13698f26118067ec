"""Churn scoring on Dask vs in this process, same run, same model, same stored scores.

Needs the demo world (``GCRM_DATABASE_URL``, the suite's world) with a trained churn
model (bench/churn_model.py trains one). Per repeat, the whole of ``gcrm model churn
score`` (features in PostGIS, risk and drivers, the write of every customer's row):

- this process: ``churn_score.score(run_on="local", threads=2)`` (both cores);
- Dask: ``churn_score.score(run_on="dask")`` on a ``LocalCluster`` of 2 worker processes x
  1 thread started once beforehand (its start reported on its own line), one task per
  50,000 customers.

After each run the stored scores (account_risk and the month's copy the cube reads,
without scored_at) are fingerprinted in PostgreSQL; the two sides must agree.

    GCRM_DATABASE_URL=... .venv/bin/python bench/dask_score.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import local_cluster, spread, summary_row, write_and_print  # noqa: E402

from gcrm.db.engine import database_url  # noqa: E402
from gcrm.models import churn_score  # noqa: E402

FINGERPRINT = """
SELECT md5(string_agg(concat_ws('|', account_id, model_id, risk, band, drivers::text), ','
                      ORDER BY account_id))
       || md5((SELECT string_agg(concat_ws('|', account_id, month, model_id, risk, band,
                                           revenue_365), ',' ORDER BY account_id, month)
               FROM account_risk_months))
FROM account_risk
"""


def fingerprint(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text(FINGERPRINT)).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    engine = create_engine(database_url())

    client, cluster, cluster_start = local_cluster()

    sides = {
        "local": lambda: churn_score.score(engine, threads=2, run_on="local"),
        "dask": lambda: churn_score.score(engine, run_on="dask", client=client),
    }
    runs = {name: [] for name in sides}
    parts = {name: [] for name in sides}
    prints = {name: set() for name in sides}
    scoring = None
    try:
        for _ in range(args.repeat):
            for name, run in sides.items():
                t0 = time.perf_counter()
                scoring = run()
                runs[name].append(time.perf_counter() - t0)
                parts[name].append(scoring.seconds["risk and drivers"])
                prints[name].add(fingerprint(engine))
                print(f"{name}: {runs[name][-1]:.1f} s {scoring.seconds}", flush=True)
    finally:
        client.close()
        cluster.close()
    if len(set().union(*prints.values())) != 1:
        raise SystemExit(f"The two sides stored different scores: {prints}")
    engine.dispose()

    size = (f"{scoring.customers:,} customers, drivers by {scoring.drivers_method}; the same "
            f"scores stored (checked)")
    payload = {
        "customers": scoring.customers, "repeat": args.repeat,
        "drivers_method": scoring.drivers_method,
        "cluster": "LocalCluster, 2 worker processes x 1 thread, on this machine",
        "cluster_start_s": round(cluster_start, 2),
        "local_s": spread(runs["local"]), "dask_s": spread(runs["dask"]),
        "local_risk_and_drivers_s": spread(parts["local"]),
        "dask_risk_and_drivers_s": spread(parts["dask"]),
        "same_scores": True,
        "summary": [
            summary_row("churn scoring on Dask (LocalCluster 2x1), features to write",
                        spread(runs["dask"]), peer_name="gcrm in one process (2 threads)",
                        peer=spread(runs["local"]), peer_is_gcrm=True,
                        note=f"{size}; cluster start {cluster_start:.1f} s not included"),
            summary_row("churn scoring on Dask: risk and drivers alone",
                        spread(parts["dask"]), peer_name="scikit-learn + shap in one "
                        "process (2 threads)", peer=spread(parts["local"]),
                        note="the part that runs on the workers; the features (SQL in "
                             "PostGIS) and the write are the same for both"),
        ],
    }
    write_and_print("dask_score", payload)


if __name__ == "__main__":
    main()
