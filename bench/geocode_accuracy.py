"""Geocoding accuracy on real addresses with real coordinates.

Real data: ../shared/data/addresses/rrad_addresses_us.csv (3,220 OpenAddresses
points in 16 states) and ../shared/data/us/snap_retailers_pittsburgh_area.csv
(store addresses with coordinates). The reference is loaded without a held-out
tenth of the addresses whose street keeps other points (so those must be
interpolated); every other address is queried as a perturbed copy
(abbreviated or expanded street types, a typo, lower case, no postcode).

Reports the match rate by precision and the median / 90th-percentile error in
metres, for the perturbed copies, for the held-out addresses, and for both.

    .venv/bin/python bench/geocode_accuracy.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from harness import scratch_engine, write_results  # noqa: E402

from gcrm.geocoding.batch import geocode_records  # noqa: E402
from gcrm.geocoding.reference import load_reference  # noqa: E402
from spatial.geocoding import parse_addresses  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SWAPS = [("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"), ("Lane", "Ln"),
         ("Court", "Ct"), ("Boulevard", "Blvd"), ("Place", "Pl"), ("North", "N"),
         ("South", "S"), ("East", "E"), ("West", "W"), ("Northeast", "NE"),
         ("Northwest", "NW"), ("Southeast", "SE"), ("Southwest", "SW")]


def real_addresses() -> pd.DataFrame:
    rrad = pd.read_csv(SHARED / "addresses" / "rrad_addresses_us.csv", dtype=str)
    rrad = rrad.rename(columns={"address1": "street", "address2": "unit", "state": "region",
                                "postal_code": "postcode"})
    snap = pd.read_csv(SHARED / "us" / "snap_retailers_pittsburgh_area.csv", dtype=str)
    snap = snap.rename(columns={"Address": "street", "Address_Line__2": "unit", "City": "city",
                                "State": "region", "Zip5": "postcode", "Latitude": "lat",
                                "Longitude": "lon"})
    cols = ["street", "unit", "city", "region", "postcode", "lat", "lon"]
    frame = pd.concat([rrad[cols], snap[cols]], ignore_index=True).fillna("")
    frame = frame[frame["street"].str.match(r"^\d")]
    frame["lat"], frame["lon"] = frame["lat"].astype(float), frame["lon"].astype(float)
    parsed = parse_addresses(frame["street"].tolist(), cities=frame["city"].tolist(),
                             regions=frame["region"].tolist(),
                             postcodes=frame["postcode"].tolist())
    frame["key"] = [p.key for p in parsed]
    frame["norm_street"] = [p.street for p in parsed]
    frame["norm_postcode"] = [p.postcode for p in parsed]
    return frame.drop_duplicates("key").reset_index(drop=True)


def perturb(row, rng: random.Random) -> dict:
    street, postcode, city = row.street, row.postcode, row.city
    roll = rng.random()
    if roll < 0.3:  # street types and directionals abbreviated, or written out
        swap = {**dict(SWAPS), **{short: full for full, short in SWAPS}}
        words = street.split(" ")
        street = " ".join([words[0]] + [swap.get(w, w) for w in words[1:]])
    elif roll < 0.5:
        words = street.split(" ")
        name_at = 1 if len(words) > 2 else len(words) - 1
        word = words[name_at]
        if len(word) > 4:
            i = rng.randrange(1, len(word) - 1)
            words[name_at] = word[:i] + word[i + 1:]
        street = " ".join(words)
    elif roll < 0.7:
        street, city = street.lower(), city.lower()
    elif roll < 0.85:
        postcode = ""
    return {"street": street, "unit": row.unit, "city": city, "region": row.region,
            "postcode": postcode}


def error_metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * np.arcsin(np.sqrt(a))


def summarise(results: pd.DataFrame) -> dict:
    good = results["precision"].isin(["rooftop", "interpolated"])
    err = results.loc[good, "error_m"]
    return {
        "addresses": len(results),
        "by_precision": results["precision"].value_counts().to_dict(),
        "rooftop_or_interpolated_pct": round(100 * good.mean(), 2),
        "median_error_m": round(float(err.median()), 1) if len(err) else None,
        "p90_error_m": round(float(err.quantile(0.9)), 1) if len(err) else None,
    }


def main() -> None:
    if not SHARED.exists():
        sys.exit(f"{SHARED} is not present: this report needs the shared real data.")
    rng = random.Random(11)
    data = real_addresses()
    # Hold out one address from streets that keep at least two others in the reference.
    group = data.groupby(["norm_street", "norm_postcode"])["key"].transform("count")
    streets = data[group >= 3].groupby(["norm_street", "norm_postcode"]).sample(
        n=1, random_state=3)
    held_out = set(streets.index[: max(1, len(data) // 10)])
    reference = data.drop(index=list(held_out))

    engine = scratch_engine("gcrm_bench_accuracy")
    path = Path("/tmp/gcrm_accuracy_reference.csv")
    reference[["street", "unit", "city", "region", "postcode", "lat", "lon"]].to_csv(
        path, index=False)
    load_reference("addresses", path, engine=engine)

    queries = pd.DataFrame([perturb(row, rng) for row in data.itertuples(index=False)])
    with engine.begin() as conn:
        results = geocode_records(conn, queries, use_cache=False)
    results["error_m"] = error_metres(data["lon"].to_numpy(), data["lat"].to_numpy(),
                                      results["lon"].astype(float).to_numpy(),
                                      results["lat"].astype(float).to_numpy())
    is_held = data.index.isin(list(held_out))
    payload = {
        "in_reference_perturbed": summarise(results[~is_held]),
        "held_out_street_in_reference": summarise(results[is_held]),
        "all_street_in_reference": summarise(results),
        "source_files": ["addresses/rrad_addresses_us.csv",
                         "us/snap_retailers_pittsburgh_area.csv"],
    }
    out = write_results("geocode_accuracy", payload)
    for name, block in payload.items():
        print(name, block)
    print(f"written to {out}")
    worst = results.assign(query=queries["street"], truth=data["street"])
    print(worst[~worst["precision"].isin(["rooftop", "interpolated"])]
          [["query", "truth", "precision", "matched"]].head(15).to_string())
    engine.dispose()


if __name__ == "__main__":
    main()
