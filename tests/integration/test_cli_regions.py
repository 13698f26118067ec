"""`gcrm regions`, `gcrm context` and `gcrm demo --if-empty` as a person runs them."""

import json

from sqlalchemy import text
from typer.testing import CliRunner

from gcrm.cli import app

runner = CliRunner()
SQUARES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "W", "properties": {"name": "West", "pop": 1200},
     "geometry": {"type": "Polygon", "coordinates": [[[-80, 40], [-79, 40], [-79, 41],
                                                      [-80, 41], [-80, 40]]]}},
    {"type": "Feature", "id": "E", "properties": {"name": "East", "pop": 800},
     "geometry": {"type": "Polygon", "coordinates": [[[-79, 40], [-78, 40], [-78, 41],
                                                      [-79, 41], [-79, 40]]]}},
]}


def test_regions_load_list_and_context(use_database, db, tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name,lat,lon\nA,a,40.5,-79.5\nB,b,10,10\n")
    runner.invoke(app, ["load", "accounts", str(accounts)])
    boundaries = tmp_path / "squares.geojson"
    boundaries.write_text(json.dumps(SQUARES))
    loaded = runner.invoke(app, ["regions", "load", str(boundaries), "--level", "square",
                                 "--code-field", "id", "--name-field", "name",
                                 "--population-field", "pop"])
    assert loaded.exit_code == 0, loaded.output
    assert "2 square regions loaded" in loaded.output
    assert "square" in loaded.output and "1" in loaded.output  # one account outside

    listed = runner.invoke(app, ["regions", "list"])
    assert "square" in listed.output and "squares.geojson" in listed.output

    context = tmp_path / "ctx.csv"
    context.write_text("code,road_density\nW,4.5\nE,2.0\nQ,1\n")
    attached = runner.invoke(app, ["context", "load", str(context), "--level", "square",
                                   "--code-field", "code"])
    assert attached.exit_code == 0, attached.output
    assert "road_density attached to 2 square regions" in attached.output
    assert "1 codes are not square regions: Q" in attached.output
    with db.connect() as conn:
        population = conn.execute(text(
            "SELECT population FROM regions WHERE code = 'W'")).scalar_one()
    assert population == 1200


def test_regions_load_with_a_missing_column_says_which(use_database, db, tmp_path):
    boundaries = tmp_path / "squares.geojson"
    boundaries.write_text(json.dumps(SQUARES))
    result = runner.invoke(app, ["regions", "load", str(boundaries), "--level", "square",
                                 "--code-field", "GEOID"])
    assert result.exit_code == 1
    assert "No column 'GEOID'" in result.output and "Traceback" not in result.output


def test_demo_if_empty_leaves_existing_data_alone(use_database, db, tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name\nA,mine\n")
    runner.invoke(app, ["load", "accounts", str(accounts), "--no-geocode"])
    result = runner.invoke(app, ["demo", "--if-empty", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "already loaded" in result.output
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 1
