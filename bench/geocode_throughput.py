"""Geocoding throughput: 100,000 addresses against a 500,000-point reference.

gcrm's batch geocoder (parse in Python, match set-based in PostGIS) against a
naive loop that sends one exact-match query per address, on the same data in
the same run. The reference is synthetic (streets laid out around real ZIP
centroids when ../shared/data is present, else a grid), so the run needs no
download; the inputs mix exact, re-spelt, misspelt, missing-number and
unknown-street addresses.

    .venv/bin/python bench/geocode_throughput.py [--reference 500000] [--queries 100000]
                                                 [--repeat 3]

Both sides run ``--repeat`` times; the figures are medians, with min and max in the
summary rows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from harness import scratch_engine, spread, summary_row, write_results  # noqa: E402

from gcrm.geocoding.batch import geocode_records  # noqa: E402
from gcrm.geocoding.reference import load_reference  # noqa: E402
from spatial.geocoding import parse_address  # noqa: E402

NAMES = ["Oak", "Maple", "Pine", "Cedar", "Elm", "Walnut", "Cherry", "Hickory", "Willow",
         "Birch", "Chestnut", "Spruce", "Lincoln", "Washington", "Jefferson", "Madison",
         "Franklin", "Highland", "Lake", "Hill", "River", "Park", "Church", "School", "Mill",
         "Spring", "Forest", "Meadow", "Ridge", "Valley", "Sunset", "Prospect", "Liberty"]
TYPES = [("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"),
         ("Lane", "Ln"), ("Court", "Ct"), ("Boulevard", "Blvd"), ("Place", "Pl")]
SHARED_ZIPS = Path(__file__).resolve().parents[2] / "shared/data/us/us_zipcodes_geonames.csv"


def build_reference(n_points: int, rng: random.Random) -> pd.DataFrame:
    if SHARED_ZIPS.exists():
        zips = pd.read_csv(SHARED_ZIPS, dtype=str).dropna(subset=["latitude", "longitude"])
        zips = zips.sample(n=min(len(zips), n_points // 500), random_state=1)
        centres = list(zip(zips["zip_code"], zips["latitude"].astype(float),
                           zips["longitude"].astype(float), zips["city"], zips["state"],
                           strict=True))
    else:
        centres = [(f"{10000 + i:05d}", 30 + i % 20, -100 + i // 20, f"Town {i}", "TX")
                   for i in range(n_points // 500)]
    rows = []
    for zip_code, lat, lon, city, state in centres:
        streets = rng.sample([(n, t) for n in NAMES for t in TYPES], 10)
        for s, (name, (full, _)) in enumerate(streets):
            for k in range(50):
                number = 100 + 2 * k + (k % 2) * 1
                rows.append((str(number), f"{name} {full}", city, state, zip_code,
                             lon + s * 0.002 + k * 0.00005, lat + s * 0.001))
    frame = pd.DataFrame(rows, columns=["number", "street", "city", "region", "postcode",
                                        "lon", "lat"])
    return frame.head(n_points)


def build_queries(reference: pd.DataFrame, n: int, rng: random.Random) -> pd.DataFrame:
    picks = reference.sample(n=n, random_state=2, replace=n > len(reference))
    out = []
    for row in picks.itertuples(index=False):
        roll = rng.random()
        street = row.street
        number = row.number
        postcode = row.postcode
        if roll < 0.30:  # abbreviated
            for full, short in TYPES:
                street = street.replace(full, short)
        elif roll < 0.45:  # lower case, no postcode
            street, postcode = street.lower(), ""
        elif roll < 0.60:  # a typo in the name
            i = rng.randrange(1, 4)
            street = street[:i] + street[i + 1:]
        elif roll < 0.75:  # a number between known ones
            number = str(int(number) + 2)
        elif roll < 0.80:  # an unknown street
            street = "Nonesuch Trail"
        out.append((f"{number} {street}", row.city, row.region, postcode))
    return pd.DataFrame(out, columns=["street", "city", "region", "postcode"])


def naive_loop(engine, queries: pd.DataFrame) -> tuple[float, int]:
    """One exact-match query per address: the way a notebook usually starts."""
    hits = 0
    start = time.perf_counter()
    with engine.connect() as conn:
        for row in queries.itertuples(index=False):
            parsed = parse_address(street=row.street, city=row.city, region=row.region,
                                   postcode=row.postcode)
            found = conn.execute(text(
                "SELECT ST_X(geom), ST_Y(geom) FROM ref_addresses "
                "WHERE street = :street AND number = :number "
                "AND (postcode = :postcode OR (city = :city AND region = :region)) LIMIT 1"),
                {"street": parsed.street, "number": parsed.number, "postcode": parsed.postcode,
                 "city": parsed.city, "region": parsed.region}).first()
            hits += found is not None
    return time.perf_counter() - start, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", type=int, default=500_000)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)

    engine = scratch_engine("gcrm_bench_geocode")
    reference = build_reference(args.reference, rng)
    path = Path("/tmp/gcrm_bench_reference.csv")
    reference.to_csv(path, index=False)
    t0 = time.perf_counter()
    load_reference("addresses", path, engine=engine)
    load_seconds = time.perf_counter() - t0
    queries = build_queries(reference, args.queries, rng)

    sample = queries.head(args.naive_sample)
    batch_runs, naive_runs = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            results = geocode_records(conn, queries, use_cache=False)
        batch_runs.append(time.perf_counter() - t0)
        naive_seconds, naive_hits = naive_loop(engine, sample)
        naive_runs.append(naive_seconds)

    batch_seconds = statistics.median(batch_runs)
    naive_seconds = statistics.median(naive_runs)
    precision = results["precision"].value_counts().to_dict()
    batch_rate = len(queries) / batch_seconds
    naive_rate = len(sample) / naive_seconds
    payload = {
        "repeat": args.repeat,
        "reference_points": len(reference), "reference_load_s": round(load_seconds, 2),
        "queries": len(queries), "gcrm_batch_s": round(batch_seconds, 2),
        "gcrm_addresses_per_s": round(batch_rate), "precision": precision,
        "naive_sample": len(sample), "naive_s": round(naive_seconds, 2),
        "naive_addresses_per_s": round(naive_rate),
        "naive_exact_hits": naive_hits,
        "gcrm_matched_same_sample": int((results.head(len(sample))["precision"]
                                         .isin(["rooftop", "interpolated"])).sum()),
        "ratio_gcrm_over_naive": round(batch_rate / naive_rate, 2),
    }
    payload["summary"] = [summary_row(
        "geocoding throughput", spread([len(queries) / s for s in batch_runs]),
        peer_name="one query per address", peer=spread([len(sample) / s for s in naive_runs]),
        unit="addresses/s", higher_is_better=True,
        note=f"{len(queries):,} addresses (the loop: the first {len(sample):,}) against "
             f"{len(reference):,} reference points; the loop matches exactly only "
             f"({naive_hits:,} of {len(sample):,} found, gcrm "
             f"{payload['gcrm_matched_same_sample']:,})")]
    out = write_results("geocode_throughput", payload)
    for key, value in payload.items():
        if key != "summary":
            print(f"{key:>28}: {value}")
    print(f"written to {out}")
    engine.dispose()


if __name__ == "__main__":
    main()
