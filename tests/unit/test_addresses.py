"""Address normalising and parsing (pure): the same address written differently matches."""

from pathlib import Path

import pandas as pd
import pytest

from spatial.geocoding import (
    normalize_city,
    normalize_postcode,
    normalize_region,
    normalize_street,
    normalize_unit,
    parse_address,
    parse_addresses,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
RRAD = SHARED / "addresses" / "rrad_addresses_us.csv"


@pytest.mark.parametrize("written", [
    "123 North Main Street, Apt 4, Pittsburgh, PA 15213",
    "123 n main st #4, pittsburgh pa 15213-1234",
    "123 N. Main St. Apartment 4, Pittsburgh, Pennsylvania 15213",
    "123 NORTH MAIN STR UNIT 4, PITTSBURGH, PA 15213",
    "123 North Main Street Suite 4, Pittsburgh, Penn. 15213",
])
def test_the_same_address_written_differently_has_one_key(written):
    assert parse_address(written).key == "123|N MAIN ST|4|PITTSBURGH|PA|15213"


@pytest.mark.parametrize(("street", "expected"), [
    ("North Street", "NORTH ST"),
    ("N Street", "NORTH ST"),          # the directional is the name
    ("Avenue A", "AVE A"),
    ("T Street Southeast", "T ST SE"),
    ("Park Avenue South", "PARK AVE S"),
    ("West Street", "WEST ST"),
    ("East Main Street", "E MAIN ST"),
    ("Mill Road", "MILL RD"),          # a type word in the name stays a name
    ("Second Avenue", "2ND AVE"),
    ("Souheast 29th Street", "SE 29TH ST"),  # one slip in a compound direction
    ("Southest 2nd Street", "SOUTHEST 2ND ST"),  # could be SE or SW: left alone
    ("Old Route 66", "OLD RTE 66"),
])
def test_street_names_follow_usps_rules(street, expected):
    assert normalize_street(street) == expected


def test_units_cities_regions_and_postcodes():
    assert normalize_unit("Apartment #4B") == "4B"
    assert normalize_unit("STE 200") == "200"
    assert normalize_city("St. Louis") == normalize_city("Saint Louis") == "ST LOUIS"
    assert normalize_region("district of columbia") == "DC"
    assert normalize_region("Ontario") == "ONTARIO"  # other countries pass through
    assert normalize_postcode("2134") == "02134"       # leading zero lost by a spreadsheet
    assert normalize_postcode("15213-1234") == "15213"
    assert normalize_postcode("15213.0") == "15213"
    assert normalize_postcode("sw1a  1aa") == "SW1A 1AA"


@pytest.mark.parametrize(("line", "parts"), [
    ("123 N Main St Apt 4, Pittsburgh, PA 15213-1234",
     ("123", "N MAIN ST", "4", "PITTSBURGH", "PA", "15213")),
    ("1745 T Street Southeast, Washington, DC 20020",
     ("1745", "T ST SE", "", "WASHINGTON", "DC", "20020")),
    ("6007 Applegate Lane, Louisville KY 40219",
     ("6007", "APPLEGATE LN", "", "LOUISVILLE", "KY", "40219")),
])
def test_one_line_addresses_are_split_into_parts(line, parts):
    parsed = parse_address(line)
    assert (parsed.number, parsed.street, parsed.unit, parsed.city, parsed.region,
            parsed.postcode) == parts


@pytest.mark.parametrize("garbage", ["???", "", "Lorem ipsum dolor", "#### 12 12 12", "\x00\x01"])
def test_garbage_does_not_raise(garbage):
    parsed = parse_address(garbage)
    assert parsed.number_int is None or isinstance(parsed.number_int, int)


def test_structured_parts_override_the_line_and_batches_agree_with_singles():
    parsed = parse_address("1 Elm St, Springfield, IL 62701", city="Chicago")
    assert parsed.city == "CHICAGO" and parsed.street == "ELM ST"
    streets = ["12B Oak Ave", "1043 Hamil Rd Apt 2", None, "Main Street"]
    batch = parse_addresses(streets, cities=["A", "B", None, "D"])
    assert [p.number for p in batch] == ["12B", "1043", "", ""]
    assert batch[0].number_int == 12
    assert batch[1].unit == "2"
    assert batch[3].street == "MAIN ST"
    assert batch[1] == parse_address(street="1043 Hamil Rd Apt 2", city="B")
    with pytest.raises(ValueError, match="cities has 1 values but streets has 4"):
        parse_addresses(streets, cities=["A"])


def test_real_addresses_parse_into_number_and_street():
    if not RRAD.exists():
        pytest.skip("../shared/data not present: the real-address check needs RRAD")
    frame = pd.read_csv(RRAD, dtype=str).fillna("")
    parsed = parse_addresses(frame["address1"].tolist())
    ok = [bool(p.number and p.street) for p in parsed]
    assert sum(ok) / len(ok) >= 0.99
    starts_with_digit = frame["address1"].str.match(r"^\d")
    first_token = frame["address1"].str.split().str[0].str.upper()
    numbers = pd.Series([p.number for p in parsed])
    assert (numbers[starts_with_digit] == first_token[starts_with_digit]).mean() >= 0.99
