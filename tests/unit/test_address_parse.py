"""Address parsing: one-line and structured addresses split into the right normalised parts."""

import csv
import re
from pathlib import Path

import pytest

from spatial.geocoding import ParsedAddress, parse_address, parse_addresses

RRAD = (Path(__file__).resolve().parents[3] / "shared" / "data" / "addresses"
        / "rrad_addresses_us.csv")
FRACTION = re.compile(r"^\d+/\d+$")


def _parts(parsed: ParsedAddress) -> tuple[str, ...]:
    return (parsed.number, parsed.street, parsed.unit, parsed.city, parsed.region,
            parsed.postcode)


def _rrad_rows() -> list[dict[str, str]]:
    if not RRAD.exists():
        pytest.skip(f"../shared/data not present: {RRAD} (3,220 real US addresses) is missing")
    with RRAD.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("written", [
    "123 North Main Street, Apt 4, Pittsburgh, PA 15213",
    "123 n main st #4, pittsburgh pa 15213-1234",
    "123 N. Main St. Apartment 4, Pittsburgh, Pennsylvania 15213",
    "123 NORTH MAIN STR UNIT 4, PITTSBURGH, PA 15213",
    "123 North Main Street Suite 4, Pittsburgh, Penn. 15213",
    "123 N Main St # 4, Pittsburgh, PA, 15213 1234, USA",
])
def test_the_same_address_written_differently_has_one_key(written):
    assert parse_address(written).key == "123|N MAIN ST|4|PITTSBURGH|PA|15213"


def test_structured_parts_give_the_same_key_as_the_line():
    structured = parse_address(street="123 North Main Street Apt 4", city="pittsburgh",
                               region="Pennsylvania", postcode="15213-1234")
    assert structured.key == parse_address("123 N Main St #4, Pittsburgh, PA 15213").key


@pytest.mark.parametrize(("line", "parts"), [
    ("123 N Main St Apt 4, Pittsburgh, PA 15213-1234",
     ("123", "N MAIN ST", "4", "PITTSBURGH", "PA", "15213")),
    ("1745 T Street Southeast, Washington, DC 20020",
     ("1745", "T ST SE", "", "WASHINGTON", "DC", "20020")),
    ("6007 Applegate Lane, Louisville KY 40219",
     ("6007", "APPLEGATE LN", "", "LOUISVILLE", "KY", "40219")),
    ("350 Fifth Avenue Suite 3300, New York, NY 10118-0110",
     ("350", "5TH AVE", "3300", "NEW YORK", "NY", "10118")),
    ("12B Oak Ave, Unit 3, St. Louis, Missouri 63101",
     ("12B", "OAK AVE", "3", "ST LOUIS", "MO", "63101")),
    ("742 Evergreen Terrace Springfield IL 62704",  # no commas: usaddress
     ("742", "EVERGREEN TER", "", "SPRINGFIELD", "IL", "62704")),
    ("PO Box 123, Anytown, CA 90210", ("", "PO BOX 123", "", "ANYTOWN", "CA", "90210")),
    ("1 1/2 Main St, Boston MA 2134", ("1 1/2", "MAIN ST", "", "BOSTON", "MA", "02134")),
])
def test_one_line_addresses_are_split_into_parts(line, parts):
    assert _parts(parse_address(line)) == parts


@pytest.mark.parametrize(("street", "number", "name", "unit"), [
    ("1745 T Street Southeast", "1745", "T ST SE", ""),
    ("1043 Hamil Rd Apt 2", "1043", "HAMIL RD", "2"),
    ("1043 Hamil Rd, Apt. 2", "1043", "HAMIL RD", "2"),
    ("100 W 42nd St #5B", "100", "W 42ND ST", "5B"),
    ("519 West 75th Avenue #APT 000003", "519", "W 75TH AVE", "3"),
    ("12B Oak Ave", "12B", "OAK AVE", ""),
    ("421 1/2 6th Street Southeast", "421 1/2", "6TH ST SE", ""),
    ("3770 North Front Street", "3770", "N FRONT ST", ""),  # FRONT here is no unit
    ("6460 Vermont 113", "6460", "VERMONT 113", ""),      # a state route, not unit 113
    ("18687 County Road 97", "18687", "COUNTY RD 97", ""),
    ("12 Main St 4", "12", "MAIN ST", "4"),
    ("8010 Holland Court D", "8010", "HOLLAND CT", "D"),
    ("12 Main St Rear", "12", "MAIN ST", "REAR"),
    ("N123W456 Main St", "N123W456", "MAIN ST", ""),     # Wisconsin grid number: usaddress
    ("Career Avenue", "", "CAREER AVE", ""),
])
def test_structured_street_lines_split_into_number_street_and_unit(street, number, name, unit):
    parsed = parse_address(street=street)
    assert (parsed.number, parsed.street, parsed.unit) == (number, name, unit)


def test_explicit_parts_override_the_line():
    parsed = parse_address("1 Elm St Apt 9, Springfield, IL 62701", street="5 Oak Ave",
                           unit="Suite 2", city="Chicago", postcode="60601")
    assert _parts(parsed) == ("5", "OAK AVE", "2", "CHICAGO", "IL", "60601")


def test_number_int_is_the_leading_integer():
    assert parse_address(street="123A Main St").number_int == 123
    assert parse_address(street="421 1/2 Elm St").number_int == 421
    assert parse_address(street="Main St").number_int is None


@pytest.mark.parametrize("garbage", [
    "???", "", "   ", "Lorem ipsum", "Lorem ipsum dolor sit amet", "#### 12 12 12", "\x00\x01",
    ",,,", "123", "Apt", "PA 15213", "\u00e9\u00e8\u00ea \u4e2d\u6587", "(((", "1/", None,
])
def test_garbage_does_not_raise(garbage):
    parsed = parse_address(garbage)
    assert isinstance(parsed, ParsedAddress)
    assert parsed.number_int is None or parsed.number_int >= 0
    assert parse_addresses([garbage], cities=[garbage])[0].street == parse_address(
        street=garbage).street


def test_batches_agree_with_single_parses_and_tolerate_missing_cells():
    streets = ["12B Oak Ave", "1043 Hamil Rd Apt 2", None, "Main Street", float("nan")]
    cities = ["Erie", "Erie", None, "Erie", "Erie"]
    units = [None, None, None, "#7", None]
    batch = parse_addresses(streets, units=units, cities=cities)
    assert [p.number for p in batch] == ["12B", "1043", "", "", ""]
    assert batch[1] == parse_address(street="1043 Hamil Rd Apt 2", city="Erie")
    assert batch[3].unit == "7" and batch[3].street == "MAIN ST"
    assert batch[4].key == "|||ERIE||"


def test_batch_arguments_are_checked():
    with pytest.raises(ValueError, match="cities has 1 values but streets has 2"):
        parse_addresses(["1 A St", "2 B St"], cities=["Erie"])
    with pytest.raises(TypeError, match="streets must be a sequence"):
        parse_addresses("1 A St")
    with pytest.raises(TypeError, match=r"streets\[1\]"):
        parse_addresses(["1 A St", ["2 B St"]])


def test_real_street_lines_yield_number_and_street():
    rows = _rrad_rows()
    parsed = parse_addresses([r["address1"] for r in rows])
    found = sum(bool(p.number and p.street) for p in parsed)
    assert found / len(rows) >= 0.99
    for row, p in zip(rows, parsed, strict=True):
        tokens = row["address1"].upper().split()
        if tokens and tokens[0][:1].isdigit():
            expected = tokens[0]
            if len(tokens) > 1 and FRACTION.match(tokens[1]):  # "421 1/2 6th Street"
                expected += " " + tokens[1]
            assert p.number == expected, row["address1"]
    # each structured single parse agrees with the batch
    assert parsed[:200] == [parse_address(street=r["address1"]) for r in rows[:200]]


def test_real_one_line_addresses_match_their_structured_columns():
    rows = _rrad_rows()
    structured = parse_addresses(
        [r["address1"] for r in rows], units=[r["address2"] for r in rows],
        cities=[r["city"] for r in rows], regions=[r["state"] for r in rows],
        postcodes=[r["postal_code"] for r in rows])
    lines = [", ".join(p for p in (r["address1"], r["address2"], r["city"],
                                   f"{r['state']} {r['postal_code']}".strip()) if p)
             for r in rows]
    same = sum(parse_address(line) == s for line, s in zip(lines, structured, strict=True))
    assert same / len(rows) >= 0.99
