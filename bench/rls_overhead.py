"""What row-level security and masking cost: the same queries as the operator (no rules)
and as demo users of each kind, in the same run on the same data.

Needs a database holding the demo world and its users, e.g. the benchmark-sized one:

    gcrm demo --accounts 1000000                       # into the configured database
    .venv/bin/python bench/rls_overhead.py [--repeat 3]

Times are medians of ``--repeat`` runs; the payload's "summary" holds each query as each
user against the same query as the operator, with min and max.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

from gcrm.db.engine import database_url  # noqa: E402

QUERIES = {
    "revenue_all_sales": "SELECT count(*), sum(amount) FROM sales",
    "accounts_by_status": "SELECT sum(n) FROM (SELECT status, count(*) AS n "
                          "FROM account_profiles GROUP BY status) x",
}
USERS = ("analyst", "manager", "county_manager")  # every region, a state, a county


def median_seconds(engine, query: str, repeat: int) -> tuple[float, int, list[float]]:
    times, rows = [], 0
    for _ in range(repeat):
        with engine.connect() as conn:
            start = time.perf_counter()
            result = conn.execute(text(query)).all()
            times.append(time.perf_counter() - start)
            rows = result[0][0]
    return statistics.median(times), rows, times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    operator = create_engine(database_url())
    with operator.connect() as conn:
        roles = dict(conn.execute(text("SELECT username, pg_role FROM app_users")).all())
        accounts = conn.execute(text("SELECT count(*) FROM accounts")).scalar_one()
    missing = [u for u in USERS if u not in roles]
    if missing:
        raise SystemExit(f"Demo users missing ({', '.join(missing)}): run `gcrm demo` first.")
    payload: dict = {"accounts": accounts, "repeat": args.repeat}
    summary = []
    for name, query in QUERIES.items():
        base, seen, base_times = median_seconds(operator, query, args.repeat)
        payload[f"{name}_operator_s"] = round(base, 2)
        for user in USERS:
            engine = create_engine(database_url(),
                                   connect_args={"options": f"-c role={roles[user]}"})
            secs, first, times = median_seconds(engine, query, args.repeat)
            engine.dispose()
            payload[f"{name}_{user}_s"] = round(secs, 2)
            payload[f"{name}_{user}_ratio"] = round(secs / base, 2)
            payload[f"{name}_{user}_rows_seen"] = int(first)
            summary.append(summary_row(
                f"{name} as {user}", spread(times),
                peer_name="the same query as the operator (no rules)", peer=spread(base_times),
                peer_is_gcrm=True,
                note=f"an overhead ratio, operator time / this user's (0.5: row-level "
                     f"security and masking double the time); {user} sees {int(first):,} of "
                     f"{int(seen):,}"))
    payload["summary"] = summary
    out = write_results("rls_overhead", payload)
    for key, value in payload.items():
        if key != "summary":
            print(f"{key:>44}: {value}")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
