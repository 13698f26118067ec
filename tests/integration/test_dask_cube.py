"""The cube built on Dask (issue 22): the same cells as the local build, row for row; a
worker that dies mid-build or a scheduler that does not answer leaves the stored cube as
it was."""

from __future__ import annotations

import socket

import pytest
from distributed import get_task_stream
from dying_workers import KillOnTask, dying_for_good
from sqlalchemy import text

from gcrm import cube
from gcrm.config import get_settings
from gcrm.cube.build import COLUMNS
from gcrm.errors import EngineUnavailable


def _cube(engine) -> dict[str, list[tuple]]:
    """Every cube table, every column, in a fixed order."""
    with engine.connect() as conn:
        return {table: [tuple(row) for row in conn.execute(text(
                    f"SELECT {columns} FROM {table} ORDER BY {columns}"))]
                for table, columns in COLUMNS.items()}


# Churn scores in two months and contacts in three, so the risk and contact costs have cells.
SCORES_AND_CONTACTS = [
    """INSERT INTO churn_models (version, cutoff, horizon_days, features, metrics,
           training_rows, database_identity, model)
       VALUES (1, '2026-01-31', 90, '{}', '{}', 0, 'test', '\\x00')""",
    """INSERT INTO account_risk_months (account_id, month, model_id, risk, band, revenue_365)
       SELECT a.id, m.month, (SELECT max(id) FROM churn_models), 0.5,
              CASE WHEN a.id % 2 = 0 THEN 'high' ELSE 'low' END, 1234.56 + a.id
       FROM accounts a CROSS JOIN (VALUES (DATE '2026-01-01'), (DATE '2026-02-01')) m(month)""",
    """INSERT INTO interactions (source, external_id, account_id, occurred_at, channel)
       SELECT 'test', a.id || '-' || m.n, a.id,
              TIMESTAMPTZ '2025-11-15 12:00+00' + m.n * INTERVAL '1 month',
              CASE WHEN m.n = 1 THEN 'visit' ELSE 'call' END
       FROM accounts a CROSS JOIN generate_series(0, 2) m(n)""",
]


def test_the_cube_built_on_dask_equals_the_local_cube_cell_for_cell(world, dask_client):
    with world.begin() as conn:
        for statement in SCORES_AND_CONTACTS:
            conn.execute(text(statement))
    local = cube.build(engine=world, run_on="local")
    expected = _cube(world)
    assert all(expected[t] for t in ("cube_sales", "cube_service", "cube_risk", "cube_cost",
                                     "account_margins", "cube_customers"))
    assert any(row[8] > 0 for row in expected["cube_cost"])  # contact_cost
    assert any(row[5] > 0 for row in expected["cube_risk"])  # high_risk_customers

    with get_task_stream(client=dask_client) as stream:
        on_dask = cube.build(engine=world, run_on="dask", client=dask_client)

    assert _cube(world) == expected
    assert on_dask.cells == local.cells
    # The workers computed the monthly cells.
    assert sum(str(t["key"]).startswith("cells_of_months") for t in stream.data) >= 2


def test_a_worker_killed_mid_build_names_the_step_and_leaves_the_cube_as_it_was(world):
    cube.build(engine=world, run_on="local")
    before = _cube(world)
    last = cube.last_build(engine=world)
    died = "building the cube's monthly cells on Dask: a Dask worker died while running it"
    with dying_for_good("cells_of_months") as client, pytest.raises(EngineUnavailable, match=died):
        cube.build(engine=world, run_on="dask", client=client)
    assert _cube(world) == before
    assert cube.last_build(engine=world) == last


def test_a_worker_killed_once_is_retried_by_default_and_the_cube_is_the_local_one(
        world, dask_client, tmp_path):
    cube.build(engine=world, run_on="local")
    expected = _cube(world)
    with world.begin() as conn:  # the stored cube must be rebuilt, not left as it was
        conn.execute(text("DELETE FROM cube_sales"))
    flag = tmp_path / "killed"
    dask_client.register_plugin(KillOnTask("cells_of_months", once_flag=str(flag)), name="die-once")
    try:
        cube.build(engine=world, run_on="dask", client=dask_client)
    finally:
        dask_client.unregister_worker_plugin("die-once")
    assert flag.exists()                                # a worker did die mid-build
    assert _cube(world) == expected


def test_a_scheduler_that_does_not_answer_is_refused_before_anything_changes(world,
                                                                             monkeypatch):
    cube.build(engine=world, run_on="local")
    before = _cube(world)
    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("GCRM_DASK_SCHEDULER", f"tcp://127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        with pytest.raises(EngineUnavailable, match=f"tcp://127.0.0.1:{port}: no Dask "
                           "scheduler answered within 5 s"):
            cube.build(engine=world)
    finally:
        get_settings.cache_clear()
    assert _cube(world) == before
