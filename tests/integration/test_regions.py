"""Regions from real US boundaries: hierarchy, assignment on shared edges and in the sea."""

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import text

from gcrm import regions
from gcrm.ingest.load import load_file

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "us"
STATES, COUNTIES = SHARED / "us-states.json", SHARED / "geojson-counties-fips.json"


@pytest.fixture
def us(db):
    if not COUNTIES.exists():
        pytest.skip("../shared/data not present: these tests use real US boundaries")
    regions.load_regions(STATES, level="state", code_field="id", name_field="name", engine=db)
    return db


def test_counties_by_parent_field_sit_under_their_state(us):
    result = regions.load_regions(COUNTIES, level="county", code_field="id", name_field="NAME",
                                  parent_level="state", parent_field="STATE", engine=us)
    assert result.loaded == 3221 and result.rejected == []
    assert regions.ancestors("06037", engine=us)[["level", "code", "name"]].values.tolist() == [
        ["state", "06", "California"]]
    with us.connect() as conn:
        wrong = conn.execute(text(
            "SELECT count(*) FROM regions c JOIN regions p ON p.id = c.parent_id "
            "WHERE c.level = 'county' AND p.code <> left(c.code, 2)")).scalar_one()
    assert wrong == 0
    assert len(regions.children("06", engine=us)) == 58  # California's counties


def test_counties_without_a_parent_field_find_their_state_spatially(us):
    result = regions.load_regions(COUNTIES, level="county", code_field="id", name_field="NAME",
                                  parent_level="state", engine=us)
    assert result.parents_found == "spatial"
    with us.connect() as conn:
        parents = dict(conn.execute(text(
            "SELECT c.code, p.code FROM regions c JOIN regions p ON p.id = c.parent_id "
            "WHERE c.level = 'county'")).all())
    assert len(parents) == 3221  # every county has a parent, islands included
    assert parents["06037"] == "06" and parents["42003"] == "42"
    assert parents["25019"] == "25"  # Nantucket, an island off the coarse outline
    right = sum(parent == child[:2] for child, parent in parents.items())
    assert right / len(parents) > 0.998  # the low-resolution state outlines misplace a few


def test_levels_and_frames(us):
    levels = regions.levels(engine=us)
    assert levels[["name", "regions"]].values.tolist() == [["state", 52]]
    states = regions.frame("state", engine=us)
    assert states.crs.to_epsg() == 4326 and len(states) == 52
    assert states.set_index("code").loc["42", "name"] == "Pennsylvania"


def test_points_on_a_shared_edge_are_counted_once_and_points_at_sea_are_reported(db, tmp_path):
    # Two squares sharing the edge lon = -79; a third point lies outside both.
    squares = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["West", "East"]},
                               geometry=[box(-80, 40, -79, 41), box(-79, 40, -78, 41)], crs=4326)
    regions.load_regions(squares, level="square", code_field="code", name_field="name",
                         engine=db)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name,lat,lon\nW,In west,40.5,-79.5\nE,On the edge,40.5,-79.0\n"
                        "S,At sea,38.0,-70.0\n")
    load_file("accounts", accounts, source="crm", engine=db)  # assigned as part of the load
    with db.connect() as conn:
        rows = dict(conn.execute(text(
            "SELECT a.external_id, r.code FROM region_assignments ra "
            "JOIN accounts a ON a.id = ra.entity_id LEFT JOIN regions r ON r.id = ra.region_id "
            "WHERE ra.level = 'square'")).all())
    assert rows == {"W": "A", "E": "A", "S": None}
    outside = regions.unassigned("square", engine=db)
    assert outside[["lon", "lat"]].values.tolist() == [[-70.0, 38.0]]

    # An account that moves is re-assigned on the next load; others are untouched.
    accounts.write_text(accounts.read_text().replace("40.5,-79.5", "40.5,-78.5"))
    load_file("accounts", accounts, source="crm", engine=db)
    with db.connect() as conn:
        moved = conn.execute(text(
            "SELECT r.code FROM region_assignments ra JOIN accounts a ON a.id = ra.entity_id "
            "JOIN regions r ON r.id = ra.region_id WHERE a.external_id = 'W'")).scalar_one()
    assert moved == "B"


def test_invalid_boundaries_are_repaired(db):
    bowtie = gpd.GeoSeries.from_wkt(["POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))"], crs=4326)
    frame = gpd.GeoDataFrame({"code": ["X"]}, geometry=bowtie)
    result = regions.load_regions(frame, level="odd", code_field="code", engine=db)
    assert result.loaded == 1
    with db.connect() as conn:
        valid, area = conn.execute(text(
            "SELECT ST_IsValid(geom), ST_Area(geom) FROM regions WHERE code = 'X'")).one()
    assert valid and area == pytest.approx(0.5)


def test_context_attributes_attach_to_regions(db, tmp_path):
    squares = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
                               crs=4326)
    regions.load_regions(squares, level="square", code_field="code", engine=db)
    context = tmp_path / "context.csv"
    context.write_text("code,foot_traffic,road_density,label\nA,120.5,3.2,x\nB,80,,y\nZ,1,1,z\n")
    result = regions.load_context(context, level="square", code_field="code", engine=db)
    assert result == {"matched": 2, "unknown_codes": ["Z"],
                      "attributes": ["foot_traffic", "road_density"]}
    frame = regions.frame("square", engine=db).set_index("code")
    assert frame.loc["A", "context"] == {"foot_traffic": 120.5, "road_density": 3.2}
    assert frame.loc["B", "context"] == {"foot_traffic": 80.0}


def test_h3_grid_hierarchy_over_the_data(db, tmp_path):
    from gcrm.regions.grid import build_grid

    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name,lat,lon\nA,a,40.44,-79.99\nB,b,40.45,-79.98\nC,c,39.95,-75.16\n")
    load_file("accounts", accounts, engine=db)
    counts = build_grid([5, 7], engine=db)
    assert counts == {"h3_5": 2, "h3_7": 3}
    with db.connect() as conn:
        orphans = conn.execute(text(
            "SELECT count(*) FROM regions WHERE level = 'h3_7' AND parent_id IS NULL")
        ).scalar_one()
        assigned = conn.execute(text(
            "SELECT count(*) FROM region_assignments WHERE level = 'h3_7' "
            "AND region_id IS NOT NULL")).scalar_one()
    assert orphans == 0
    assert assigned == 0  # grid built after the load: assignment is a separate step
    assert regions.assign(engine=db)["h3_7"] == {"assigned": 3, "outside": 0}


def test_a_first_big_pass_builds_the_indexes_after_and_writes_the_same_rows(db, tmp_path,
                                                                              monkeypatch):
    """Into an empty region_assignments a big pass drops its two indexes, writes and builds
    them again (gcrm.ingest.bulk); the rows are those of the row-by-row write, the edge
    rule included, and the keys hold after."""
    from gcrm.ingest import bulk

    squares = gpd.GeoDataFrame({"code": ["B", "A"]},
                               geometry=[box(-79, 40, -78, 41), box(-80, 40, -79, 41)], crs=4326)
    regions.load_regions(squares, level="square", code_field="code", engine=db)
    rows = ["id,name,lat,lon"] + [f"P{i},Someone,{40 + (i % 97) / 97:.4f},{-80.5 + (i % 50) / 20}"
                                  for i in range(600)]
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("\n".join(rows) + "\n")
    load_file("accounts", accounts, source="crm", engine=db)
    query = ("SELECT a.external_id, r.code FROM region_assignments ra "
             "JOIN accounts a ON a.id = ra.entity_id LEFT JOIN regions r ON r.id = ra.region_id "
             "WHERE ra.level = 'square' ORDER BY 1")
    with db.connect() as conn:
        row_by_row = conn.execute(text(query)).all()
    with db.begin() as conn:
        conn.execute(text("DELETE FROM region_assignments"))
    monkeypatch.setattr(bulk, "BULK_ROWS", 100)
    regions.assign(["account"], incremental=False, engine=db)
    with db.connect() as conn:
        in_bulk = conn.execute(text(query)).all()
        indexes = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'region_assignments'")).scalars())
    assert in_bulk == row_by_row and len(in_bulk) == 600
    assert ("P30", "A") in in_bulk and ("P0", None) in in_bulk  # on the edge; outside
    assert {"pk_region_assignments", "ix_region_assignments_region"} <= indexes
