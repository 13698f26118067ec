"""The lake's write: gcrm (COPY streamed through Arrow's CSV reader into Parquet per month)
vs pandas ``read_sql`` (in chunks) + ``to_parquet`` with ``partition_cols`` on the demo world
(GCRM_DATABASE_URL; the 1M-account world holds ~10M sales).

    .venv/bin/python bench/lake_write.py [--repeat 1]

Each side runs in its own process, so its peak resident memory is its own. The peer writes
the sales by month (what gcrm's sales step writes: the same columns, amounts as decimals);
gcrm's whole write (sales, service cases, accounts as GeoParquet) is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import spread, summary_row, write_results  # noqa: E402

SALES = """
SELECT account_id, order_date, amount, quantity, product_category AS category, channel,
       to_char(order_date, 'YYYY-MM') AS month
FROM sales"""


def side_gcrm(out: Path) -> dict:
    from gcrm import lake

    marks: dict[str, float] = {}
    start = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(stage, time.perf_counter() - start)

    result = lake.write(out, progress=progress)
    total = time.perf_counter() - start
    return {"seconds": total, "sales_seconds": marks["service cases"] - marks["sales"],
            "rows": result.rows, "bytes": result.bytes,
            "sales_bytes": sum(p.stat().st_size for p in (out / "sales").rglob("*.parquet"))}


def side_pandas(out: Path) -> dict:
    import pandas as pd

    from gcrm.db.engine import get_engine

    start = time.perf_counter()
    rows = 0
    with get_engine().connect() as conn:
        for chunk in pd.read_sql(SALES, conn.execution_options(stream_results=True),
                                 chunksize=1_000_000):
            chunk.to_parquet(out / "sales", partition_cols=["month"], index=False)
            rows += len(chunk)
    return {"seconds": time.perf_counter() - start, "rows": {"sales": rows},
            "sales_bytes": sum(p.stat().st_size for p in (out / "sales").rglob("*.parquet"))}


def run_side(side: str) -> dict:
    """One side in its own process: its result and its peak resident memory (MiB)."""
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        result_file = Path(tmp) / "result.json"
        process = subprocess.Popen([sys.executable, __file__, "--side", side,
                                    "--out", str(Path(tmp) / "lake"),
                                    "--result", str(result_file)])
        _, status, usage = os.wait4(process.pid, 0)
        if status:
            raise SystemExit(f"the {side} side failed (status {status})")
        result = json.loads(result_file.read_text())
    result["peak_mib"] = round(usage.ru_maxrss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--side", choices=("gcrm", "pandas"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--result", type=Path)
    args = parser.parse_args()
    if args.side:
        args.out.mkdir(parents=True)
        result = (side_gcrm if args.side == "gcrm" else side_pandas)(args.out)
        args.result.write_text(json.dumps(result))
        shutil.rmtree(args.out)
        return
    gcrm_runs = [run_side("gcrm") for _ in range(args.repeat)]
    peer_runs = [run_side("pandas") for _ in range(args.repeat)]
    g, p = gcrm_runs[-1], peer_runs[-1]
    sales = g["rows"]["sales"]
    rate = [sales / r["sales_seconds"] for r in gcrm_runs]
    peer_rate = [sales / r["seconds"] for r in peer_runs]
    note = (f"{sales:,} sales in {g['sales_bytes'] / 2**20:,.0f} MiB (pandas "
            f"{p['sales_bytes'] / 2**20:,.0f} MiB); peak memory gcrm {g['peak_mib']:,} MiB "
            f"for the whole write, pandas {p['peak_mib']:,} MiB")
    summary = [
        summary_row("lake write: sales by month (rows/s)", spread(rate), unit="rows/s",
                    higher_is_better=True, peer_name="pandas read_sql (1M-row chunks) + "
                    "to_parquet(partition_cols)", peer=spread(peer_rate), note=note),
        summary_row("lake write: everything (sales, cases, accounts GeoParquet)",
                    spread([r["seconds"] for r in gcrm_runs]),
                    note=f"{g['rows']['service_cases']:,} cases, {g['rows']['accounts']:,} "
                         f"accounts; {g['bytes'] / 2**20:,.0f} MiB on disk"),
    ]
    path = write_results("lake_write", {"gcrm": gcrm_runs, "pandas": peer_runs,
                                        "summary": summary})
    print(json.dumps(summary, indent=1))
    print(f"written {path}")


if __name__ == "__main__":
    main()
