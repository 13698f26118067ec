"""The cube built from the lake (``gcrm cube build --lake``, issue 22): sales and service
cases read from the lake's Parquet files, on this machine or by the Dask workers
themselves; the same cells as a build from PostGIS, and a lake that does not match refused
by file before anything changes."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from distributed import get_task_stream
from sqlalchemy import text
from typer.testing import CliRunner

from gcrm import cube, lake
from gcrm.cli import app
from gcrm.cube.build import COLUMNS
from gcrm.errors import InvalidInput
from gcrm.lake import LakeError


def _cube(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {table: [tuple(row) for row in conn.execute(text(
                    f"SELECT {columns} FROM {table} ORDER BY {columns}"))]
                for table, columns in COLUMNS.items()}


def _revenue(engine) -> float:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT sum(revenue) FROM cube_sales WHERE level = 'state' AND dim = '*'")
        ).scalar_one()


@pytest.fixture
def written(world, tmp_path):
    """The world's cube built from PostGIS, its lake written; then a sale changed in
    PostGIS only, so a build that reads PostGIS's sales would differ from the lake's."""
    cube.build(engine=world, run_on="local")
    expected = _cube(world)
    lake.write(tmp_path, engine=world)
    with world.begin() as conn:
        conn.execute(text("UPDATE sales SET amount = amount + 1000 WHERE external_id = 'S1'"))
    return world, tmp_path, expected


def test_built_from_the_lake_here_and_on_dask_the_cells_are_postgis_s(written, dask_client):
    world, folder, expected = written
    here = cube.build(engine=world, run_on="local", lake=folder)
    assert _cube(world) == expected                     # the lake's sales, not PostGIS's
    assert _revenue(world) == 1550
    assert here.source_rows["sales"] == 5 and here.source_rows["service_cases"] == 3
    assert here.note is None

    with get_task_stream(client=dask_client) as stream:
        on_dask = cube.build(engine=world, run_on="dask", client=dask_client, lake=folder)
    assert _cube(world) == expected and on_dask.cells == here.cells
    assert sum(str(t["key"]).startswith("cells_of_months") for t in stream.data) >= 2

    cube.build(engine=world, run_on="local")            # and from PostGIS: the change shows
    assert _revenue(world) == 2550


def test_a_partition_with_the_wrong_schema_is_refused_by_file_and_the_cube_kept(written):
    world, folder, expected = written
    march = next((folder / "sales" / "month=2026-03").glob("*.parquet"))
    table = pq.read_table(march)
    pq.write_table(table.set_column(table.schema.get_field_index("amount"), "amount",
                                    pc.cast(table["amount"], "float64")), march)
    with pytest.raises(LakeError, match=r"sales/month=2026-03/.*amount is double"):
        cube.build(engine=world, run_on="local", lake=folder)
    assert _cube(world) == expected

    result = CliRunner().invoke(app, ["cube", "build", "--lake", str(folder)],
                                env={"GCRM_DATABASE_URL": world.url.render_as_string(False)})
    assert result.exit_code != 0 and "amount is double" in result.output
    assert _cube(world) == expected


def test_an_incremental_build_from_a_lake_is_refused(written):
    world, folder, expected = written
    with pytest.raises(InvalidInput, match="Build in full from the lake"):
        cube.build(engine=world, incremental=True, lake=folder)
    assert _cube(world) == expected


def test_lake_facts_of_an_account_the_database_lacks_are_counted_in_the_note(written):
    world, folder, _ = written
    with world.begin() as conn:
        conn.execute(text("DELETE FROM accounts WHERE external_id = 'A4'"))
    result = cube.build(engine=world, run_on="local", lake=folder)
    assert result.note.startswith("1 sales and 1 service cases in the lake name an account "
                                  "this database does not hold")


def test_on_dask_a_row_outside_its_folder_s_month_is_refused_by_file(written, dask_client):
    world, folder, expected = written
    january = next((folder / "sales" / "month=2026-01").glob("*.parquet"))
    table = pq.read_table(january)
    dates = table["order_date"].to_pylist()
    dates[0] = dates[0].replace(month=2)                # a February sale in January's folder
    pq.write_table(table.set_column(table.schema.get_field_index("order_date"), "order_date",
                                    pa.array(dates, table["order_date"].type)),
                   january)
    with pytest.raises(LakeError, match=r"month=2026-01/.*holds sales of 2026-02"):
        cube.build(engine=world, run_on="dask", client=dask_client, lake=folder)
    assert _cube(world) == expected
