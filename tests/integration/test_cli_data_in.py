"""The data-in commands as a person runs them: a summary table, a rejects file, no traceback."""

import pandas as pd
from sqlalchemy import text
from typer.testing import CliRunner

from gcrm.cli import app

runner = CliRunner()


def test_gcrm_load_prints_a_summary_and_writes_the_rejects_file(use_database, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("id,name,lat,lon\nA1,Ann,40.4,-79.9\nA2,Bob,140.5,-79.8\nA3,Cy,40.6,-79.7\n")
    result = runner.invoke(app, ["load", "accounts", str(path), "--source", "crm"])
    assert result.exit_code == 0, result.output
    assert "inserted" in result.output and "rejected" in result.output
    assert "line 3: latitude 140.5 is outside -90..90" in result.output
    rejects = pd.read_csv(tmp_path / "customers.csv.rejects.csv")
    assert rejects[["line", "reason", "name"]].values.tolist() == [
        [3, "latitude 140.5 is outside -90..90", "Bob"]]
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 2


def test_gcrm_load_with_a_wrong_map_explains_itself(use_database, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("Kundennummer,name\nA1,Ann\n")
    result = runner.invoke(app, ["load", "accounts", str(path), "--map", "Kunde=external_id"])
    assert result.exit_code == 1
    assert "the file has no column 'Kunde'" in result.output
    assert "Traceback" not in result.output


def test_reference_load_then_geocode_places_the_accounts(use_database, db, tmp_path):
    zips = tmp_path / "zips.csv"
    zips.write_text("zip,lat,lon,city,state\n15213,40.4433,-79.9553,Pittsburgh,PA\n")
    out = runner.invoke(app, ["reference", "load", "postcodes", str(zips)])
    assert out.exit_code == 0, out.output
    assert "1 postcodes loaded" in out.output

    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name,address,zip\nA1,Ann,1 Some St,15213\n")
    assert runner.invoke(app, ["load", "accounts", str(accounts), "--no-geocode"]).exit_code == 0
    with db.connect() as conn:
        assert conn.execute(text("SELECT geom FROM accounts")).scalar_one() is None

    geocoded = runner.invoke(app, ["geocode"])
    assert geocoded.exit_code == 0, geocoded.output
    assert "postcode" in geocoded.output
    with db.connect() as conn:
        lat = conn.execute(text("SELECT ST_Y(geom) FROM accounts")).scalar_one()
    assert abs(lat - 40.4433) < 1e-9
