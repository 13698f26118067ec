"""Address normalising: the same part written differently comes out the same, in USPS form."""

import math

import pytest

from spatial.geocoding import (
    address_key,
    normalize_city,
    normalize_postcode,
    normalize_region,
    normalize_street,
    normalize_unit,
)


@pytest.mark.parametrize(("street", "expected"), [
    # a directional or type word that is the name survives
    ("North Street", "NORTH ST"),
    ("West Street", "WEST ST"),
    ("Avenue A", "AVE A"),
    ("T Street Southeast", "T ST SE"),
    ("Park Avenue South", "PARK AVE S"),
    ("East Main Street", "E MAIN ST"),
    ("Court Street", "COURT ST"),
    ("North Avenue A", "N AVE A"),
    ("Old Route 66", "OLD RTE 66"),
    ("US Highway 98", "US HWY 98"),
    # ordinals, modifiers and name prefixes
    ("Second Avenue", "2ND AVE"),
    ("Twenty-First Street", "21ST ST"),
    ("Main Street Extension", "MAIN ST EXT"),
    ("Mount Vernon Avenue", "MT VERNON AVE"),
    ("Saint Marks Place", "SAINT MARKS PL"),  # SAINT is ambiguous: not abbreviated
    # boxes and routes
    ("P.O. Box 12", "PO BOX 12"),
    ("Rural Route 2 Box 5", "RR 2 BOX 5"),
    # punctuation, case, accents, fractions
    ("n. main st.", "N MAIN ST"),
    ("N.Main St.", "N MAIN ST"),
    ("S.W. 8th St", "SW 8TH ST"),
    ("O'Brien  Ct", "OBRIEN CT"),
    ("Königstraße", "KONIGSTRASSE"),
    ("1/2 Mile Road", "1/2 MILE RD"),
])
def test_streets_take_usps_form(street, expected):
    assert normalize_street(street) == expected


@pytest.mark.parametrize(("variant", "standard"), [
    ("Avenue", "AVE"), ("Av", "AVE"), ("Aven", "AVE"), ("Avenu", "AVE"), ("Avn", "AVE"),
    ("Street", "ST"), ("Str", "ST"), ("Strt", "ST"), ("Road", "RD"), ("Drive", "DR"),
    ("Driv", "DR"), ("Boulevard", "BLVD"), ("Boul", "BLVD"), ("Lane", "LN"), ("Court", "CT"),
    ("Place", "PL"), ("Terrace", "TER"), ("Terr", "TER"), ("Highway", "HWY"), ("Hiway", "HWY"),
    ("Parkway", "PKWY"), ("Pky", "PKWY"), ("Circle", "CIR"), ("Circ", "CIR"),
    ("Square", "SQ"), ("Trail", "TRL"), ("Way", "WAY"), ("Crossing", "XING"),
    ("Expressway", "EXPY"), ("Turnpike", "TPKE"), ("Heights", "HTS"), ("Center", "CTR"),
    ("Centre", "CTR"), ("Plaza", "PLZ"), ("Alley", "ALY"), ("Cove", "CV"), ("Point", "PT"),
])
def test_every_common_spelling_of_a_street_type_is_abbreviated(variant, standard):
    assert normalize_street(f"Oak {variant}") == f"OAK {standard}"


@pytest.mark.parametrize(("word", "code"), [
    ("North", "N"), ("South", "S"), ("East", "E"), ("West", "W"),
    ("Northeast", "NE"), ("Northwest", "NW"), ("Southeast", "SE"), ("Southwest", "SW"),
])
def test_directionals_are_abbreviated_before_and_after_the_name(word, code):
    assert normalize_street(f"{word} Oak Street") == f"{code} OAK ST"
    assert normalize_street(f"Oak Street {word}") == f"OAK ST {code}"


def test_normalising_twice_changes_nothing():
    written = ["North Street", "N Street", "Avenue A", "T Street Southeast", "Park Avenue South",
               "Twenty-First St", "Main Street Extension", "Mount Vernon Ave", "P O Box 7",
               "Old Route 66", "Souheast 29th Street", "1/2 Mile Road"]
    for street in written:
        once = normalize_street(street)
        assert normalize_street(once) == once
    for unit in ["Apartment #4B", "Rear", "#APT 000003", "Suite 200"]:
        assert normalize_unit(normalize_unit(unit)) == normalize_unit(unit)
    for city in ["St. Louis", "N Las Vegas", "Fort Worth"]:
        assert normalize_city(normalize_city(city)) == normalize_city(city)


@pytest.mark.parametrize("blank", [None, "", "   ", float("nan")])
def test_blank_parts_are_empty(blank):
    for normalise in (normalize_street, normalize_unit, normalize_city, normalize_region,
                      normalize_postcode):
        assert normalise(blank) == ""


@pytest.mark.parametrize(("unit", "expected"), [
    ("Apt 4", "4"), ("Apartment #4", "4"), ("# 4", "4"), ("Unit 4", "4"), ("apt. 4", "4"),
    ("Suite 200", "200"), ("STE 200", "200"), ("Ste. 200", "200"),
    ("Apt 4-B", "4B"), ("#APT 000003", "3"), ("Rear", "REAR"), ("Basement", "BSMT"),
])
def test_units_lose_their_designator(unit, expected):
    assert normalize_unit(unit) == expected


@pytest.mark.parametrize(("city", "expected"), [
    ("St. Louis", "ST LOUIS"), ("Saint Louis", "ST LOUIS"), ("St.Louis", "ST LOUIS"),
    ("Fort Worth", "FT WORTH"), ("Ft. Worth", "FT WORTH"), ("Mount Pleasant", "MT PLEASANT"),
    ("winston-salem", "WINSTON SALEM"), ("N Las Vegas", "NORTH LAS VEGAS"),
    ("Montréal", "MONTREAL"), ("  new   york ", "NEW YORK"),
])
def test_cities(city, expected):
    assert normalize_city(city) == expected


@pytest.mark.parametrize(("region", "code"), [
    ("Pennsylvania", "PA"), ("pa", "PA"), ("PA", "PA"), ("Penn.", "PA"), ("new york", "NY"),
    ("District of Columbia", "DC"), ("D.C.", "DC"), ("Washington DC", "DC"),
    ("Puerto Rico", "PR"), ("Guam", "GU"), ("U.S. Virgin Islands", "VI"),
    ("Northern Mariana Islands", "MP"), ("American Samoa", "AS"), ("West Virginia", "WV"),
    ("W. Va.", "WV"), ("Fla.", "FL"), ("Calif", "CA"),
])
def test_states_and_territories_become_usps_codes(region, code):
    assert normalize_region(region) == code


def test_other_regions_pass_through_upper_cased():
    assert normalize_region("Ontario") == "ONTARIO"
    assert normalize_region(" Île-de-France ") == "ILE DE FRANCE"


@pytest.mark.parametrize(("postcode", "expected"), [
    ("15213", "15213"), ("15213-1234", "15213"), ("15213 1234", "15213"),
    ("152131234", "15213"), ("2134", "02134"), ("2134-1234", "02134"), ("501", "00501"),
    ("15213.0", "15213"), (15213.0, "15213"), (2134, "02134"),
    ("sw1a  1aa", "SW1A 1AA"), ("K1A 0B1", "K1A 0B1"),
])
def test_postcodes_are_repaired(postcode, expected):
    assert normalize_postcode(postcode) == expected


def test_the_same_address_written_differently_has_one_key():
    written = [
        ("123", "North Main Street", "Apt 4", "Pittsburgh", "Pennsylvania", "15213"),
        ("123", "n main st", "#4", "pittsburgh", "pa", "15213-1234"),
        ("123", "N. Main St.", "Apartment 4", "PITTSBURGH", "PA", "15213 1234"),
        ("123", "NORTH MAIN STR", "Unit 4", " Pittsburgh ", "Penn.", 15213.0),
        ("123", "North  Main  Strt", "Suite #4", "Pittsburgh", "pennsylvania", "15213"),
    ]
    keys = {address_key(*parts) for parts in written}
    assert keys == {"123|N MAIN ST|4|PITTSBURGH|PA|15213"}


def test_different_addresses_have_different_keys():
    base = address_key("123", "Main St", "", "Erie", "PA", "16501")
    assert address_key("125", "Main St", "", "Erie", "PA", "16501") != base
    assert address_key("123", "Main St", "2", "Erie", "PA", "16501") != base
    assert address_key("123 1/2", "Main St", "", "Erie", "PA", "16501") != base
    assert address_key("123", "Main St", "", "Erie", "NY", "16501") != base


def test_wrong_argument_types_are_named():
    with pytest.raises(TypeError, match="normalize_street expects a string or None, got list"):
        normalize_street(["Main St"])
    with pytest.raises(TypeError, match="normalize_region expects a string or None, got dict"):
        normalize_region({"state": "PA"})
    assert normalize_postcode(math.nan) == ""
