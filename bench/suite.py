"""The benchmark suite: one command that measures gcrm against its peers at scale and
writes one report.

    make bench                                    # BENCH_ACCOUNTS=1000000 BENCH_REPEAT=3
    .venv/bin/python bench/suite.py [--accounts 1000000] [--repeat 3] [--only a,b]
                                    [--skip a,b] [--rebuild-world]

1. The demo world at ``--accounts`` (about ten sales per account) in its own database,
   ``gcrm_bench_world_<accounts>`` on the configured server, with its users and cube;
   reused when it already holds that many demo accounts (``--rebuild-world`` to redo it).
   Its build time and peak memory are the first line of the report.
2. Each benchmark script runs as its own process (``GCRM_DATABASE_URL`` on the world for
   those that read it) with ``--repeat``; each compares gcrm with a peer in the same run on
   the same data and writes ``bench/results/<name>.json`` with ``summary`` rows (median,
   min and max of the repeats, the ratio in gcrm's favour). The suite records each
   process's wall time and peak resident memory (``wait4``), and flags anything over
   8 GiB.
3. ``bench/results/suite.json`` and ``bench/results/SUMMARY.md`` hold the table, which also
   replaces the performance section of the README (between the ``bench-summary`` marks).

A failing benchmark is reported with the end of its log and the others still run; the
suite then exits non-zero. Logs: ``bench/results/logs/<name>.log``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import RESULTS, machine, summary_row, write_results  # noqa: E402

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
    Step("assign_vs_sjoin", ("--points", "{accounts}", "--repeat", "{repeat}"),
         what="point-to-region assignment vs GeoPandas sjoin"),
    Step("cube_build", ("--repeat", "{repeat}"), on_world=True,
         what="cube full/incremental build and slice vs pandas and DuckDB"),
    Step("dashboard_pages", ("--repeat", "{repeat}"), on_world=True,
         what="dashboard first render and rerun, bytes per map"),
    Step("customers_viewport", ("--repeat", "{repeat}"), on_world=True,
         what="viewport update per role vs GeoPandas .cx"),
    Step("rls_overhead", ("--repeat", "{repeat}"), on_world=True,
         what="row-level security and masking overhead per role"),
    Step("territory_design", ("--states", "all", "--k", "50", "--workload", "zips",
                              "--repeat", "{repeat}"), result="territory_design_us_zips",
         what="territory design vs PySAL spopt (3,109 counties, 50 territories)"),
    Step("tradearea_methods", ("--repeat", "{repeat}"),
         what="Huff and customer-derived trade areas vs dense NumPy / GeoPandas"),
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
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"exit": process.returncode, "seconds": round(time.perf_counter() - start, 1),
            "peak_rss_mib": round(usage.ru_maxrss / 1024)}


def world(accounts: int, rebuild: bool) -> tuple[str, dict | None]:
    """The URL of the demo world at ``accounts``, built when missing; the build's figures
    (None when it was reused)."""
    name = f"gcrm_bench_world_{accounts}"
    server = make_url(database_url())
    url = server.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}).first() is not None
        if exists and not rebuild and _holds(url, accounts):
            admin.dispose()
            print(f"world: reusing {name} ({accounts:,} demo accounts)")
            return url, None
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    gcrm = str(Path(sys.executable).with_name("gcrm"))
    env = {"GCRM_DATABASE_URL": url}
    print(f"world: building {name} with {accounts:,} accounts ...", flush=True)
    figures = {}
    for step, argv in (("upgrade", [gcrm, "db", "upgrade"]),
                       ("demo", [gcrm, "demo", "--accounts", str(accounts)]),
                       ("cube", [gcrm, "cube", "build"])):
        done = run(argv, LOGS / f"world_{step}.log", env)
        if done["exit"] != 0:
            raise SystemExit(f"world: {step} failed; see {LOGS / f'world_{step}.log'}")
        figures[step] = done
    print(f"world: built in {figures['demo']['seconds']:,.0f} s (demo) + "
          f"{figures['cube']['seconds']:,.0f} s (cube)")
    return url, figures


def _holds(url: str, accounts: int) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT count(*) FROM accounts WHERE source = 'demo'")
                                 ).scalar_one()
            cube = conn.execute(text("SELECT count(*) FROM cube_builds")).scalar_one()
        return found == accounts and cube > 0
    except Exception:  # noqa: BLE001 - an unusable database is simply rebuilt
        return False
    finally:
        engine.dispose()


def table(rows: list[dict], steps: dict[str, dict]) -> str:
    lines = ["| benchmark | measure | gcrm median (min-max) | peer | peer median (min-max) "
             "| gcrm's advantage | peak memory |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        step = steps.get(row["benchmark"], {})
        peer = row.get("peer")
        ratio = row.get("ratio")
        lines.append(
            f"| {row['benchmark']} | {row['measure']} | {_spread(row['gcrm'], row['unit'])} "
            f"| {row.get('peer_name') or ''} | {_spread(peer, row['unit']) if peer else ''} "
            f"| {f'{ratio:,.2f}x' if ratio else ''} "
            f"| {_mib(step.get('peak_rss_mib'))} |")
    for name, step in steps.items():
        if step.get("exit", 0) != 0:
            lines.append(f"| {name} | **failed** (exit {step['exit']}): "
                         f"{step.get('error', '')} | | | | | |")
    return "\n".join(lines)


def _spread(value: dict, unit: str) -> str:
    def fmt(v: float) -> str:
        if unit == "%":  # the rows hold fractions
            return f"{v:.1%}"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    text_unit = "" if unit in ("", "%") else f" {unit}"
    if value.get("runs", 1) > 1 and value["min"] != value["max"]:
        return f"{fmt(value['median'])}{text_unit} ({fmt(value['min'])}-{fmt(value['max'])})"
    return f"{fmt(value['median'])}{text_unit}"


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
            steps["demo_world"] = {**built["demo"], "cube": built["cube"]}
            rows.append({"benchmark": "demo_world", **summary_row(
                f"build the demo world, {args.accounts:,} accounts (files, geocoding, "
                "sales, cases, assignment)", built["demo"]["seconds"],
                note="then the cube: {:,.0f} s".format(built["cube"]["seconds"]))})
    for step in chosen:
        argv = [sys.executable, str(BENCH / f"{step.name}.py"),
                *(a.format(accounts=args.accounts, repeat=args.repeat) for a in step.args)]
        print(f"{step.name}: {step.what} ...", flush=True)
        log = LOGS / f"{step.name}.log"
        before = time.time()
        done = run(argv, log, {"GCRM_DATABASE_URL": url} if step.on_world else None)
        steps[step.name] = done
        result = RESULTS / f"{step.result or step.name}.json"
        if done["exit"] != 0 or not result.exists() or result.stat().st_mtime < before:
            done["exit"] = done["exit"] or 1
            done["error"] = " / ".join(log.read_text().strip().splitlines()[-3:])[-300:]
            print(f"  failed: {done['error']}")
            continue
        payload = json.loads(result.read_text())
        for row in payload.get("summary", []):
            rows.append({"benchmark": step.name, **row})
        print(f"  {done['seconds']:,.0f} s, peak {done['peak_rss_mib']:,} MiB, "
              f"{len(payload.get('summary', []))} measures")
    about = {**machine(), "memory": _memory()}
    write_results("suite", {"accounts": args.accounts, "repeat": args.repeat,
                            "steps": steps, "rows": rows, "started": started})
    print(report(rows, steps, started, args.accounts, args.repeat, about))
    failed = [n for n, s in steps.items() if s.get("exit", 0) != 0]
    over = [n for n, s in steps.items() if (s.get("peak_rss_mib") or 0) > LIMIT_MIB]
    if over:
        print(f"Over the 8 GiB memory limit: {', '.join(over)}")
    if failed or over:
        raise SystemExit(1)


def report(rows: list[dict], steps: dict, started: str, accounts: int, repeat: int,
           about: dict) -> str:
    """Write SUMMARY.md (every row) and the README's section (the comparisons with a peer,
    and the world's build); returns the full table."""
    header = (f"Measured {started[:10]} on {about['cpus']} cores, "
              f"{about.get('memory', 'RAM unknown')}, Python {about['python']}, "
              f"{about['platform']}; the demo world at {accounts:,} accounts; median of "
              f"{repeat} runs (min-max); ratios > 1 favour gcrm. Reproduce: `make bench` "
              "(BENCH_ACCOUNTS, BENCH_REPEAT).")
    full = header + "\n\n" + table(rows, steps) + "\n"
    (RESULTS / "SUMMARY.md").write_text("# Benchmark summary\n\n" + full)
    compared = [r for r in rows if r.get("peer") or r["benchmark"] == "demo_world"]
    _update_readme(header + "\n\n" + table(compared, steps) + "\n\nEvery measure (first "
                   "renders, features and bytes per view, ...): "
                   "[bench/results/SUMMARY.md](bench/results/SUMMARY.md).\n")
    return full


def _memory() -> str:
    try:
        kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")).split()[1])
        return f"{kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        return "RAM unknown"


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
