"""Normalise US-style address parts so that the same address written two ways compares equal.

USPS Publication 28 conventions: upper case, punctuation dropped, accents
folded, street types (Appendix C1) and directionals abbreviated in their
positions (``North Main Street`` -> ``N MAIN ST``; ``Park Avenue South`` ->
``PARK AVE S``), a directional or type word that *is* the name kept as a name
(``North Street`` -> ``NORTH ST``, ``Avenue A`` -> ``AVE A``). Fractions such as
``1/2`` are kept as written. Every normaliser is idempotent: normalising a
normalised value changes nothing. Non-US text passes through cleaned, so other
countries can add their rules beside these.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "address_key",
    "normalize_city",
    "normalize_postcode",
    "normalize_region",
    "normalize_street",
    "normalize_unit",
]


def normalize_street(text: str | None) -> str:
    """Street (without house number) in USPS form.

    Parameters
    ----------
    text : str or None
        Pre-directional, name, type and post-directional, in any case and
        punctuation, e.g. ``"North Main Street"`` or ``"T Street Southeast"``.

    Returns
    -------
    str
        ``""`` for None or blank text.

    Raises
    ------
    TypeError
        If ``text`` is neither a string, a number nor None.

    Examples
    --------
    >>> normalize_street("East Main Street"), normalize_street("T Street Southeast")
    ('E MAIN ST', 'T ST SE')
    >>> normalize_street("North Street"), normalize_street("Avenue A")
    ('NORTH ST', 'AVE A')
    """
    value = _as_text(text, "normalize_street")
    return _normalize_street(value) if value else ""


def normalize_unit(text: str | None) -> str:
    """The unit (secondary address) identifier without its designator.

    ``Apt``, ``Apartment``, ``Unit``, ``#``, ``Suite`` and the other USPS
    designators are dropped, hyphens inside the identifier removed (``4-B`` ->
    ``4B``) and leading zeros of numbers dropped (``000003`` -> ``3``). A unit
    that is only a designator needing no number (``Rear``, ``Basement``) keeps
    its USPS abbreviation.

    Parameters
    ----------
    text : str or None
        E.g. ``"Apt 4"``, ``"Apartment #4"``, ``"# 4"`` or ``"Suite 200"``.

    Returns
    -------
    str
        ``""`` for None or blank text.

    Raises
    ------
    TypeError
        If ``text`` is neither a string, a number nor None.

    Examples
    --------
    >>> normalize_unit("Apartment #4"), normalize_unit("STE 200"), normalize_unit("Rear")
    ('4', '200', 'REAR')
    """
    value = _as_text(text, "normalize_unit")
    return _normalize_unit(value) if value else ""


def normalize_city(text: str | None) -> str:
    """City name: upper case, no punctuation, ``SAINT`` -> ``ST``, ``FORT`` -> ``FT``,
    ``MOUNT`` -> ``MT``, and a leading abbreviated directional spelled out.

    Parameters
    ----------
    text : str or None
        E.g. ``"St. Louis"`` or ``"N Las Vegas"``.

    Returns
    -------
    str
        ``""`` for None or blank text.

    Raises
    ------
    TypeError
        If ``text`` is neither a string, a number nor None.

    Examples
    --------
    >>> normalize_city("Saint Louis"), normalize_city("Ft. Worth"), normalize_city("N Las Vegas")
    ('ST LOUIS', 'FT WORTH', 'NORTH LAS VEGAS')
    """
    value = _as_text(text, "normalize_city")
    return _normalize_city(value) if value else ""


def normalize_region(text: str | None) -> str:
    """A US state, district or territory (name, code or common abbreviation) as its
    two-letter USPS code; anything else cleaned and upper-cased.

    Parameters
    ----------
    text : str or None
        E.g. ``"Pennsylvania"``, ``"pa"``, ``"Penn."``, ``"District of Columbia"``.

    Returns
    -------
    str
        ``""`` for None or blank text.

    Raises
    ------
    TypeError
        If ``text`` is neither a string, a number nor None.

    Examples
    --------
    >>> normalize_region("Pennsylvania"), normalize_region("pa"), normalize_region("Ontario")
    ('PA', 'PA', 'ONTARIO')
    """
    value = _as_text(text, "normalize_region")
    return _normalize_region(value) if value else ""


def normalize_postcode(text: str | None) -> str:
    """Postcode: a US ZIP as five digits, other countries' codes cleaned.

    ZIP+4 is cut (``15213-1234`` -> ``15213``), leading zeros lost by a
    spreadsheet are restored (``2134`` -> ``02134``) and float text is repaired
    (``15213.0`` -> ``15213``). Anything else is upper-cased with its spaces
    collapsed (``sw1a  1aa`` -> ``SW1A 1AA``). Note that a 3- or 4-digit code is
    always read as a US ZIP that lost its zeros.

    Parameters
    ----------
    text : str, int, float or None
        The postcode as read from a file; numbers are accepted.

    Returns
    -------
    str
        ``""`` for None, NaN or blank text.

    Raises
    ------
    TypeError
        If ``text`` is neither a string, a number nor None.

    Examples
    --------
    >>> normalize_postcode("15213-1234"), normalize_postcode(2134), normalize_postcode("sw1a 1aa")
    ('15213', '02134', 'SW1A 1AA')
    """
    value = _as_text(text, "normalize_postcode")
    return _normalize_postcode(value) if value else ""


def address_key(
    number: str | None,
    street: str | None,
    unit: str | None,
    city: str | None,
    region: str | None,
    postcode: str | None,
) -> str:
    """A stable cache key from the normalised parts, joined with ``|``.

    Parameters
    ----------
    number, street, unit, city, region, postcode : str or None
        The parts, raw or already normalised (normalising is idempotent).

    Returns
    -------
    str
        Six fields separated by ``|``; an absent part is an empty field.

    Raises
    ------
    TypeError
        If a part is neither a string, a number nor None.

    Examples
    --------
    >>> address_key("123", "North Main Street", "Apt 4", "Pittsburgh", "Pennsylvania", "15213")
    '123|N MAIN ST|4|PITTSBURGH|PA|15213'
    >>> address_key("123", "n main st", "#4", "pittsburgh", "pa", "15213-1234")
    '123|N MAIN ST|4|PITTSBURGH|PA|15213'
    """
    value = _as_text(number, "address_key(number)")
    return "|".join((
        _normalize_number(value) if value else "",
        normalize_street(street),
        normalize_unit(unit),
        normalize_city(city),
        normalize_region(region),
        normalize_postcode(postcode),
    ))


# --- private helpers -----------------------------------------------------------------------------

_JOINERS = re.compile(r"['\u2018\u2019`]|(?<=\b[A-Z])\.(?=[A-Z]\b)")  # "O'Brien", "P.O."
_LONE_SLASH = re.compile(r"(?<!\d)/|/(?!\d)")  # a slash not inside a fraction like 1/2
_NOT_WORD = re.compile(r"[^\w/ ]|_")
_SPACES = re.compile(r"\s+")
_INNER_HYPHEN = re.compile(r"(?<=[0-9A-Za-z])-(?=[0-9A-Za-z])")
_FLOAT_TEXT = re.compile(r"^(\d+)\.0+$")
_ZIP = re.compile(r"^(\d{5})(?:\.0+|[-\s]?\d{4})?$")
_SHORT_ZIP = re.compile(r"^(\d{3,4})(?:\.0+|[-\s]\d{4})?$")
_FRACTION = re.compile(r"^\d+/\d+$")


def _as_text(value: object, where: str) -> str:
    """``value`` as text; ``""`` for None and NaN; TypeError for anything not text-like."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return "" if value != value else str(value)  # NaN is not equal to itself
    if type(value).__name__ == "NAType":  # pandas.NA, without importing pandas
        return ""
    raise TypeError(f"{where} expects a string or None, got {type(value).__name__}: {value!r:.60}")


def _clean(text: str) -> str:
    """Upper case, accents folded, punctuation dropped (fractions kept), spaces collapsed."""
    if not text.isascii():
        folded = unicodedata.normalize("NFKD", text).replace("\u2044", "/")  # "½" -> "1/2"
        text = "".join(c for c in folded if not unicodedata.combining(c))
    text = _JOINERS.sub("", text.upper())  # other dots become spaces: "St.Louis", "N.Main"
    text = _NOT_WORD.sub(" ", _LONE_SLASH.sub(" ", text))
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=131_072)
def _normalize_street(text: str) -> str:
    tokens = _spell_ordinals(_clean(text).split())
    if not tokens:
        return ""
    boxed = _box_street(tokens)
    if boxed:
        return boxed
    tokens[0] = _misspelt_direction(tokens[0])
    tokens[-1] = _misspelt_direction(tokens[-1])
    extension = ""
    if len(tokens) >= 3 and tokens[-1] in _EXTENSIONS and tokens[-2] in SUFFIXES:
        extension = "EXT"  # "Main Street Ext" -> "MAIN ST EXT"
        tokens.pop()
    post = ""
    if len(tokens) >= 2 and tokens[-1] in DIRECTIONALS and not (
        len(tokens) == 2 and (tokens[0] in SUFFIXES or tokens[0] in DIRECTIONALS)
    ):
        post = DIRECTIONALS[tokens.pop()]
    has_suffix = len(tokens) >= 2 and tokens[-1] in SUFFIXES
    first = 1 if len(tokens) >= 3 and tokens[0] in DIRECTIONALS else 0
    if has_suffix:
        tokens[-1] = SUFFIXES[tokens[-1]]
    elif len(tokens) - first >= 2 and tokens[first] in SUFFIXES:
        tokens[first] = SUFFIXES[tokens[first]]  # a type before the name: "Avenue A"
    elif len(tokens) >= 2 and tokens[-1].isdigit() and tokens[-2] in SUFFIXES:
        tokens[-2] = SUFFIXES[tokens[-2]]  # "Old Route 66", "County Highway 12"
    if tokens[0] in DIRECTIONALS:
        if len(tokens) >= 3 or (len(tokens) == 2 and not has_suffix):
            tokens[0] = DIRECTIONALS[tokens[0]]  # a pre-directional
        else:
            tokens[0] = _DIRECTION_WORDS.get(DIRECTIONALS[tokens[0]], tokens[0])  # the name
    name_end = len(tokens) - 1 if has_suffix else len(tokens)
    for i in range(name_end - 1):  # "Mount Vernon", "Fort Hamilton": a word before a name
        if tokens[i] in _NAME_PREFIXES:
            tokens[i] = _NAME_PREFIXES[tokens[i]]
    if post:
        tokens.append(post)
    if extension:
        tokens.append(extension)
    return " ".join(tokens)


def _spell_ordinals(tokens: list[str]) -> list[str]:
    """Ordinal words as numbers: ``SECOND`` -> ``2ND``, ``TWENTY FIRST`` -> ``21ST``."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _TENS and i + 1 < len(tokens) and tokens[i + 1] in _UNIT_ORDINALS:
            out.append(_ordinal(_TENS[token] + _UNIT_ORDINALS[tokens[i + 1]]))
            i += 2
            continue
        out.append(ORDINALS.get(token, token))
        i += 1
    return out


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}TH"
    return f"{n}{ {1: 'ST', 2: 'ND', 3: 'RD'}.get(n % 10, 'TH') }"


def _box_street(tokens: list[str]) -> str:
    """PO boxes, rural routes and highway contracts in USPS form, else ``""``."""
    for prefix, standard in _BOX_PREFIXES:
        if tokens[: len(prefix)] == prefix and len(tokens) > len(prefix):
            rest = tokens[len(prefix):]
            if standard != "PO BOX":
                for j in range(len(rest) - 1):
                    if rest[j] in ("BOX", "BX"):
                        rest[j] = "BOX"
            return " ".join([standard, *rest])
    return ""


def _misspelt_direction(token: str) -> str:
    """``SOUHEAST`` -> ``SOUTHEAST``: one slip in a compound direction word is corrected
    when only one direction is that close (``SOUTHEST`` could be either, and stays)."""
    if len(token) < 6 or token in DIRECTIONALS or token in SUFFIXES:
        return token
    close = [word for word in _COMPOUND_DIRECTIONS if _one_edit_apart(token, word)]
    return close[0] if len(close) == 1 else token


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


@lru_cache(maxsize=100_000)
def _normalize_unit(text: str) -> str:
    tokens = _clean(_INNER_HYPHEN.sub("", text)).split()
    ids = [(t.lstrip("0") or "0") if t.isdigit() else t
           for t in tokens if t not in UNIT_DESIGNATORS]
    if ids:
        return " ".join(ids)
    alone = [UNIT_DESIGNATORS[t] for t in tokens if UNIT_DESIGNATORS[t] in _UNITS_WITHOUT_ID]
    return " ".join(dict.fromkeys(alone))


@lru_cache(maxsize=100_000)
def _normalize_city(text: str) -> str:
    tokens = [_CITY_WORDS.get(t, t) for t in _clean(text).split()]
    if len(tokens) >= 2 and tokens[0] in _DIRECTION_WORDS:
        tokens[0] = _DIRECTION_WORDS[tokens[0]]  # "N Las Vegas" -> "NORTH LAS VEGAS"
    return " ".join(tokens)


@lru_cache(maxsize=10_000)
def _normalize_region(text: str) -> str:
    cleaned = _clean(text)
    if cleaned in STATE_CODES:
        return cleaned
    return STATES.get(cleaned, cleaned)


@lru_cache(maxsize=100_000)
def _normalize_postcode(text: str) -> str:
    value = _SPACES.sub(" ", text.strip().upper())
    if value in ("", "NAN", "NONE", "NULL"):
        return ""
    match = _ZIP.match(value)
    if match:
        return match.group(1)
    match = _SHORT_ZIP.match(value)
    if match:
        return match.group(1).zfill(5)
    return value


@lru_cache(maxsize=100_000)
def _normalize_number(text: str) -> str:
    """House number: ``"123 A"`` -> ``"123A"``, ``"123-45"`` -> ``"12345"`` (Queens and
    Hawaii style, keeps the order), ``"1 1/2"`` kept, ``"123.0"`` (float text) -> ``"123"``."""
    match = _FLOAT_TEXT.match(text.strip())
    if match:
        return match.group(1)
    tokens = _clean(text.replace("-", "")).split()
    if len(tokens) >= 2 and _FRACTION.match(tokens[-1]):
        return "".join(tokens[:-1]) + " " + tokens[-1]
    return "".join(tokens)


# --- USPS tables ---------------------------------------------------------------------------------

DIRECTIONALS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE",
    "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
    "N": "N", "S": "S", "E": "E", "W": "W", "NE": "NE", "NW": "NW", "SE": "SE", "SW": "SW",
}
_DIRECTION_WORDS = {v: k for k, v in DIRECTIONALS.items() if len(k) > 2}
_COMPOUND_DIRECTIONS = ("NORTHEAST", "NORTHWEST", "SOUTHEAST", "SOUTHWEST")

# Publication 28, Appendix C1: standard suffix abbreviation -> the spellings that mean it.
_SUFFIX_VARIANTS = {
    "ALY": "ALLEY ALLEE ALLY", "ANX": "ANEX ANNEX ANNX", "ARC": "ARCADE",
    "AVE": "AVENUE AV AVEN AVENU AVN AVNUE", "BYU": "BAYOU BAYOO", "BCH": "BEACH",
    "BND": "BEND", "BLF": "BLUFF BLUF", "BLFS": "BLUFFS", "BTM": "BOTTOM BOT BOTTM",
    "BLVD": "BOULEVARD BOUL BOULV", "BR": "BRANCH BRNCH", "BRG": "BRIDGE BRDGE",
    "BRK": "BROOK", "BRKS": "BROOKS", "BG": "BURG", "BGS": "BURGS",
    "BYP": "BYPASS BYPA BYPAS BYPS", "CP": "CAMP CMP", "CYN": "CANYON CANYN CNYN",
    "CPE": "CAPE", "CSWY": "CAUSEWAY CAUSWA", "CTR": "CENTER CENTRE CEN CENT CENTR CNTER CNTR",
    "CTRS": "CENTERS", "CIR": "CIRCLE CIRC CIRCL CRCL CRCLE", "CIRS": "CIRCLES", "CLF": "CLIFF",
    "CLFS": "CLIFFS", "CLB": "CLUB", "CMN": "COMMON", "CMNS": "COMMONS", "COR": "CORNER",
    "CORS": "CORNERS", "CRSE": "COURSE", "CT": "COURT", "CTS": "COURTS", "CV": "COVE",
    "CVS": "COVES", "CRK": "CREEK", "CRES": "CRESCENT CRSENT CRSNT", "CRST": "CREST",
    "XING": "CROSSING CRSSNG", "XRD": "CROSSROAD", "XRDS": "CROSSROADS", "CURV": "CURVE",
    "DL": "DALE", "DM": "DAM", "DV": "DIVIDE DIV DVD", "DR": "DRIVE DRIV DRV", "DRS": "DRIVES",
    "EST": "ESTATE", "ESTS": "ESTATES", "EXPY": "EXPRESSWAY EXP EXPR EXPRESS EXPW",
    "EXT": "EXTENSION EXTN EXTNSN", "EXTS": "EXTENSIONS", "FALL": "", "FLS": "FALLS",
    "FRY": "FERRY FRRY", "FLD": "FIELD", "FLDS": "FIELDS", "FLT": "FLAT", "FLTS": "FLATS",
    "FRD": "FORD", "FRDS": "FORDS", "FRST": "FOREST FORESTS", "FRG": "FORGE FORG",
    "FRGS": "FORGES", "FRK": "FORK", "FRKS": "FORKS", "FT": "FORT FRT",
    "FWY": "FREEWAY FREEWY FRWAY FRWY", "GDN": "GARDEN GARDN GRDEN GRDN",
    "GDNS": "GARDENS GRDNS", "GTWY": "GATEWAY GATEWY GATWAY GTWAY", "GLN": "GLEN",
    "GLNS": "GLENS", "GRN": "GREEN", "GRNS": "GREENS", "GRV": "GROVE GROV", "GRVS": "GROVES",
    "HBR": "HARBOR HARB HARBR HRBOR", "HBRS": "HARBORS", "HVN": "HAVEN", "HTS": "HEIGHTS HT",
    "HWY": "HIGHWAY HIGHWY HIWAY HIWY HWAY", "HL": "HILL", "HLS": "HILLS",
    "HOLW": "HOLLOW HLLW HOLLOWS HOLWS", "INLT": "INLET", "IS": "ISLAND ISLND",
    "ISS": "ISLANDS ISLNDS", "ISLE": "ISLES", "JCT": "JUNCTION JCTION JCTN JUNCTN JUNCTON",
    "JCTS": "JUNCTIONS JCTNS", "KY": "KEY", "KYS": "KEYS", "KNL": "KNOLL KNOL",
    "KNLS": "KNOLLS", "LK": "LAKE", "LKS": "LAKES", "LAND": "", "LNDG": "LANDING LNDNG",
    "LN": "LANE", "LGT": "LIGHT", "LGTS": "LIGHTS", "LF": "LOAF", "LCK": "LOCK",
    "LCKS": "LOCKS", "LDG": "LODGE LDGE LODG", "LOOP": "LOOPS", "MALL": "", "MNR": "MANOR",
    "MNRS": "MANORS", "MDW": "MEADOW", "MDWS": "MEADOWS MEDOWS", "MEWS": "", "ML": "MILL",
    "MLS": "MILLS", "MSN": "MISSION MISSN MSSN", "MTWY": "MOTORWAY", "MT": "MOUNT MNT",
    "MTN": "MOUNTAIN MNTAIN MNTN MOUNTIN MTIN", "MTNS": "MOUNTAINS MNTNS", "NCK": "NECK",
    "ORCH": "ORCHARD ORCHRD", "OVAL": "OVL", "OPAS": "OVERPASS", "PARK": "PRK PARKS",
    "PKWY": "PARKWAY PARKWY PKWAY PKY PARKWAYS PKWYS", "PASS": "", "PSGE": "PASSAGE",
    "PATH": "PATHS", "PIKE": "PIKES", "PNE": "PINE", "PNES": "PINES", "PL": "PLACE",
    "PLN": "PLAIN", "PLNS": "PLAINS", "PLZ": "PLAZA PLZA", "PT": "POINT", "PTS": "POINTS",
    "PRT": "PORT", "PRTS": "PORTS", "PR": "PRAIRIE PRR", "RADL": "RADIAL RAD RADIEL",
    "RAMP": "", "RNCH": "RANCH RANCHES RNCHS", "RPD": "RAPID", "RPDS": "RAPIDS", "RST": "REST",
    "RDG": "RIDGE RDGE", "RDGS": "RIDGES", "RIV": "RIVER RVR RIVR", "RD": "ROAD", "RDS": "ROADS",
    "RTE": "ROUTE", "ROW": "", "RUE": "", "RUN": "", "SHL": "SHOAL", "SHLS": "SHOALS",
    "SHR": "SHORE SHOAR", "SHRS": "SHORES SHOARS", "SKWY": "SKYWAY",
    "SPG": "SPRING SPNG SPRNG", "SPGS": "SPRINGS SPNGS SPRNGS", "SPUR": "SPURS",
    "SQ": "SQUARE SQR SQRE SQU", "SQS": "SQUARES SQRS", "STA": "STATION STATN STN",
    "STRA": "STRAVENUE STRAV STRAVEN STRAVN STRVN STRVNUE", "STRM": "STREAM STREME",
    "ST": "STREET STRT STR", "STS": "STREETS", "SMT": "SUMMIT SUMIT SUMITT",
    "TER": "TERRACE TERR", "TRWY": "THROUGHWAY", "TRCE": "TRACE TRACES",
    "TRAK": "TRACK TRACKS TRK TRKS", "TRFY": "TRAFFICWAY", "TRL": "TRAIL TRAILS TRLS",
    "TRLR": "TRAILER TRLRS", "TUNL": "TUNNEL TUNEL TUNLS TUNNELS TUNNL",
    "TPKE": "TURNPIKE TRNPK TURNPK", "UPAS": "UNDERPASS", "UN": "UNION", "UNS": "UNIONS",
    "VLY": "VALLEY VALLY VLLY", "VLYS": "VALLEYS", "VIA": "VIADUCT VDCT VIADCT", "VW": "VIEW",
    "VWS": "VIEWS", "VLG": "VILLAGE VILL VILLAG VILLG VILLIAGE", "VLGS": "VILLAGES",
    "VL": "VILLE", "VIS": "VISTA VIST VST VSTA", "WALK": "WALKS", "WALL": "", "WAY": "WY",
    "WAYS": "", "WL": "WELL", "WLS": "WELLS",
}
SUFFIXES: dict[str, str] = {}
for _abbr, _variants in _SUFFIX_VARIANTS.items():
    SUFFIXES[_abbr] = _abbr
    for _variant in _variants.split():
        SUFFIXES.setdefault(_variant, _abbr)
del _abbr, _variants, _variant
_EXTENSIONS = {"EXT", "EXTENSION", "EXTN", "EXTNSN"}
_NAME_PREFIXES = {"MOUNT": "MT", "FORT": "FT"}

ORDINALS = {
    "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH",
    "SIXTH": "6TH", "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH",
    "ELEVENTH": "11TH", "TWELFTH": "12TH", "THIRTEENTH": "13TH", "FOURTEENTH": "14TH",
    "FIFTEENTH": "15TH", "SIXTEENTH": "16TH", "SEVENTEENTH": "17TH", "EIGHTEENTH": "18TH",
    "NINETEENTH": "19TH", "TWENTIETH": "20TH", "THIRTIETH": "30TH", "FORTIETH": "40TH",
    "FIFTIETH": "50TH", "SIXTIETH": "60TH", "SEVENTIETH": "70TH", "EIGHTIETH": "80TH",
    "NINETIETH": "90TH", "HUNDREDTH": "100TH",
}
_TENS = {"TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70,
         "EIGHTY": 80, "NINETY": 90}
_UNIT_ORDINALS = {word: int(ORDINALS[word][:-2]) for word in (
    "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH")}

_BOX_PREFIXES = (  # longest first
    (["POST", "OFFICE", "BOX"], "PO BOX"), (["P", "O", "BOX"], "PO BOX"), (["PO", "BOX"], "PO BOX"),
    (["POB"], "PO BOX"), (["RURAL", "ROUTE"], "RR"), (["RURAL", "RTE"], "RR"), (["RR"], "RR"),
    (["HIGHWAY", "CONTRACT"], "HC"), (["HC"], "HC"),
)

# Publication 28, Appendix C2: secondary unit designators (every spelling -> standard).
UNIT_DESIGNATORS = {
    "APT": "APT", "APARTMENT": "APT", "UNIT": "UNIT", "STE": "STE", "SUITE": "STE",
    "NO": "NO", "NUMBER": "NO", "NUM": "NO", "RM": "RM", "ROOM": "RM", "FL": "FL", "FLR": "FL",
    "FLOOR": "FL", "BLDG": "BLDG", "BUILDING": "BLDG", "LOT": "LOT", "SPC": "SPC",
    "SPACE": "SPC", "TRLR": "TRLR", "TRAILER": "TRLR", "DEPT": "DEPT", "DEPARTMENT": "DEPT",
    "OFC": "OFC", "OFFICE": "OFC", "PH": "PH", "PENTHOUSE": "PH", "BSMT": "BSMT",
    "BASEMENT": "BSMT", "FRNT": "FRNT", "FRONT": "FRNT", "REAR": "REAR", "SIDE": "SIDE",
    "UPPR": "UPPR", "UPPER": "UPPR", "LOWR": "LOWR", "LOWER": "LOWR", "LBBY": "LBBY",
    "LOBBY": "LBBY", "HNGR": "HNGR", "HANGAR": "HNGR", "PIER": "PIER", "SLIP": "SLIP",
    "STOP": "STOP", "KEY": "KEY",
}
_UNITS_WITHOUT_ID = {"BSMT", "FRNT", "LBBY", "LOWR", "OFC", "PH", "REAR", "SIDE", "UPPR"}

_CITY_WORDS = {
    "SAINT": "ST", "SAINTE": "STE", "FORT": "FT", "MOUNT": "MT", "HTS": "HEIGHTS",
    "HGTS": "HEIGHTS", "SPGS": "SPRINGS", "BCH": "BEACH", "JCT": "JUNCTION", "VLG": "VILLAGE",
    "TWP": "TOWNSHIP",
}

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
    # Territories, freely associated states and military "states".
    "PUERTO RICO": "PR", "GUAM": "GU", "AMERICAN SAMOA": "AS", "VIRGIN ISLANDS": "VI",
    "US VIRGIN ISLANDS": "VI", "UNITED STATES VIRGIN ISLANDS": "VI",
    "NORTHERN MARIANA ISLANDS": "MP", "MARSHALL ISLANDS": "MH", "PALAU": "PW",
    "FEDERATED STATES OF MICRONESIA": "FM", "MICRONESIA": "FM",
    "ARMED FORCES AMERICAS": "AA", "ARMED FORCES EUROPE": "AE", "ARMED FORCES PACIFIC": "AP",
    # Common abbreviations (AP style and others) and ways of writing DC.
    "ALA": "AL", "ARIZ": "AZ", "ARK": "AR", "CALIF": "CA", "CAL": "CA", "COLO": "CO",
    "CONN": "CT", "DEL": "DE", "FLA": "FL", "ILL": "IL", "IND": "IN", "KAN": "KS", "KANS": "KS",
    "MASS": "MA", "MICH": "MI", "MINN": "MN", "MISS": "MS", "MONT": "MT", "NEB": "NE",
    "NEBR": "NE", "NEV": "NV", "OKLA": "OK", "ORE": "OR", "OREG": "OR", "PENN": "PA",
    "PENNA": "PA", "TENN": "TN", "TEX": "TX", "WASH": "WA", "WIS": "WI", "WISC": "WI",
    "WYO": "WY", "N CAROLINA": "NC", "S CAROLINA": "SC", "N DAKOTA": "ND", "S DAKOTA": "SD",
    "W VIRGINIA": "WV", "W VA": "WV", "WVA": "WV", "D C": "DC", "WASH DC": "DC",
    "WASHINGTON DC": "DC", "WASHINGTON D C": "DC",
}
STATE_CODES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "AS", "VI", "MP", "MH", "PW", "FM", "AA",
    "AE", "AP", "UM",
}
