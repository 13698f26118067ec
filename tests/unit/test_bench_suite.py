"""The benchmark suite's report after a partial run (``--only``): the other benchmarks'
rows stay, only the ones that ran are replaced, whatever size or repeat the last run had."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import suite  # noqa: E402


def _row(benchmark: str, measure: str, median: float) -> dict:
    return {"benchmark": benchmark, "measure": measure, "unit": "s",
            "gcrm": {"median": median, "min": median, "max": median, "runs": 3},
            "peer": None, "ratio": None, "note": ""}


LAST = {  # a full run at 1M accounts, 3 repeats
    "accounts": 1_000_000, "repeat": 3, "started": "2026-11-23T15:27:37",
    "steps": {"demo_world": {"exit": 0}, "bulk_load": {"exit": 0},
              "cube_build": {"exit": 0}, "basemap_tiles": {"exit": 0}},
    "rows": [_row("demo_world", "build", 446), _row("bulk_load", "load", 14.6),
             _row("cube_build", "full build", 26.9), _row("cube_build", "slice", 0.03),
             _row("basemap_tiles", "z13", 0.07)],
}


def test_a_partial_run_with_another_repeat_keeps_every_other_row():
    # --only cube_build,ux_timings with BENCH_REPEAT=5: the last run had 3 repeats
    now = {"accounts": 1_000_000, "repeat": 5, "started": "2026-12-06T23:00:00"}
    rows = [_row("ux_timings", "open a customer", 1.2), _row("cube_build", "full build", 25)]
    steps = {"cube_build": {"exit": 0, **now}, "ux_timings": {"exit": 0, **now}}

    merged_rows, merged_steps = suite.merge_with_last(LAST, rows, steps)

    assert [(r["benchmark"], r["measure"]) for r in merged_rows] == [
        ("demo_world", "build"), ("bulk_load", "load"), ("cube_build", "full build"),
        ("basemap_tiles", "z13"), ("ux_timings", "open a customer")]  # suite order
    assert merged_rows[2]["gcrm"]["median"] == 25  # this run's, the old slice row gone
    assert list(merged_steps) == ["demo_world", "bulk_load", "cube_build",
                                  "basemap_tiles", "ux_timings"]
    # the kept steps say which run measured them; the report notes it in their rows
    assert merged_steps["bulk_load"]["started"] == "2026-11-23T15:27:37"
    assert merged_steps["bulk_load"]["repeat"] == 3
    table = suite.table(merged_rows, merged_steps, 5, accounts=1_000_000,
                        started=now["started"])
    assert "| bulk_load | load | 14.6 s, 3 runs |" in table
    assert "measured 2026-11-23" in table.splitlines()[3]
    assert "measured" not in table.splitlines()[4]  # cube_build ran now


def test_a_failed_benchmark_replaces_its_old_rows_with_its_failure():
    rows, steps = suite.merge_with_last(
        LAST, [], {"bulk_load": {"exit": 1, "error": "out of disk"}})
    assert "bulk_load" not in {r["benchmark"] for r in rows}
    assert len(rows) == 4
    assert "| bulk_load | **failed** (exit 1): out of disk |" in suite.table(rows, steps, 3)


def test_a_first_run_has_nothing_to_merge():
    rows = [_row("bulk_load", "load", 14.0)]
    assert suite.merge_with_last(None, rows, {"bulk_load": {"exit": 0}}) == (
        rows, {"bulk_load": {"exit": 0}})
