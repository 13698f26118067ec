"""Batch geocoding on Dask vs in this process, same run, same addresses, same answers.

The reference and the addresses of bench/geocode_throughput.py (synthetic streets around
real ZIP centroids when ../shared/data is present; exact, re-spelt, misspelt,
missing-number and unknown-street addresses), in a scratch database. Per repeat, with
the parser's caches emptied first on every side (each run parses cold):

- this process: ``geocode_records(run_on="local")``: parse a batch, match it in PostGIS,
  the next batch;
- Dask: ``geocode_records(run_on="dask")`` on a ``LocalCluster`` of 2 worker processes x 1
  thread started once beforehand: the batches parsed on the workers, up to 4 ahead of the
  matching in PostGIS;
- parse alone: ``parse_batch`` (the workers' function) over every batch in this process
  (the part of the first side's time that Dask can move).

The two sides' answers (lon, lat, precision, score, matched) must be equal.

    .venv/bin/python bench/dask_geocode.py [--reference 500000] [--queries 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from geocode_throughput import build_queries, build_reference  # noqa: E402
from harness import local_cluster, scratch_engine, spread, summary_row, write_and_print  # noqa: E402

from gcrm.geocoding import batch  # noqa: E402
from gcrm.geocoding.reference import load_reference  # noqa: E402


def cold() -> None:
    """Empty the parser's caches (in this process, or on a worker by client.run)."""
    from spatial.geocoding import parse as module

    module._street_parts.cache_clear()
    module._usaddress_cached.cache_clear()


def parse_alone(queries: pd.DataFrame) -> None:
    for start in range(0, len(queries), batch.BATCH):
        batch.parse_batch(queries.iloc[start:start + batch.BATCH])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", type=int, default=500_000)
    parser.add_argument("--queries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    engine = scratch_engine("gcrm_bench_dask_geocode")
    reference = build_reference(args.reference, rng)
    path = Path("/tmp/gcrm_bench_dask_geocode_reference.csv")
    reference.to_csv(path, index=False)
    load_reference("addresses", path, engine=engine)
    queries = build_queries(reference, args.queries, rng)

    client, cluster, cluster_start = local_cluster()

    def geocode(run_on: str) -> pd.DataFrame:
        with engine.begin() as conn:
            return batch.geocode_records(conn, queries, use_cache=False, run_on=run_on,
                                         client=client if run_on == "dask" else None)

    runs = {"local": [], "dask": [], "parse": []}
    answers = {}
    try:
        for _ in range(args.repeat):
            for name in runs:
                cold()
                client.run(cold)
                t0 = time.perf_counter()
                if name == "parse":
                    parse_alone(queries)
                else:
                    answers[name] = geocode(name)
                runs[name].append(time.perf_counter() - t0)
                print(f"{name}: {runs[name][-1]:.1f} s", flush=True)
    finally:
        client.close()
        cluster.close()
    pd.testing.assert_frame_equal(answers["dask"], answers["local"])
    engine.dispose()

    med = {k: spread(v)["median"] for k, v in runs.items()}
    precision = answers["local"]["precision"].value_counts().to_dict()
    size = (f"{args.queries:,} addresses against {args.reference:,} reference points, "
            f"parsed cold; the same answers (checked)")
    payload = {
        "queries": args.queries, "reference_points": args.reference, "repeat": args.repeat,
        "cluster": "LocalCluster, 2 worker processes x 1 thread, on this machine",
        "cluster_start_s": round(cluster_start, 2), "precision": precision,
        "local_s": spread(runs["local"]), "dask_s": spread(runs["dask"]),
        "parse_alone_s": spread(runs["parse"]),
        "local_addresses_per_s": round(args.queries / med["local"]),
        "dask_addresses_per_s": round(args.queries / med["dask"]),
        "same_answers": True,
        "summary": [
            summary_row("batch geocoding on Dask (LocalCluster 2x1): parse on the workers, "
                        "match in PostGIS", spread(runs["dask"]),
                        peer_name="gcrm in one process (parse, then match, per batch)",
                        peer=spread(runs["local"]), peer_is_gcrm=True,
                        note=f"{size}; parsing alone {med['parse']:.1f} s in one process; "
                             f"cluster start {cluster_start:.1f} s not included"),
        ],
    }
    write_and_print("dask_geocode", payload)


if __name__ == "__main__":
    main()
