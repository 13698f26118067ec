"""`gcrm cube export`: every format opens in the tools analysts use, with the region
geometry in the geo formats and the metadata always beside it."""

import json

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from gcrm import cube
from gcrm.cli import app
from gcrm.cube.export import export


@pytest.fixture
def built(world):
    cube.build(engine=world)
    return world


@pytest.mark.parametrize("fmt", ["csv", "parquet", "geoparquet", "gpkg", "xlsx"])
def test_every_format_holds_the_slice_and_its_metadata(built, tmp_path, fmt):
    suffix = {"geoparquet": "parquet"}.get(fmt, fmt)
    path = tmp_path / f"slice.{suffix}"
    result = export(path, ["revenue", "orders"], level="county", fmt=fmt, engine=built)
    assert result.rows == 3
    if fmt == "csv":
        frame = pd.read_csv(path)
    elif fmt == "parquet":
        frame = pd.read_parquet(path)
    elif fmt == "xlsx":
        frame = pd.read_excel(path, sheet_name="cube")
        meta = pd.read_excel(path, sheet_name="metadata").set_index("item")["value"]
        assert "Sum of order amounts" in meta["measure revenue"]
        assert json.loads(meta["filters"])["level"] == "county"
    else:
        frame = gpd.read_file(path) if fmt == "gpkg" else gpd.read_parquet(path)
        assert frame.crs.to_epsg() == 4326
        assert frame.geometry.notna().all() and not frame.geometry.is_empty.any()
    assert dict(zip(frame["code"], frame["revenue"], strict=True)) == {
        "N1": 150.0, "N2": 200.0, "S1": 1200.0}
    if fmt != "xlsx":
        meta = json.loads(result.metadata_path.read_text())
        assert meta["measures"]["orders"]["formula"] == "orders"
        assert meta["build"]["source_rows"] == {"accounts": 4, "sales": 5,
                                                "service_cases": 3}
        assert meta["rows"] == 3


def test_min_count_marks_cells_built_from_few_people(built, tmp_path):
    result = export(tmp_path / "small.csv", ["revenue"], level="county", min_count=2,
                    engine=built)
    frame = pd.read_csv(tmp_path / "small.csv")
    # N1 and N2 have one buyer each; S1 two.
    assert frame.set_index("code")["suppressed"].to_dict() == {"N1": True, "N2": True,
                                                               "S1": False}
    assert frame["revenue"].isna().sum() == 2 and result.suppressed == 2
    assert "fewer than 2 people" in json.loads(result.metadata_path.read_text())["suppression"]


def test_the_command_line_exports_and_says_where(built, use_database, tmp_path):
    out = tmp_path / "by_year.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["cube", "export", "--level", "county", "--by", "year",
                                 "--measures", "revenue,customers", "--where", "state=N",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "written to" in result.output
    frame = pd.read_csv(out)
    assert set(frame["code"]) == {"N1", "N2"} and frame["revenue"].sum() == 350
    bad = runner.invoke(app, ["cube", "export", "--level", "county", "--measures", "profit",
                              "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "Unknown measure profit" in bad.output
