"""Point-to-region assignment on Dask (issue 22): the same rows as PostGIS's, a clear error
for a scheduler that does not answer, and nothing stored lost when a worker dies."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from distributed import get_task_stream
from dying_workers import dying_for_good, dying_once
from sqlalchemy import text
from typer.testing import CliRunner

from gcrm import regions
from gcrm.cli import app
from gcrm.config import get_settings
from gcrm.engines import dask_client as connect_dask
from gcrm.errors import EngineUnavailable
from gcrm.ingest.load import load_file

# On the world's shared edge of counties N1 | N2 (lon -79), on the corner shared by N1, N2
# and S1 (and states N and S), and in no region at all.
EDGE_CASES = """id,name,status,lat,lon
E1,Edgar Border,customer,41.5,-79.0
E2,Cora Corner,customer,41.0,-79.0
E3,Otto Outside,customer,10.0,10.0
"""

ASSIGNED = """
SELECT a.external_id AS account, ra.level, r.code
FROM region_assignments ra JOIN accounts a ON ra.entity = 'account' AND a.id = ra.entity_id
LEFT JOIN regions r ON r.id = ra.region_id
ORDER BY ra.entity, ra.entity_id, ra.level
"""


def _rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(ASSIGNED))]


@pytest.fixture
def edge_world(world, tmp_path):
    path = tmp_path / "edge.csv"
    path.write_text(EDGE_CASES)
    load_file("accounts", path, source="crm", engine=world)
    return world


def test_dask_assigns_every_account_to_the_same_region_as_postgis(edge_world, dask_client):
    local = regions.assign(incremental=False, engine=edge_world, run_on="local")
    expected = _rows(edge_world)

    on_dask = regions.assign(incremental=False, engine=edge_world, run_on="dask",
                             client=dask_client)

    assert _rows(edge_world) == expected
    assert on_dask == local
    codes = {(account, level): code for account, level, code in expected}
    assert codes["E1", "county"] == "N1" and codes["E1", "state"] == "N"
    assert codes["E2", "county"] == "N1" and codes["E2", "state"] == "N"
    assert codes["E3", "county"] is None and codes["E3", "state"] is None
    assert on_dask["county"] == {"assigned": 6, "outside": 1}

    # Incremental: only the account that moved (A1, north-west to south) is redone.
    with edge_world.begin() as conn:
        conn.execute(text("UPDATE accounts SET geom = ST_SetSRID(ST_MakePoint(-78.5, 40.5), "
                          "4326), updated_at = now() WHERE external_id = 'A1'"))
    moved = regions.assign(engine=edge_world, run_on="dask", client=dask_client)
    assert moved["county"] == {"assigned": 1, "outside": 0}
    after = {(account, level): code for account, level, code in _rows(edge_world)}
    assert after == {**codes, ("A1", "county"): "S1", ("A1", "state"): "S"}


def test_gcrm_regions_assign_runs_on_the_scheduler_gcrm_dask_scheduler_names(
        world, use_database, dask_client, monkeypatch):
    regions.assign(incremental=False, engine=world, run_on="local")
    expected = _rows(world)
    monkeypatch.setenv("GCRM_DASK_SCHEDULER", dask_client.scheduler.address)
    get_settings.cache_clear()
    try:
        with get_task_stream(client=dask_client) as stream:
            result = CliRunner().invoke(app, ["regions", "assign", "--full"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "county" in result.output and "outside every region" in result.output
    assert _rows(world) == expected
    # The scheduler ran the assignment (one partition per level, state and county).
    assert sum(str(t["key"]).startswith("region_of_points") for t in stream.data) == 2


def test_a_scheduler_that_does_not_answer_is_a_clear_error(world, monkeypatch):
    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = _rows(world)
    monkeypatch.setenv("GCRM_DASK_SCHEDULER", f"tcp://127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        with pytest.raises(EngineUnavailable, match=f"GCRM_DASK_SCHEDULER=tcp://127.0.0.1:{port}:"
                           " no Dask scheduler answered within 5 s; start one"):
            regions.assign(incremental=False, engine=world)
    finally:
        get_settings.cache_clear()
    assert _rows(world) == before
    with pytest.raises(EngineUnavailable, match="not a scheduler address; write it as tcp://"):
        connect_dask("localhost:8786")

    async def in_a_notebook():  # an event loop already runs in this thread
        connect_dask(f"tcp://127.0.0.1:{port}", timeout=1)

    with ThreadPoolExecutor(1) as pool, pytest.raises(
            EngineUnavailable, match="no Dask scheduler answered within 1 s"):
        pool.submit(asyncio.run, in_a_notebook()).result()


def test_a_worker_killed_mid_assignment_stores_nothing_and_names_the_step(world):
    before = _rows(world)
    assert before
    died = "assigning accounts to .* regions on Dask: a Dask worker died while running it"
    with dying_for_good("region_of_points") as client, pytest.raises(EngineUnavailable, match=died):
        regions.assign(incremental=False, engine=world, run_on="dask", client=client)
    assert _rows(world) == before


def test_the_only_worker_killed_once_is_restarted_and_the_rows_are_postgis_s(
        edge_world, tmp_path):
    """The worker held the only copy of the region parts when it died: Dask makes them
    again (gcrm.engines.to_every_worker) and retries the points, by default."""
    regions.assign(incremental=False, engine=edge_world, run_on="local")
    expected = _rows(edge_world)
    with edge_world.begin() as conn:
        conn.execute(text("DELETE FROM region_assignments WHERE entity = 'account'"))
    flag = tmp_path / "killed"
    with dying_once("region_of_points", str(flag)) as client:
        regions.assign(incremental=False, engine=edge_world, run_on="dask", client=client)
    assert flag.exists()                                # the worker did die mid-assignment
    assert _rows(edge_world) == expected
