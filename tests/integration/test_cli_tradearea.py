"""`gcrm tradearea`, `gcrm roads` and `gcrm campaign` as a marketer's operator runs them on
the Delaware demo world: the figures print, refusals say why, a campaign's responses load
and its response rate shows by county."""

import json

from sqlalchemy import text
from typer.testing import CliRunner

from gcrm import tradeareas
from gcrm.cli import app
from gcrm.demo import build_demo

runner = CliRunner()


def test_trade_areas_targets_and_a_campaign_from_the_command_line(use_database, db,
                                                                  tmp_path):
    build_demo(tmp_path / "demo", seed=4, accounts=800, states=("DE",), engine=db)
    built = runner.invoke(app, ["tradearea", "build", "--method", "ring", "--radii", "4",
                                "--name", "rings"])
    assert built.exit_code == 0, built.output
    sites = db.connect().execute(text("SELECT count(*) FROM sites")).scalar_one()
    assert f"Stored {sites} trade areas as 'rings'" in built.output
    again = runner.invoke(app, ["tradearea", "build", "--method", "ring", "--name", "rings"])
    assert again.exit_code != 0 and "exist" in again.output and "--replace" in again.output
    drive = runner.invoke(app, ["tradearea", "build", "--method", "drivetime",
                                "--name", "drive"])
    assert drive.exit_code != 0 and "gcrm roads load" in drive.output
    gravity = runner.invoke(app, ["tradearea", "build", "--method", "huff", "--calibrate",
                                  "--name", "gravity"])
    assert gravity.exit_code == 0, gravity.output
    assert "Distance decay calibrated" in gravity.output
    shown = runner.invoke(app, ["tradearea", "list"])
    assert "rings" in shown.output and "gravity" in shown.output
    white = runner.invoke(app, ["tradearea", "whitespace", "--trade-areas", "rings",
                                "--top", "5"])
    top = tradeareas.penetration(build="rings", engine=db).sort_values("gap").iloc[-1]
    assert white.exit_code == 0 and top["code"] in white.output

    roads = tmp_path / "lines.geojson"
    roads.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "no class"},
        "geometry": {"type": "LineString", "coordinates": [[-75.5, 39.1], [-75.4, 39.2]]}}]}))
    refused = runner.invoke(app, ["roads", "load", str(roads)])
    assert refused.exit_code != 0 and "no 'highway' column" in refused.output

    counted = runner.invoke(app, ["campaign", "targets", "--channel", "email",
                                  "--trade-areas", "rings"])
    assert counted.exit_code == 0 and "people may be reached by email" in counted.output
    n = int(counted.output.split()[0].replace(",", ""))
    out = tmp_path / "list.csv"
    written = runner.invoke(app, ["campaign", "targets", "--trade-areas", "rings",
                                  "--out", str(out)])
    assert f"Wrote {n:,} people" in written.output
    created = runner.invoke(app, ["campaign", "create", "autumn", "--trade-areas", "rings"])
    assert created.exit_code == 0 and f"{n:,} members" in created.output
    first = out.read_text().splitlines()[1].split(",")
    responses = tmp_path / "responses.csv"
    responses.write_text("source,external_id,responded_at,response\n"
                         f"{first[1]},{first[2]},2026-11-01,bought\n"
                         "demo,NOBODY,2026-11-01,bought\n")
    loaded = runner.invoke(app, ["campaign", "responses", str(responses), "--campaign",
                                 "autumn"])
    assert "1 responses recorded from 2 rows; 1 refused" in loaded.output
    assert "line 3" in loaded.output and "not a member" in loaded.output
    rates = runner.invoke(app, ["campaign", "rates", "autumn", "--by", "county"])
    assert rates.exit_code == 0 and "response_rate" in rates.output
