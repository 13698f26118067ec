"""Offline geocoding: every precision level, fuzzy streets, the cache, and geocode-file."""

import math

import pandas as pd
import pytest
from sqlalchemy import text

from gcrm.geocoding.batch import geocode_records
from gcrm.geocoding.files import geocode_file
from gcrm.geocoding.reference import load_reference
from gcrm.ingest.load import load_file

# Main Street runs east from (-79.9500, 40.4400): house number n sits n * 1e-5 degrees east.
MAIN = [100, 102, 110, 120, 101, 111]


@pytest.fixture
def reference(db, tmp_path):
    addresses = tmp_path / "addresses.csv"
    rows = ["number,street,city,region,postcode,lon,lat"]
    rows += [f"{n},Main Street,Pittsburgh,PA,15213,{-79.95 + n * 1e-5:.6f},40.4400" for n in MAIN]
    rows += ["7,Hamill Road,Verona,PA,15147,-79.8126,40.5025",
             "9,North Avenue,Pittsburgh,PA,15213,-79.9600,40.4500"]
    addresses.write_text("\n".join(rows) + "\n")
    postcodes = tmp_path / "zips.csv"
    postcodes.write_text("zip,latitude,longitude,city,state\n15213,40.4433,-79.9553,Pittsburgh,PA\n"
                         "15147,40.4960,-79.8300,Verona,PA\n")
    places = tmp_path / "places.csv"
    places.write_text("name,region,lat,lon,population\nOakmont,PA,40.5217,-79.8420,6700\n"
                      "Oakmont,MD,39.0,-77.0,10\n")
    for kind, path in (("addresses", addresses), ("postcodes", postcodes), ("places", places)):
        load_reference(kind, path, engine=db)
    return db


def _geocode(db, **address):
    with db.begin() as conn:
        return geocode_records(conn, pd.DataFrame([address])).iloc[0]


def _metres(lon1, lat1, lon2, lat2):
    dx = (lon2 - lon1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(dx, (lat2 - lat1) * 110_540)


def test_an_address_point_is_found_at_rooftop_precision(reference):
    hit = _geocode(reference, street="110 Main St", city="Pittsburgh", region="PA",
                   postcode="15213")
    assert hit["precision"] == "rooftop" and hit["score"] == 1.0
    assert (hit["lon"], hit["lat"]) == pytest.approx((-79.95 + 110e-5, 40.44))
    assert hit["matched"] == "110 MAIN ST, PITTSBURGH, PA 15213"


def test_abbreviations_case_and_missing_postcode_still_find_the_point(reference):
    hit = _geocode(reference, street="102 main street", city="pittsburgh", region="Pennsylvania")
    assert hit["precision"] == "rooftop"
    assert (hit["lon"], hit["lat"]) == pytest.approx((-79.95 + 102e-5, 40.44))
    assert hit["score"] < 1.0  # found through the city, not the postcode


def test_a_misspelt_street_is_matched_fuzzily_with_a_lower_score(reference):
    hit = _geocode(reference, street="7 Hamil Rd", city="Verona", region="PA", postcode="15147")
    assert hit["precision"] == "rooftop"
    assert 0.6 < hit["score"] < 1.0
    assert _metres(hit["lon"], hit["lat"], -79.8126, 40.5025) < 1


def test_a_missing_number_is_interpolated_between_its_neighbours(reference):
    hit = _geocode(reference, street="106 Main St", postcode="15213")
    assert hit["precision"] == "interpolated"
    # halfway between 102 and 110 on the even side
    assert hit["lon"] == pytest.approx(-79.95 + 106e-5, abs=1e-9)
    assert hit["lat"] == pytest.approx(40.44)


def test_an_unknown_street_falls_back_to_the_postcode_centroid(reference):
    hit = _geocode(reference, street="5 Nowhere Lane", postcode="15147")
    assert hit["precision"] == "postcode"
    assert (hit["lon"], hit["lat"]) == pytest.approx((-79.83, 40.496))


def test_no_postcode_and_unknown_street_fall_back_to_the_place(reference):
    hit = _geocode(reference, street="5 Nowhere Lane", city="Oakmont", region="PA")
    assert hit["precision"] == "city"
    assert (hit["lon"], hit["lat"]) == pytest.approx((-79.842, 40.5217))


def test_a_town_known_only_from_postcodes_gets_their_centre(reference):
    hit = _geocode(reference, street="1 Unknown Way", city="Verona", region="PA")
    assert hit["precision"] == "city"
    assert (hit["lon"], hit["lat"]) == pytest.approx((-79.83, 40.496))


def test_an_address_that_cannot_be_placed_says_none(reference):
    hit = _geocode(reference, street="Lorem ipsum", city="Atlantis")
    assert hit["precision"] == "none" and hit["score"] == 0
    assert pd.isna(hit["lon"])


def test_loaded_accounts_without_coordinates_are_geocoded_and_cached(reference, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("id,name,address,city,state,zip\n"
                    "A1,Ann,100 Main St,Pittsburgh,PA,15213\n"
                    "A2,Bob,106 Main St,Pittsburgh,PA,15213\n"
                    "A3,Cy,1 Nowhere Ln,,,15147\n"
                    "A4,Di,100 MAIN STREET,PITTSBURGH,PA,15213-0001\n")
    result = load_file("accounts", path, source="crm", engine=reference)
    assert result.summary.geocoded == {"rooftop": 2, "interpolated": 1, "postcode": 1}
    with reference.connect() as conn:
        cached = conn.execute(text("SELECT count(*) FROM geocode_cache")).scalar_one()
        precisions = dict(conn.execute(text(
            "SELECT external_id, geocode_precision FROM accounts")).all())
    assert cached == 3  # A1 and A4 are the same address
    assert precisions == {"A1": "rooftop", "A2": "interpolated", "A3": "postcode",
                          "A4": "rooftop"}

    # Re-loading the same file geocodes nothing again; a moved account is re-geocoded.
    again = load_file("accounts", path, source="crm", engine=reference)
    assert again.summary.geocoded == {} and again.summary.unchanged == 4
    path.write_text(path.read_text().replace("106 Main St", "120 Main St"))
    moved = load_file("accounts", path, source="crm", engine=reference)
    assert moved.summary.updated == 1 and moved.summary.geocoded == {"rooftop": 1}


def test_geocode_file_writes_the_input_plus_results(reference, tmp_path, use_database):
    source = tmp_path / "in.csv"
    source.write_text("ref,address,zip\nx1,110 Main St,15213\nx2,9 N Ave,15213\n")
    out = tmp_path / "out.csv"
    counts = geocode_file(source, out)
    assert counts == {"rooftop": 2}
    frame = pd.read_csv(out)
    assert frame.columns.tolist() == ["ref", "address", "zip", "lon", "lat", "precision",
                                      "score", "matched"]
    assert frame["matched"].tolist() == ["110 MAIN ST, PITTSBURGH, PA 15213",
                                         "9 NORTH AVE, PITTSBURGH, PA 15213"]


def test_reference_rows_with_bad_coordinates_are_rejected_not_loaded(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("number,street,postcode,lon,lat\n1,A St,1,-80,40\n2,B St,1,-80,400\n")
    result = load_reference("addresses", path, engine=db)
    assert result.loaded == 1
    assert result.rejects["reason"].tolist() == ["latitude 400 is outside -90..90"]
