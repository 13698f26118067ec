"""Shared pieces of the benchmarks: a scratch database, timing, results as JSON."""

from __future__ import annotations

import json
import platform
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

from gcrm.db import migrate
from gcrm.db.engine import database_url

RESULTS = Path(__file__).parent / "results"


def scratch_engine(name: str) -> Engine:
    """A fresh, migrated database ``name`` on the configured server."""
    server = create_engine(make_url(database_url()).set(database="postgres"),
                           isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    engine = create_engine(make_url(database_url()).set(database=name))
    migrate.upgrade(engine)
    return engine


@contextmanager
def timer(results: dict, name: str):
    start = time.perf_counter()
    yield
    results[name] = round(time.perf_counter() - start, 3)


def machine() -> dict:
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform()}


def write_results(name: str, payload: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(),
               "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **payload}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def spread(values) -> dict:
    """Median, min and max of repeated measurements (and how many runs)."""
    import statistics

    values = [float(v) for v in values]
    return {"median": round(statistics.median(values), 6), "min": round(min(values), 6),
            "max": round(max(values), 6), "runs": len(values)}


def summary_row(measure: str, gcrm, *, peer_name: str | None = None, peer=None,
                unit: str = "s", higher_is_better: bool = False, note: str = "") -> dict:
    """One line of the suite's table (bench/suite.py): what gcrm measured (a spread, or a
    single value), the peer's on the same data in the same run, and the ratio in gcrm's
    favour (> 1: gcrm is better; for times peer / gcrm, for rates gcrm / peer)."""
    gcrm = gcrm if isinstance(gcrm, dict) else spread([gcrm])
    row = {"measure": measure, "unit": unit, "higher_is_better": higher_is_better,
           "gcrm": gcrm, "peer_name": peer_name, "peer": None, "ratio": None, "note": note}
    if peer is not None:
        peer = peer if isinstance(peer, dict) else spread([peer])
        row["peer"] = peer
        a, b = gcrm["median"], peer["median"]
        if a > 0 and b > 0:
            row["ratio"] = round(a / b if higher_is_better else b / a, 3)
    return row
