"""The regional report on the Delaware demo world, whose base map (streets and towns built
from the geocoding reference) is drawn under the choropleth: the towns are named on the
page, and the figures are the cube's as the manager who asked."""

import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import create_engine

from gcrm import basemap, cube, report
from gcrm.access import users
from gcrm.demo import build_demo

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


def test_a_demo_state_report_draws_its_towns_and_the_cubes_figures(db, tmp_path):
    build_demo(tmp_path / "demo", seed=4, accounts=800, states=("DE",), engine=db)
    users.add_user("dora", "manager", password="manager password", regions=["state:DE"],
                   engine=db)
    dora = users.get_user("dora", engine=db)
    as_dora = create_engine(db.url, connect_args={"options": f"-c role={dora.pg_role}"})
    try:
        data = report.pdf_bytes(["state:DE"], period="2026-Q2", user="dora", engine=as_dora)
        # The same page as an image, kept under test-artifacts/ for people to look at.
        (image,) = report.png_bytes(["state:DE"], period="2026-Q2", user="dora",
                                    engine=as_dora)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "report-demo-state.png").write_bytes(image)
        seen = cube.query(["revenue", "customers"], level="state", where={"state": "DE"},
                          period="2026-Q2", engine=as_dora).iloc[0]
    finally:
        as_dora.dispose()
    (page,) = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert f"Revenue\n${seen['revenue']:,.0f}\n" in page
    assert f"Customers\n{int(seen['customers']):,}\n" in page
    counties = sorted(cube.query(["revenue"], level="county", where={"state": "DE"},
                                 period="2026-Q2", engine=db)["name"])
    assert all(name in page for name in counties)  # top and bottom of the three
    towns = basemap.features((-76, 38.4, -75, 39.9), layers=["places"], engine=db)
    towns = set(towns.loc[towns["kind"].isin(["city", "town"]), "name"])
    assert towns and any(f"\n{town}\n" in f"\n{page}\n" for town in towns)
