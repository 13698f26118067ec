"""Normalise US-style address parts so that the same address written two ways compares equal.

USPS Publication 28 conventions: street types and directionals abbreviated in
their positions (``North Main Street`` -> ``N MAIN ST``; ``Park Avenue South``
-> ``PARK AVE S``), a directional that *is* the name spelled out (``N Street``
and ``North Street`` -> ``NORTH ST``), punctuation dropped, upper case.
Non-US text passes through cleaned, so other countries can add their rules.
"""

from __future__ import annotations

import re
from functools import lru_cache

DIRECTIONALS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE",
    "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
    "N": "N", "S": "S", "E": "E", "W": "W", "NE": "NE", "NW": "NW", "SE": "SE", "SW": "SW",
}
_DIRECTION_WORDS = {v: k for k, v in DIRECTIONALS.items() if len(k) > 2}

# USPS C1 street suffixes: standard abbreviation -> common spellings (besides itself).
_SUFFIX_VARIANTS = {
    "ALY": "ALLEY ALLEE ALLY", "ANX": "ANNEX ANEX ANNX", "ARC": "ARCADE",
    "AVE": "AVENUE AV AVEN AVENU AVN AVNUE", "BYU": "BAYOU BAYOO", "BCH": "BEACH",
    "BND": "BEND", "BLF": "BLUFF BLUF", "BTM": "BOTTOM BOT BOTTM", "BLVD": "BOULEVARD BOUL BOULV",
    "BR": "BRANCH BRNCH", "BRG": "BRIDGE BRDGE", "BRK": "BROOK", "BYP": "BYPASS BYPA BYPAS BYPS",
    "CP": "CAMP CMP", "CYN": "CANYON CANYN CNYN", "CPE": "CAPE", "CSWY": "CAUSEWAY CAUSWA",
    "CTR": "CENTER CENTRE CEN CENT CENTR CNTER CNTR", "CIR": "CIRCLE CIRC CIRCL CRCL CRCLE",
    "CLF": "CLIFF", "CLFS": "CLIFFS", "CLB": "CLUB", "CMN": "COMMON", "COR": "CORNER",
    "CORS": "CORNERS", "CRSE": "COURSE", "CT": "COURT", "CTS": "COURTS", "CV": "COVE",
    "CRK": "CREEK", "CRES": "CRESCENT CRSENT CRSNT", "CRST": "CREST", "XING": "CROSSING CRSSNG",
    "CURV": "CURVE", "DL": "DALE", "DM": "DAM", "DV": "DIVIDE DIV DVD", "DR": "DRIVE DRIV DRV",
    "DRS": "DRIVES", "EST": "ESTATE", "ESTS": "ESTATES", "EXPY": "EXPRESSWAY EXP EXPR EXPRESS EXPW",
    "EXT": "EXTENSION EXTN EXTNSN", "FLS": "FALLS", "FRY": "FERRY FRRY", "FLD": "FIELD",
    "FLDS": "FIELDS", "FLT": "FLAT", "FLTS": "FLATS", "FRD": "FORD", "FRST": "FOREST FORESTS",
    "FRG": "FORGE FORG", "FRK": "FORK", "FRKS": "FORKS", "FT": "FORT FRT",
    "FWY": "FREEWAY FREEWY FRWAY FRWY",
    "GDN": "GARDEN GARDN GRDEN GRDN", "GDNS": "GARDENS GRDNS",
    "GTWY": "GATEWAY GATEWY GATWAY GTWAY",
    "GLN": "GLEN", "GRN": "GREEN", "GRV": "GROVE GROV", "HBR": "HARBOR HARB HARBR HRBOR",
    "HVN": "HAVEN", "HTS": "HEIGHTS HT", "HWY": "HIGHWAY HIGHWY HIWAY HIWY HWAY",
    "HL": "HILL", "HLS": "HILLS", "HOLW": "HOLLOW HLLW HOLLOWS HOLWS", "INLT": "INLET",
    "IS": "ISLAND ISLND", "ISS": "ISLANDS ISLNDS", "JCT": "JUNCTION JCTION JCTN JUNCTN JUNCTON",
    "KY": "KEY", "KNL": "KNOLL KNOL", "LK": "LAKE", "LKS": "LAKES", "LNDG": "LANDING LNDNG",
    "LN": "LANE", "LGT": "LIGHT", "LOOP": "LOOPS", "MNR": "MANOR", "MDW": "MEADOW",
    "MDWS": "MEADOWS MEDOWS", "ML": "MILL", "MLS": "MILLS", "MSN": "MISSION MISSN MSSN",
    "MTWY": "MOTORWAY", "MT": "MOUNT MNT", "MTN": "MOUNTAIN MNTAIN MNTN MOUNTIN MTIN",
    "ORCH": "ORCHARD ORCHRD", "OPAS": "OVERPASS", "PARK": "PRK PARKS",
    "PKWY": "PARKWAY PARKWY PKWAY PKY PARKWAYS PKWYS",
    "PSGE": "PASSAGE", "PNES": "PINES", "PL": "PLACE", "PLN": "PLAIN", "PLNS": "PLAINS",
    "PLZ": "PLAZA PLZA", "PT": "POINT", "PTS": "POINTS", "PRT": "PORT", "PR": "PRAIRIE PRR",
    "RADL": "RADIAL RAD RADIEL", "RNCH": "RANCH RANCHES RNCHS", "RDG": "RIDGE RDGE",
    "RIV": "RIVER RVR RIVR", "RD": "ROAD", "RDS": "ROADS", "RTE": "ROUTE", "SHR": "SHORE SHOAR",
    "SHRS": "SHORES SHOARS", "SKWY": "SKYWAY", "SPG": "SPRING SPNG SPRNG",
    "SPGS": "SPRINGS SPNGS SPRNGS",
    "SQ": "SQUARE SQR SQRE SQU", "STA": "STATION STATN STN", "ST": "STREET STRT STR",
    "STS": "STREETS", "SMT": "SUMMIT SUMIT SUMITT", "TER": "TERRACE TERR", "TRCE": "TRACE TRACES",
    "TRAK": "TRACK TRACKS TRK TRKS", "TRL": "TRAIL TRAILS TRLS",
    "TUNL": "TUNNEL TUNEL TUNLS TUNNELS TUNNL",
    "TPKE": "TURNPIKE TRNPK TURNPK", "UPAS": "UNDERPASS", "UN": "UNION", "VLY": "VALLEY VALLY VLLY",
    "VIA": "VIADUCT VDCT VIADCT", "VW": "VIEW", "VLG": "VILLAGE VILL VILLAG VILLG VILLIAGE",
    "VL": "VILLE", "VIS": "VISTA VIST VST VSTA", "WALK": "WALKS", "WAY": "WY", "WL": "WELL",
    "WLS": "WELLS", "ROW": "", "RUN": "", "PASS": "", "PATH": "PATHS", "PIKE": "PIKES",
    "OVAL": "OVL", "MALL": "",
}
SUFFIXES: dict[str, str] = {}
for _abbr, _variants in _SUFFIX_VARIANTS.items():
    SUFFIXES[_abbr] = _abbr
    for _variant in _variants.split():
        SUFFIXES.setdefault(_variant, _abbr)

ORDINALS = {
    "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH",
    "SIXTH": "6TH", "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH",
    "ELEVENTH": "11TH", "TWELFTH": "12TH", "THIRTEENTH": "13TH", "FOURTEENTH": "14TH",
    "FIFTEENTH": "15TH", "SIXTEENTH": "16TH", "SEVENTEENTH": "17TH", "EIGHTEENTH": "18TH",
    "NINETEENTH": "19TH", "TWENTIETH": "20TH",
}
UNIT_DESIGNATORS = {
    "APT", "APARTMENT", "UNIT", "STE", "SUITE", "NO", "NUMBER", "RM", "ROOM", "FL", "FLOOR",
    "BLDG", "BUILDING", "LOT", "SPC", "SPACE", "TRLR", "DEPT", "OFC", "OFFICE", "PH", "BSMT",
    "FRNT", "REAR", "SIDE", "UPPR", "LOWR", "HNGR", "PIER", "SLIP", "STOP", "KEY",
}
_CITY_WORDS = {"SAINT": "ST", "FORT": "FT", "MOUNT": "MT", "SAINTE": "STE"}

STATES = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL",
    "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN",
    "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY",
    "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR",
    "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA",
    "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
    "PUERTO RICO": "PR", "GUAM": "GU", "AMERICAN SAMOA": "AS", "VIRGIN ISLANDS": "VI",
    "US VIRGIN ISLANDS": "VI", "NORTHERN MARIANA ISLANDS": "MP", "WASH DC": "DC",
    "PENN": "PA", "CALIF": "CA", "MASS": "MA",
}
STATE_CODES = set(STATES.values())
_NOT_WORD = re.compile(r"[^0-9A-Z ]+")
_SPACES = re.compile(r"\s+")
_ZIP = re.compile(r"^(\d{5})(?:[-\s]?\d{4})?$")
_SHORT_ZIP = re.compile(r"^(\d{3,4})(?:\.0+)?$")
_FLOAT_ZIP = re.compile(r"^(\d{5})\.0+$")


def normalize_street(text: str | None) -> str:
    """Street name in USPS form: ``"North Main Street"`` -> ``"N MAIN ST"``.

    Examples
    --------
    >>> normalize_street("T Street Southeast")
    'T ST SE'
    >>> normalize_street("N Street")
    'NORTH ST'
    """
    if not text:
        return ""
    return _normalize_street(str(text))


@lru_cache(maxsize=200_000)
def _normalize_street(text: str) -> str:
    tokens = [ORDINALS.get(t, t) for t in _clean(text).split()]
    if not tokens:
        return ""
    tokens[0] = _misspelt_direction(tokens[0])
    tokens[-1] = _misspelt_direction(tokens[-1])
    post = ""
    if len(tokens) >= 2 and tokens[-1] in DIRECTIONALS and not (
        len(tokens) == 2 and (tokens[0] in SUFFIXES or tokens[0] in DIRECTIONALS)
    ):
        post = DIRECTIONALS[tokens.pop()]
    if len(tokens) >= 2 and tokens[-1] in SUFFIXES:
        tokens[-1] = SUFFIXES[tokens[-1]]
        has_suffix = True
    else:
        has_suffix = False
    if not has_suffix and len(tokens) >= 2 and tokens[0] in SUFFIXES:
        tokens[0] = SUFFIXES[tokens[0]]  # "Avenue A"
    if not has_suffix and len(tokens) >= 2 and tokens[-1].isdigit() and tokens[-2] in SUFFIXES:
        tokens[-2] = SUFFIXES[tokens[-2]]  # "Old Route 66", "County Highway 12"
    if tokens[0] in DIRECTIONALS:
        if len(tokens) >= 3 or (len(tokens) == 2 and not has_suffix):
            tokens[0] = DIRECTIONALS[tokens[0]]  # a pre-directional
        else:
            code = DIRECTIONALS[tokens[0]]
            tokens[0] = _DIRECTION_WORDS.get(code, tokens[0])  # the directional is the name
    if post:
        tokens.append(post)
    return " ".join(tokens)


def normalize_unit(text: str | None) -> str:
    """The unit identifier without its designator: ``"Apt #4"`` -> ``"4"``.

    >>> normalize_unit("Suite 200")
    '200'
    """
    if not text:
        return ""
    tokens = [t for t in _clean(str(text)).split() if t not in UNIT_DESIGNATORS]
    return " ".join(tokens)


def normalize_city(text: str | None) -> str:
    """``"St. Louis"`` -> ``"ST LOUIS"``; ``"Fort Worth"`` -> ``"FT WORTH"``.

    >>> normalize_city("Saint Paul")
    'ST PAUL'
    """
    if not text:
        return ""
    return " ".join(_CITY_WORDS.get(t, t) for t in _clean(str(text)).split())


def normalize_region(text: str | None) -> str:
    """A US state name or code as its USPS code; anything else upper-cased.

    >>> normalize_region("Pennsylvania"), normalize_region("pa"), normalize_region("Ontario")
    ('PA', 'PA', 'ONTARIO')
    """
    if not text:
        return ""
    cleaned = _clean(str(text))
    if cleaned in STATE_CODES:
        return cleaned
    return STATES.get(cleaned, cleaned)


def normalize_postcode(text: str | None) -> str:
    """US ZIP as five digits (ZIP+4 cut, lost leading zeros restored); others cleaned.

    >>> normalize_postcode("15213-1234"), normalize_postcode("2134"), normalize_postcode("sw1a 1aa")
    ('15213', '02134', 'SW1A 1AA')
    """
    if text is None:
        return ""
    value = str(text).strip().upper()
    if not value or value == "NAN":
        return ""
    for pattern in (_ZIP, _FLOAT_ZIP):
        match = pattern.match(value)
        if match:
            return match.group(1)
    match = _SHORT_ZIP.match(value)
    if match:
        return match.group(1).zfill(5)
    return _SPACES.sub(" ", value)


def address_key(
    number: str | None,
    street: str | None,
    unit: str | None,
    city: str | None,
    region: str | None,
    postcode: str | None,
) -> str:
    """Cache key from the normalised parts, e.g. ``"123|N MAIN ST|4|PITTSBURGH|PA|15213"``."""
    return "|".join((
        _clean(number or ""), normalize_street(street), normalize_unit(unit),
        normalize_city(city), normalize_region(region), normalize_postcode(postcode),
    ))


def _misspelt_direction(token: str) -> str:
    """``SOUHEAST`` -> ``SOUTHEAST``: one slip in a compound direction word is corrected
    when only one direction is that close (``SOUTHEST`` could be either, and stays)."""
    if len(token) < 6 or token in DIRECTIONALS or token in SUFFIXES:
        return token
    close = [word for word in _COMPOUND_DIRECTIONS if _one_edit_apart(token, word)]
    return close[0] if len(close) == 1 else token


_COMPOUND_DIRECTIONS = ("NORTHEAST", "NORTHWEST", "SOUTHEAST", "SOUTHWEST")


def _one_edit_apart(a: str, b: str) -> bool:
    """True when one insertion, deletion, substitution or swap turns ``a`` into ``b``."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", text.upper().replace(".", ""))).strip()
