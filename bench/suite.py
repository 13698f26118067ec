"""The benchmark suite: one command that measures gcrm against its peers at scale and
writes one report.

    make bench                                    # BENCH_ACCOUNTS=1000000 BENCH_REPEAT=3
    .venv/bin/python bench/suite.py [--accounts 1000000] [--repeat 3] [--only a,b]
                                    [--skip a,b] [--rebuild-world]

1. The demo world at ``--accounts`` (about ten sales per account) in its own database,
   ``gcrm_bench_world_<accounts>`` on the configured server, with its users, cube and
   trade areas; reused when it already holds that many demo accounts (``--rebuild-world``
   to redo it). Its build time and peak memory are the first line of the report.
2. Each benchmark script runs as its own process (``GCRM_DATABASE_URL`` on the world for
   those that read it) with ``--repeat``; each compares gcrm with a peer in the same run on
   the same data and writes ``bench/results/<name>.json`` with ``summary`` rows (median,
   min and max of the repeats, the ratio in gcrm's favour). The suite records each
   process's wall time and peak resident memory (``wait4``), and flags anything over
   8 GiB.
3. ``bench/results/suite.json`` and ``bench/results/SUMMARY.md`` hold the table, which also
   replaces the performance section of the README (between the ``bench-summary`` marks).
   With ``--only`` or ``--skip`` the new rows replace those benchmarks' rows of the last
   run, whatever its size or repeat; the others are kept (each notes the day and size it
   was measured at when they differ), so the report stays whole.

A failing benchmark (or world) is reported with the end of its log and the others still
run; the suite then exits non-zero. Logs: ``bench/results/logs/<name>.log``.

Peak memory is the benchmark process's (and its largest child's), not the PostgreSQL
server's, which runs as its own service with fixed settings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).parent))
from harness import (  # noqa: E402
    RESULTS,
    holds_world,
    machine,
    recreate_database,
    summary_row,
    write_results,
)

from gcrm.db.engine import database_url  # noqa: E402

BENCH = Path(__file__).parent
ROOT = BENCH.parent
LOGS = RESULTS / "logs"
README = ROOT / "README.md"
MARKS = ("<!-- bench-summary:start -->", "<!-- bench-summary:end -->")
LIMIT_MIB = 8 * 1024


@dataclass(frozen=True)
class Step:
    name: str  # the script, bench/<name>.py
    args: tuple[str, ...]  # {accounts} and {repeat} are filled in
    on_world: bool = False  # reads the demo world (GCRM_DATABASE_URL)
    result: str | None = None  # its results file, when not <name>.json
    what: str = ""


STEPS = (
    Step("bulk_load", ("--rows", "{accounts}", "--repeat", "{repeat}"),
         what="bulk load (COPY) vs GeoPandas to_postgis"),
    Step("geocode_throughput", ("--repeat", "{repeat}"),
         what="batch geocoding vs one query per address"),
    Step("dask_geocode", ("--repeat", "{repeat}"),
         what="batch geocoding on Dask (LocalCluster 2x1: parsing on the workers) vs in one "
              "process, the same answers"),
    Step("assign_vs_sjoin", ("--points", "{accounts}", "--repeat", "{repeat}"),
         what="point-to-region assignment vs GeoPandas sjoin"),
    Step("dask_assign", ("--points", "200000", "--repeat", "{repeat}"),
         on_world=True, what="point-to-region assignment on Dask (LocalCluster 2x1) "
         "vs PostGIS and one GeoPandas process"),
    Step("dask_cube", ("--repeat", "{repeat}"), on_world=True,
         what="full cube build on Dask (LocalCluster 2x1) vs on this machine"),
    Step("cube_build", ("--repeat", "{repeat}"), on_world=True,
         what="cube full/incremental build and slice vs pandas and DuckDB"),
    Step("lake_write", ("--repeat", "1"), on_world=True,
         what="the lake: sales by month as Parquet (COPY through Arrow) vs pandas read_sql "
              "+ to_parquet; the whole write with accounts as GeoParquet"),
    Step("cost_to_serve", ("--repeat", "{repeat}"), on_world=True,
         what="cost-to-serve family: its cells in DuckDB vs pandas, its share of a "
              "full cube build, unprofitable share per county (query)"),
    Step("dashboard_pages", ("--repeat", "{repeat}"), on_world=True,
         what="dashboard first render and rerun, bytes per map"),
    Step("customers_viewport", ("--repeat", "{repeat}"), on_world=True,
         what="viewport update per role vs GeoPandas .cx"),
    Step("basemap_tiles", ("--repeat", "{repeat}"), on_world=True,
         what="base map vector tiles of a city viewport vs GeoPandas + mapbox-vector-tile"),
    Step("rls_overhead", ("--repeat", "{repeat}"), on_world=True,
         what="row-level security and masking overhead per role"),
    Step("territory_design", ("--states", "all", "--k", "50", "--workload", "zips",
                              "--repeat", "{repeat}"), result="territory_design_us_zips",
         what="territory design vs PySAL spopt (3,109 counties, 50 territories)"),
    Step("hotspots", ("--repeat", "{repeat}"), on_world=True,
         what="Gi* and Local Moran (999 permutations) vs Queen.from_dataframe + esda: "
              "1,450 ZIPs (cube), 3,109 counties, 50,000 H3 cells"),
    Step("churn_model", ("--repeat", "{repeat}"), on_world=True,
         what="churn features (SQL vs pandas from the facts), training on a sample, "
              "scoring every customer; the model beside the RFM rule"),
    Step("dask_score", ("--repeat", "{repeat}"), on_world=True,
         what="churn scoring on Dask (LocalCluster 2x1) vs in one process, the same scores "
              "(after churn_model, which trains the world's model)"),
    Step("risk_cube", ("--repeat", "{repeat}"), on_world=True,
         what="churn risk in the cube: a scoring's month kept, the risk family's cells "
              "(DuckDB) vs pandas"),
    Step("forecast", ("--repeat", "{repeat}"), on_world=True,
         what="revenue forecast per region (ETS, 6 months, backtest, reconciliation) vs "
              "SQL GROUP BY + pandas + statsmodels: 67 counties, 1,450 ZIPs"),
    Step("customer_value", ("--repeat", "{repeat}"), on_world=True,
         what="customer value summary (SQL + rfm_summary vs read_sql + rfm_summary), BG/NBD "
              "+ Gamma-Gamma fit with holdout validation, scoring every customer; the "
              "model beside 'last year repeats'"),
    Step("tradearea_methods", ("--repeat", "{repeat}"),
         what="Huff and customer-derived trade areas vs dense NumPy / GeoPandas"),
    Step("visit_routes", ("--repeat", "{repeat}", "--long", "60"),
         what="a day of visits for several reps on real roads: matrix vs networkx, plan vs "
              "a 60 s search"),
    Step("ux_timings", ("--repeat", "5"), on_world=True,
         what="click to settled page in Chromium: design, move, open a customer, measure"),
    Step("concurrent_sessions", ("--repeat", "{repeat}"),
         what="20 browser sessions at once vs one at a time: settle median and p95, errors "
              "(its own 10,000-account world; server and browsers on separate cores)"),
)


def run(argv: list[str], log: Path, env: dict | None = None) -> dict:
    """Run ``argv`` to completion with its output in ``log``: exit code, wall seconds and
    the process's peak resident memory (MiB, from wait4: its own, and its children's)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                   env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(process.pid, 0)
    return {"exit": os.waitstatus_to_exitcode(status),
            "seconds": round(time.perf_counter() - start, 1),
            "peak_rss_mib": round(usage.ru_maxrss / 1024)}


def world(accounts: int, rebuild: bool) -> tuple[str | None, dict | None]:
    """The URL of the demo world at ``accounts``, built when missing (``gcrm demo`` loads
    everything and builds the cube and trade areas), and the build's figures: None when
    the world was reused; ``exit`` and ``error`` and no URL when the build failed."""
    name = f"gcrm_bench_world_{accounts}"
    url = make_url(database_url()).set(database=name).render_as_string(hide_password=False)
    gcrm = str(Path(sys.executable).with_name("gcrm"))
    reuse = not rebuild and holds_world(url, accounts)
    if reuse:
        print(f"world: reusing {name} ({accounts:,} demo accounts), upgraded to this "
              "version's schema")
    else:
        recreate_database(name)
        print(f"world: building {name} with {accounts:,} accounts ...", flush=True)
    steps = [("upgrade", [gcrm, "db", "upgrade"])]
    if not reuse:
        steps.append(("demo", [gcrm, "demo", "--accounts", str(accounts)]))
    for step, argv in steps:
        log = LOGS / f"world_{step}.log"
        done = run(argv, log, {"GCRM_DATABASE_URL": url})
        if done["exit"] != 0:
            done["error"] = f"gcrm {argv[1]}: " + _tail(log)
            print(f"world: failed: {done['error']}")
            return None, done
    if reuse:
        return url, None
    print(f"world: built in {done['seconds']:,.0f} s, peak {done['peak_rss_mib']:,} MiB")
    return url, done


def _tail(log: Path) -> str:
    return " / ".join(log.read_text().strip().splitlines()[-3:])[-300:]


def table(rows: list[dict], steps: dict[str, dict], repeat: int, *,
          accounts: int | None = None, started: str | None = None) -> str:
    """The Markdown table of ``rows``, with each benchmark's peak memory and its failures;
    a spread over another number of runs than ``repeat`` says how many, and a benchmark
    kept from an earlier run (another day than ``started``, another world size than
    ``accounts``) says when and at what size in its note."""
    lines = ["| benchmark | measure | gcrm median (min-max) | peer | peer median (min-max) "
             "| gcrm's advantage | peak memory | note |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        step = steps.get(row["benchmark"], {})
        peer = row.get("peer")
        ratio = row.get("ratio")
        note = "; ".join(n for n in (_measured(step, accounts, started), row.get("note"))
                         if n)
        lines.append(
            f"| {row['benchmark']} | {row['measure']} "
            f"| {_spread(row['gcrm'], row['unit'], repeat)} "
            f"| {row.get('peer_name') or ''} "
            f"| {_spread(peer, row['unit'], repeat) if peer else ''} "
            f"| {'' if ratio is None else f'{ratio:,.2f}x'} "
            f"| {_mib(step.get('peak_rss_mib'))} | {note} |".replace("\n", " "))
    for name, step in steps.items():
        if step.get("exit", 0) != 0:
            lines.append(f"| {name} | **failed** (exit {step['exit']}): "
                         f"{step.get('error', '')} | | | | | | |")
    return "\n".join(lines)


def _measured(step: dict, accounts: int | None, started: str | None) -> str:
    """"measured <day>[ at <n> accounts]" for a step of another run than the report's."""
    day, size = step.get("started", "")[:10], step.get("accounts")
    other_day = bool(started and day and day != started[:10])
    other_size = bool(accounts and size and size != accounts)
    if not (other_day or other_size):
        return ""
    return f"measured {day or 'earlier'}" + (f" at {size:,} accounts" if other_size else "")


def _spread(value: dict, unit: str, repeat: int) -> str:
    def fmt(v: float) -> str:
        if unit == "%":  # the rows hold fractions
            return f"{v:.1%}"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    text_unit = "" if unit in ("", "%") else f" {unit}"
    runs = value.get("runs", 1)
    out = f"{fmt(value['median'])}{text_unit}"
    if runs > 1 and value["min"] != value["max"]:
        out += f" ({fmt(value['min'])}-{fmt(value['max'])})"
    if runs != repeat:
        out += f", {runs} run{'s' if runs > 1 else ''}"
    return out


def _mib(value) -> str:
    if value is None:
        return ""
    flag = " **over 8 GiB**" if value > LIMIT_MIB else ""
    return f"{value:,} MiB{flag}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int,
                        default=int(os.environ.get("BENCH_ACCOUNTS", 1_000_000)))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", 3)))
    parser.add_argument("--only", default="")
    parser.add_argument("--skip", default="")
    parser.add_argument("--rebuild-world", action="store_true")
    parser.add_argument("--report", action="store_true",
                        help="Only write the tables again from bench/results/suite.json.")
    args = parser.parse_args()
    if args.report:
        saved = json.loads((RESULTS / "suite.json").read_text())
        report(saved["rows"], saved["steps"], saved["started"], saved["accounts"],
               saved["repeat"], saved["machine"])
        return
    only = {s for s in args.only.split(",") if s}
    skip = {s for s in args.skip.split(",") if s}
    chosen = [s for s in STEPS if (not only or s.name in only) and s.name not in skip]
    unknown = (only | skip) - {s.name for s in STEPS}
    if unknown:
        raise SystemExit(f"Unknown benchmark(s) {', '.join(sorted(unknown))}; choose from "
                         f"{', '.join(s.name for s in STEPS)}.")
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    rows: list[dict] = []
    steps: dict[str, dict] = {}
    url = None
    if any(s.on_world for s in chosen):
        url, built = world(args.accounts, args.rebuild_world)
        if built:
            steps["demo_world"] = built
        if built and not built["exit"]:
            rows.append({"benchmark": "demo_world", **summary_row(
                f"build the demo world, {args.accounts:,} accounts (`gcrm demo`: files, "
                "geocoding, sales, cases, assignment, cube, trade areas)", built["seconds"])})
    for step in chosen:
        log = LOGS / f"{step.name}.log"
        if step.on_world and url is None:
            steps[step.name] = {"exit": 1, "error": "the demo world did not build"}
            continue
        argv = [sys.executable, str(BENCH / f"{step.name}.py"),
                *(a.format(accounts=args.accounts, repeat=args.repeat) for a in step.args)]
        print(f"{step.name}: {step.what} ...", flush=True)
        before = time.time()
        done = run(argv, log, {"GCRM_DATABASE_URL": url} if step.on_world else None)
        steps[step.name] = done
        result = RESULTS / f"{step.result or step.name}.json"
        fresh = result.exists() and result.stat().st_mtime >= before
        # A benchmark that failed after writing its results keeps what it measured.
        payload = json.loads(result.read_text()) if fresh else {}
        for row in payload.get("summary", []):
            rows.append({"benchmark": step.name, **row})
        if done["exit"] != 0 or not fresh:
            done["exit"] = done["exit"] or 1
            done["error"] = _tail(log)
            print(f"  failed: {done['error']}")
            continue
        print(f"  {done['seconds']:,.0f} s, peak {done['peak_rss_mib']:,} MiB, "
              f"{len(payload.get('summary', []))} measures")
    for done in steps.values():  # which run measured it, for the report of a later one
        done.update(accounts=args.accounts, repeat=args.repeat, started=started)
    ran = dict(steps)  # this run's, for its exit status
    if len(chosen) < len(STEPS):
        path = RESULTS / "suite.json"
        last = json.loads(path.read_text()) if path.exists() else None
        rows, steps = merge_with_last(last, rows, steps)
    write_results("suite", {"accounts": args.accounts, "repeat": args.repeat,
                            "steps": steps, "rows": rows, "started": started})
    print(report(rows, steps, started, args.accounts, args.repeat, machine()))
    failed = [n for n, s in ran.items() if s.get("exit", 0) != 0]
    over = [n for n, s in ran.items() if (s.get("peak_rss_mib") or 0) > LIMIT_MIB]
    if over:
        print(f"Over the 8 GiB memory limit: {', '.join(over)}")
    if failed or over:
        raise SystemExit(1)


def merge_with_last(last: dict | None, rows: list[dict],
                    steps: dict[str, dict]) -> tuple[list[dict], dict[str, dict]]:
    """A partial run's ``rows`` and ``steps`` in place of the same benchmarks' in ``last``
    (the previous ``suite.json``, None when there is none); every other benchmark of
    ``last`` is kept, whatever size or number of repeats it ran with (each step records
    its own ``accounts``, ``repeat`` and ``started``: a step of ``last`` without them
    gets ``last``'s), and everything is in suite order."""
    if not last:
        return rows, steps
    ran = set(steps) | {r["benchmark"] for r in rows}
    stamp = {k: last[k] for k in ("accounts", "repeat", "started") if k in last}
    kept_steps = {n: {**stamp, **s} for n, s in last.get("steps", {}).items() if n not in ran}
    merged_steps = {**kept_steps, **steps}
    merged_rows = [r for r in last.get("rows", []) if r["benchmark"] not in ran] + rows
    order = ["demo_world", *(s.name for s in STEPS)]

    def place(name: str) -> int:  # a benchmark no longer in STEPS goes last
        return order.index(name) if name in order else len(order)

    merged_rows.sort(key=lambda r: place(r["benchmark"]))  # stable within a benchmark
    return merged_rows, {n: merged_steps[n] for n in sorted(merged_steps, key=place)}


def report(rows: list[dict], steps: dict, started: str, accounts: int, repeat: int,
           about: dict) -> str:
    """Write SUMMARY.md (every row) and the README's section (the comparisons with a peer
    other than gcrm itself, and the world's build); returns the full table. A report
    merged from several runs gives their days, and the number of repeats most of its
    benchmarks ran (a row with another says so)."""
    days = sorted({s["started"][:10] for s in steps.values() if s.get("started")}
                  | {started[:10]})
    repeats = Counter(s["repeat"] for s in steps.values() if s.get("repeat"))
    repeat = repeats.most_common(1)[0][0] if repeats else repeat
    when = days[0] if len(days) == 1 else (f"{days[0]} to {days[-1]} (each row from "
                                           "another day than the last says when; the "
                                           "machine is the last run's)")
    header = (f"Measured {when} on {about['cpus']} cores "
              f"({about.get('cpu') or 'CPU unknown'}), {about.get('memory_gib', '?')} GiB "
              f"RAM, Python {about['python']}, {about['platform']}; the demo world at "
              f"{accounts:,} accounts; median of {repeat} runs (min-max) unless a cell says "
              "otherwise; ratios > 1 favour gcrm; peak memory is the benchmark process's. "
              "Reproduce: `make bench` (BENCH_ACCOUNTS, BENCH_REPEAT).")
    full = header + "\n\n" + table(rows, steps, repeat, accounts=accounts,
                                     started=started) + "\n"
    (RESULTS / "SUMMARY.md").write_text("# Benchmark summary\n\n" + full)
    compared = [r for r in rows if (r.get("peer") and not r.get("peer_is_gcrm"))
                or r["benchmark"] == "demo_world"]
    _update_readme(header + "\n\n" + table(compared, steps, repeat, accounts=accounts,
                                                 started=started) + "\n\nEvery measure "
                   "(first renders, incremental builds, row-level security overhead, "
                   "features and bytes per view, ...): "
                   "[bench/results/SUMMARY.md](bench/results/SUMMARY.md).\n")
    return full


def _update_readme(markdown: str) -> None:
    readme = README.read_text()
    start, end = MARKS
    if start not in readme or end not in readme:
        print("README has no bench-summary marks; the table is in bench/results/SUMMARY.md")
        return
    before, rest = readme.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(f"{before}{start}\n{markdown}{end}{after}")


if __name__ == "__main__":
    main()
