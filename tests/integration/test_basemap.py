"""The base map in PostGIS: OpenStreetMap roads (real, ../shared/data/roads) and a tiny
.osm extract loaded, cut into vector tiles that decode with the roads' names, drawn by
zoom, served over HTTP, read by every role; bad files refused with what to do; place
search finds a ZIP code and a town offline."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from gcrm import basemap
from gcrm.errors import InvalidInput
from gcrm.geocoding.reference import load_reference

ROADS = Path(__file__).resolve().parents[3] / "shared" / "data" / "roads"
LOS_ALTOS = ROADS / "los_altos_ca_osm_roads.geojson"

# A tiny OpenStreetMap extract (OSM XML): a street, a motorway, a town, a building, a lake.
OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="gcrm tests">
  <node id="1" lat="40.0000" lon="-75.0000" version="1"/>
  <node id="2" lat="40.0000" lon="-74.9900" version="1"/>
  <node id="3" lat="40.0100" lon="-75.0000" version="1"/>
  <node id="4" lat="40.0100" lon="-74.9900" version="1"/>
  <node id="10" lat="40.0050" lon="-74.9950" version="1">
    <tag k="place" v="town"/><tag k="name" v="Testville"/><tag k="population" v="12345"/>
  </node>
  <node id="20" lat="40.0020" lon="-74.9980" version="1"/>
  <node id="21" lat="40.0020" lon="-74.9975" version="1"/>
  <node id="22" lat="40.0024" lon="-74.9975" version="1"/>
  <node id="23" lat="40.0024" lon="-74.9980" version="1"/>
  <node id="30" lat="40.0060" lon="-74.9960" version="1"/>
  <node id="31" lat="40.0060" lon="-74.9940" version="1"/>
  <node id="32" lat="40.0075" lon="-74.9940" version="1"/>
  <node id="33" lat="40.0075" lon="-74.9960" version="1"/>
  <way id="100" version="1">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="name" v="Test Street"/>
  </way>
  <way id="101" version="1">
    <nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="motorway"/><tag k="name" v="Test Expressway"/>
  </way>
  <way id="102" version="1">
    <nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="20"/>
    <tag k="building" v="yes"/>
  </way>
  <way id="103" version="1">
    <nd ref="30"/><nd ref="31"/><nd ref="32"/><nd ref="33"/><nd ref="30"/>
    <tag k="natural" v="water"/><tag k="name" v="Test Lake"/>
  </way>
</osm>
"""


def _names(data: bytes, layer: str) -> set[str]:
    decoded = mapbox_vector_tile.decode(data)
    return {f["properties"].get("name") for f in decoded.get(layer, {}).get("features", [])}


def _tile_at(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    return basemap.tiles_covering((lon - 1e-6, lat - 1e-6, lon + 1e-6, lat + 1e-6), z)[0]


@pytest.fixture
def osm_file(tmp_path) -> Path:
    path = tmp_path / "testville.osm"
    path.write_text(OSM_XML)
    return path


def test_real_osm_roads_load_and_a_city_tile_holds_their_names(db):
    if not LOS_ALTOS.exists():
        pytest.skip("../shared/data/roads is not beside the project (real OSM roads)")
    summary = basemap.load(LOS_ALTOS, engine=db)
    assert summary.name == "los_altos_ca_osm_roads"
    assert summary.features == {"roads": 2624}
    listed = basemap.basemaps(engine=db)
    assert listed.loc[0, "attribution"] == "© OpenStreetMap contributors"  # osm ids: OSM data
    # Downtown Los Altos at city zoom: its streets by name.
    z, x, y = _tile_at(-122.1141, 37.3795, 14)
    names = _names(basemap.tile(z, x, y, engine=db), "roads")
    streets = {f["properties"].get("name") for f in json.loads(LOS_ALTOS.read_text())["features"]}
    assert names and names <= streets | {None}
    assert {"Main Street", "State Street"} <= names
    # At zoom 9 only the major roads are drawn: no residential street.
    z, x, y = _tile_at(-122.1141, 37.3795, 9)
    kinds = {f["properties"]["kind"] for f in
             mapbox_vector_tile.decode(basemap.tile(z, x, y, engine=db))["roads"]["features"]}
    assert "residential" not in kinds and kinds & {"motorway", "trunk", "primary"}
    # At street zoom each street is named once a tile, however many ways it is cut into.
    z, x, y = _tile_at(-122.1141, 37.3795, 16)
    labels = [f["properties"]["name"] for f in
              mapbox_vector_tile.decode(basemap.tile(z, x, y, engine=db))["road_names"]
              ["features"]]
    assert "Main Street" in labels and len(labels) == len(set(labels))
    # The same roads for a report: features in a box, by layer.
    frame = basemap.features((-122.12, 37.37, -122.10, 37.39), layers=["roads"], engine=db)
    assert list(frame.columns) == ["layer", "kind", "name", "geometry"]
    assert "Main Street" in set(frame["name"]) and frame.crs.to_epsg() == 4326


def test_an_osm_extract_fills_every_layer_and_a_reload_replaces_it(db, osm_file):
    summary = basemap.load(osm_file, name="test", engine=db)
    assert summary.features == {"roads": 2, "places": 1, "buildings": 1, "water": 1}
    z, x, y = _tile_at(-74.995, 40.005, 14)
    data = basemap.tile(z, x, y, engine=db)
    assert _names(data, "roads") == {"Test Street", "Test Expressway"}
    assert _names(data, "places") == {"Testville"}
    assert _names(data, "water") == {"Test Lake"}
    assert "buildings" not in mapbox_vector_tile.decode(data)  # houses from street zoom on
    z, x, y = _tile_at(-74.99775, 40.0022, 15)
    assert len(mapbox_vector_tile.decode(basemap.tile(z, x, y, engine=db))["buildings"]
               ["features"]) == 1
    # At zoom 7 the motorway and the town (12,345 people) show, the street does not.
    z, x, y = _tile_at(-74.995, 40.005, 7)
    assert _names(basemap.tile(z, x, y, engine=db), "roads") == {"Test Expressway"}
    # Loading the same name again replaces it (no duplicates), and the tiles follow.
    basemap.load(osm_file, name="test", engine=db)
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM basemap_features")).scalar_one() == 5
    z, x, y = _tile_at(-74.995, 40.005, 14)
    assert len(mapbox_vector_tile.decode(basemap.tile(z, x, y, engine=db))["roads"]
               ["features"]) == 2


def test_bad_files_are_refused_and_the_loaded_base_map_stays(db, osm_file, tmp_path):
    basemap.load(osm_file, name="test", engine=db)
    with pytest.raises(InvalidInput, match="No file"):
        basemap.load(tmp_path / "missing.osm.pbf", name="test", engine=db)
    notes = tmp_path / "notes.geojson"
    notes.write_text("this is not GeoJSON")
    with pytest.raises(InvalidInput, match="Cannot read notes.geojson"):
        basemap.load(notes, name="test", engine=db)
    shops = tmp_path / "shops.geojson"
    shops.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"shop": "bakery"},
         "geometry": {"type": "Point", "coordinates": [-75, 40]}}]}))
    with pytest.raises(InvalidInput, match="cannot tell which base map layer"):
        basemap.load(shops, name="test", engine=db)
    wrong = tmp_path / "layers.geojson"
    wrong.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"layer": "rivers", "name": "Big"},
         "geometry": {"type": "LineString", "coordinates": [[-75, 40], [-74.9, 40]]}}]}))
    with pytest.raises(InvalidInput, match="'rivers'.*one of roads, places, water, buildings"):
        basemap.load(wrong, name="test", engine=db)
    points = tmp_path / "roads.geojson"  # roads given as points: nothing drawable
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Nowhere Road"},
         "geometry": {"type": "Point", "coordinates": [-75, 40]}}]}))
    with pytest.raises(InvalidInput, match="1 roads given as a point .must be a line."):
        basemap.load(points, name="test", engine=db)
    # Nothing of the refused files was stored: the earlier base map is whole.
    assert basemap.basemaps(engine=db)["features"].tolist() == [
        {"roads": 2, "places": 1, "buildings": 1, "water": 1}]


def test_rows_that_cannot_be_drawn_are_left_out_and_counted(db, tmp_path):
    mixed = tmp_path / "mixed.geojson"
    mixed.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"layer": "roads", "kind": "primary", "name": "A"},
         "geometry": {"type": "LineString", "coordinates": [[-75, 40], [-74.9, 40]]}},
        {"type": "Feature", "properties": {"layer": "roads", "name": "B"},
         "geometry": {"type": "Point", "coordinates": [-75, 40]}},
        {"type": "Feature", "properties": {"layer": "places", "kind": "town"},
         "geometry": {"type": "Point", "coordinates": [-75, 40]}},
        {"type": "Feature", "properties": {"layer": "water", "name": "Pond"},
         "geometry": None}]}))
    summary = basemap.load(mixed, engine=db)
    assert summary.features == {"roads": 1}
    assert summary.rejected == {"roads given as a point (must be a line)": 1,
                                "places without a name": 1, "water without a geometry": 1}


def test_tiles_are_served_over_http_with_cors_and_readable_by_every_role(
        people, as_user, osm_file):
    from gcrm.basemap.serve import start

    basemap.load(osm_file, name="test", engine=people)
    z, x, y = _tile_at(-74.995, 40.005, 14)
    for user in ("sam", "mia"):  # a manager of one county, a marketer: the same base map
        assert _names(basemap.tile(z, x, y, engine=as_user(user)), "places") == {"Testville"}
    server = start(0, engine=as_user("sam"))
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(f"{url}/tiles/{z}/{x}/{y}.pbf") as response:
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert "max-age" in response.headers["Cache-Control"]
            assert _names(response.read(), "roads") == {"Test Street", "Test Expressway"}
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/tiles/3/9/1.pbf")  # no tile x=9 at zoom 3
        assert refused.value.code == 400
        assert b"does not exist at zoom 3" in refused.value.read()
    finally:
        server.shutdown()
        server.server_close()


def test_place_search_finds_a_zip_code_a_town_and_a_region(world, as_user, tmp_path):
    postcodes = tmp_path / "postcodes.csv"
    postcodes.write_text("code,city,region,population,lat,lon\n"
                         "11111,Northtown,NN,5000,41.5,-79.5\n"
                         "22221,Southville,SS,9000,40.5,-79.0\n")
    places = tmp_path / "places.csv"
    places.write_text("name,region,population,lat,lon\nNorthtown,NN,5000,41.5,-79.5\n"
                      "Southville,SS,9000,40.5,-79.0\n")
    load_reference("postcodes", postcodes, engine=world)
    load_reference("places", places, engine=world)
    engine = as_user("ana")  # an analyst: the search runs as the signed-in user
    found = basemap.places.search("22221", limit=5, engine=engine)
    assert found.loc[0, ["name", "kind", "code"]].tolist() == ["22221 Southville", "postcode",
                                                               "22221"]
    assert found.loc[0, "west"] < -79.0 < found.loc[0, "east"]
    town = basemap.places.search("southv", limit=5, engine=engine).iloc[0]
    assert (town["name"], town["kind"]) == ("Southville, SS", "place")
    assert (round(town["lat"], 3), round(town["lon"], 3)) == (40.5, -79.0)
    county = basemap.places.search("North-East", limit=5, engine=engine).iloc[0]
    assert (county["kind"], county["code"]) == ("county", "N2")
    assert (county["west"], county["east"]) == (-79, -78)
    assert basemap.places.search("Atlantis", limit=5, engine=engine).empty
    with pytest.raises(InvalidInput, match="at least two characters"):
        basemap.places.search("N", limit=5, engine=engine)


def test_a_base_map_from_the_geocoding_reference_joins_each_streets_houses(db, tmp_path):
    """Streets from address points (paired across the street, joined in number order),
    towns from places, a road joining the towns, a house beside each address: the demo's
    base map, from any loaded reference."""
    addresses = tmp_path / "addresses.csv"
    rows = ["number,street,city,region,postcode,lon,lat"]
    for i in range(6):  # 100-105 Oak Street, even numbers north of it, odd ones south
        side = 0.00007 if i % 2 == 0 else -0.00007
        rows.append(f"{100 + i},Oak Street,Northtown,NN,11111,{-79.5 + (i // 2) * 0.0003},"
                    f"{41.5 + side}")
    addresses.write_text("\n".join(rows) + "\n")
    places = tmp_path / "places.csv"
    places.write_text("name,region,population,lat,lon\nNorthtown,NN,12000,41.5,-79.5\n"
                      "Southville,SS,9000,40.5,-79.0\n")
    load_reference("addresses", addresses, engine=db)
    load_reference("places", places, engine=db)
    summary = basemap.build_from_reference("demo", buildings=True, engine=db)
    assert summary.features == {"roads": 2, "places": 2, "buildings": 6}
    frame = basemap.features((-80, 40, -78, 42), engine=db)
    street = frame[frame["name"] == "Oak St"].geometry.iloc[0]  # the reference's "OAK ST"
    assert street.geom_type == "LineString" and len(street.coords) >= 2
    ends = sorted(street.coords)
    assert ends[0] == pytest.approx((-79.5, 41.5), abs=1e-6)  # on the centre line
    assert ends[-1] == pytest.approx((-79.4994, 41.5), abs=1e-6)
    towns = frame[frame["layer"] == "places"].set_index("name")["kind"].to_dict()
    assert towns == {"Northtown": "town", "Southville": "town"}
    joining = frame[(frame["layer"] == "roads") & frame["name"].isna()].geometry.iloc[0]
    assert sorted(joining.coords) == [(-79.5, 41.5), (-79.0, 40.5)]


def test_the_demo_world_gets_its_streets_and_towns_and_keeps_them_on_make_run(db, tmp_path):
    from gcrm.demo import build_demo

    result = build_demo(tmp_path / "demo", seed=5, accounts=800, states=("DE",), engine=db)
    assert result.loaded["base map roads"] > 20 and result.loaded["base map places"] > 10
    listed = basemap.basemaps(engine=db).set_index("name")
    assert listed.loc["demo", "attribution"] == "gcrm demo world (generated)"
    towns = basemap.features((-76, 38.4, -75, 39.9), layers=["places"], engine=db)
    assert {"Dover", "Wilmington", "Newark"} <= set(towns["name"])
    # A city-zoom tile of Dover's streets names them as the demo's addresses do.
    with db.connect() as conn:
        street, lon, lat = conn.execute(text(
            "SELECT a.street, ST_X(a.geom), ST_Y(a.geom) FROM ref_addresses a "
            "WHERE a.city = 'DOVER' ORDER BY a.id LIMIT 1")).one()
    z, x, y = _tile_at(lon, lat, 14)
    assert street.title() in _names(basemap.tile(z, x, y, engine=db), "roads")
    # `make run` on a world loaded before base maps existed: `gcrm demo --if-empty` adds it.
    with db.begin() as conn:
        conn.execute(text("DELETE FROM basemaps"))
    again = build_demo(tmp_path / "demo", seed=5, accounts=800, states=("DE",),
                       if_empty=True, engine=db)
    assert again.skipped and "demo" in set(basemap.basemaps(engine=db)["name"])


def test_the_command_line_loads_lists_and_refuses(use_database, db, osm_file, tmp_path):
    from typer.testing import CliRunner

    from gcrm.cli import app

    runner = CliRunner()
    loaded = runner.invoke(app, ["basemap", "load", str(osm_file), "--name", "testville"])
    assert loaded.exit_code == 0, loaded.output
    assert ("Loaded base map 'testville' from testville.osm: 1 buildings, 1 places, "
            "2 roads, 1 water.") in " ".join(loaded.output.split())
    listed = runner.invoke(app, ["basemap", "list"])
    assert listed.exit_code == 0 and "testville" in listed.output
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not an extract")
    refused = runner.invoke(app, ["basemap", "load", str(bad), "--name", "testville"])
    assert refused.exit_code == 1
    assert "Cannot read bad.osm.pbf as an OpenStreetMap extract" in " ".join(
        refused.output.split())
    assert "Traceback" not in refused.output
