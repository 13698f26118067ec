"""Shared pieces of the benchmarks: a scratch database, the machine, results as JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

from gcrm.db import migrate
from gcrm.db.engine import database_url

RESULTS = Path(__file__).parent / "results"


def recreate_database(name: str) -> str:
    """Drop ``name`` on the configured server if it exists and create it empty; its URL."""
    url = make_url(database_url())
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def holds_world(url: str, accounts: int) -> bool:
    """Whether ``url`` is a finished demo world of ``accounts`` (false when missing)."""
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


def scratch_engine(name: str) -> Engine:
    """A fresh, migrated database ``name`` on the configured server."""
    engine = create_engine(recreate_database(name))
    migrate.upgrade(engine)
    return engine


def machine() -> dict:
    """What the figures were measured on: Python, cores, CPU model, RAM, system."""
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor(),
            "memory_gib": round(int((_proc_field("/proc/meminfo", "MemTotal") or "0 kB")
                                    .split()[0]) / 2**20, 1),
            "platform": platform.platform()}


def _proc_field(path: str, field: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def write_results(name: str, payload: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(),
               "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **payload}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def write_and_print(name: str, payload: dict) -> Path:
    """:func:`write_results`, then every figure but the summary rows, one per line."""
    out = write_results(name, payload)
    width = max(len(key) for key in payload)
    for key, value in payload.items():
        if key != "summary":
            print(f"{key:>{width}}: {value}")
    print(f"written to {out}")
    return out


def local_cluster():
    """A Dask ``LocalCluster`` of 2 worker processes x 1 thread on this machine and its
    client: ``(client, cluster, seconds it took to start)``. Close both when done."""
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster, time.perf_counter() - started


def spread(values) -> dict:
    """Median, min and max of repeated measurements (and how many runs)."""
    values = [float(v) for v in values]
    return {"median": round(statistics.median(values), 6), "min": round(min(values), 6),
            "max": round(max(values), 6), "runs": len(values)}


def summary_row(measure: str, gcrm, *, peer_name: str | None = None, peer=None,
                unit: str = "s", higher_is_better: bool = False, note: str = "",
                peer_is_gcrm: bool = False) -> dict:
    """One line of the suite's table (bench/suite.py): what gcrm measured (a spread, or a
    single value), the peer's on the same data in the same run, and the ratio in gcrm's
    favour (> 1: gcrm is better; for times peer / gcrm, for rates gcrm / peer).
    ``peer_is_gcrm`` marks a comparison of gcrm with itself (an incremental build against
    a full one, a user against the operator), kept out of the README's comparisons."""
    gcrm = gcrm if isinstance(gcrm, dict) else spread([gcrm])
    row = {"measure": measure, "unit": unit, "higher_is_better": higher_is_better,
           "gcrm": gcrm, "peer_name": peer_name, "peer": None, "ratio": None, "note": note,
           "peer_is_gcrm": peer_is_gcrm}
    if peer is not None:
        peer = peer if isinstance(peer, dict) else spread([peer])
        row["peer"] = peer
        a, b = gcrm["median"], peer["median"]
        if a > 0 and b > 0:
            row["ratio"] = round(a / b if higher_is_better else b / a, 3)
    return row


def apptest_overhead(repeat: int) -> float:
    """Streamlit AppTest's own cost of a run (a page that writes one line; it scans the
    installed packages for components on every run): taken off page times, so they are
    the page's own server-side time."""
    from streamlit.testing.v1 import AppTest

    times = []
    for _ in range(max(repeat, 3)):
        at = AppTest.from_string("import streamlit as st\nst.write('ok')")
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
