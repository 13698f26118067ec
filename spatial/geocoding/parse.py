"""Split addresses into parts: house number, street, unit, city, region, postcode.

Structured street lines (``"1043 Hamil Rd Apt 2"``) take a fast regular
expression, and so do one-line addresses of the usual comma-separated shape
(``"<street>, <city>, <state> <ZIP>"``); anything else goes to usaddress, a
conditional-random-field parser for US addresses. Odd input never raises: the
result holds whatever could be found. Other countries can add a parser beside
this one and keep :class:`ParsedAddress`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from spatial.geocoding.normalize import (
    DIRECTIONALS,
    STATE_CODES,
    SUFFIXES,
    _as_text,
    _normalize_number,
    address_key,
    normalize_city,
    normalize_postcode,
    normalize_region,
    normalize_street,
    normalize_unit,
)

__all__ = ["ParsedAddress", "parse_address", "parse_addresses"]


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """An address in normalised parts (``""`` where a part is unknown).

    Attributes
    ----------
    number : str
        House number, e.g. ``"123"``, ``"123A"``, ``"1 1/2"``, ``"N123W456"``.
    street : str
        :func:`~spatial.geocoding.normalize_street` of the whole street.
    unit, city, region, postcode : str
        :func:`~spatial.geocoding.normalize_unit`, ``normalize_city``,
        ``normalize_region`` and ``normalize_postcode`` of those parts.

    Examples
    --------
    >>> a = ParsedAddress("123A", "N MAIN ST", "4", "PITTSBURGH", "PA", "15213")
    >>> a.number_int, a.key
    (123, '123A|N MAIN ST|4|PITTSBURGH|PA|15213')
    """

    number: str
    street: str
    unit: str
    city: str
    region: str
    postcode: str

    @property
    def number_int(self) -> int | None:
        """The leading integer of the house number (``"123A"`` -> 123), None if there is none."""
        match = _LEADING_INT.match(self.number)
        return int(match.group(1)) if match else None

    @property
    def key(self) -> str:
        """:func:`~spatial.geocoding.address_key` of the parts: equal for equal addresses."""
        return address_key(self.number, self.street, self.unit, self.city, self.region,
                           self.postcode)


def parse_address(
    line: str | None = None,
    *,
    street: str | None = None,
    unit: str | None = None,
    city: str | None = None,
    region: str | None = None,
    postcode: str | None = None,
) -> ParsedAddress:
    """Parse a one-line address and/or structured parts into a :class:`ParsedAddress`.

    Parameters
    ----------
    line : str or None
        A whole address on one line, e.g. ``"123 N Main St Apt 4, Pittsburgh, PA 15213"``.
    street : str or None
        House number and street, maybe with a unit: ``"1043 Hamil Rd Apt 2"``. When
        given, number and street come from it (and the unit, if it has one), not from
        ``line``.
    unit, city, region, postcode : str or None
        Structured parts; each one given overrides what ``line`` or ``street`` held.

    Returns
    -------
    ParsedAddress
        What could be found; never raises on odd or garbage text.

    Raises
    ------
    TypeError
        If an argument is neither a string, a number nor None.

    Examples
    --------
    >>> parse_address("123 N Main St Apt 4, Pittsburgh, PA 15213-1234")
    ParsedAddress(number='123', street='N MAIN ST', unit='4', city='PITTSBURGH', region='PA', \
postcode='15213')
    >>> parse_address(street="1745 T Street Southeast", city="Washington", region="DC").street
    'T ST SE'
    """
    texts = {
        name: _as_text(value, f"parse_address({name})")
        for name, value in (("line", line), ("street", street), ("unit", unit), ("city", city),
                            ("region", region), ("postcode", postcode))
    }
    parts = dict.fromkeys(("number", "street", "unit", "city", "region", "postcode"), "")
    if texts["line"].strip():
        parts.update(_parse_line(texts["line"]))
    if texts["street"].strip():
        parts["number"], parts["street"], found_unit = _street_parts(texts["street"])
        parts["unit"] = found_unit or parts["unit"]
    for name, normalise in (("unit", normalize_unit), ("city", normalize_city),
                            ("region", normalize_region), ("postcode", normalize_postcode)):
        if texts[name].strip():
            parts[name] = normalise(texts[name])
    return ParsedAddress(**parts)


def parse_addresses(
    streets: Sequence[str | None],
    *,
    units: Sequence[str | None] | None = None,
    cities: Sequence[str | None] | None = None,
    regions: Sequence[str | None] | None = None,
    postcodes: Sequence[str | None] | None = None,
) -> list[ParsedAddress]:
    """:func:`parse_address` over columns of structured parts, fast.

    Repeated values are parsed once (cached), and typical street lines take a
    regular expression rather than usaddress.

    Parameters
    ----------
    streets : sequence of str or None
        House number and street per address (lists, tuples, pandas Series, ...).
    units, cities, regions, postcodes : sequence of str or None, optional
        Same length as ``streets``; None means the column is absent. A unit
        column value, when present, wins over a unit found in the street line.
        None and NaN cells are empty.

    Returns
    -------
    list of ParsedAddress
        One per street, in order.

    Raises
    ------
    TypeError
        If a column is a single string rather than a sequence, or a cell is neither
        a string, a number nor None.
    ValueError
        If a column's length differs from that of ``streets``.

    Examples
    --------
    >>> [p.key for p in parse_addresses(["12B Oak Ave", "1043 Hamil Rd Apt 2"],
    ...                                 cities=["Springfield", "Erie"], regions=["IL", "PA"])]
    ['12B|OAK AVE||SPRINGFIELD|IL|', '1043|HAMIL RD|2|ERIE|PA|']
    """
    n = _column_length(streets, "streets")
    columns = {}
    for name, col in (("units", units), ("cities", cities), ("regions", regions),
                      ("postcodes", postcodes)):
        if col is None:
            columns[name] = [None] * n
        elif _column_length(col, name) != n:
            raise ValueError(f"{name} has {len(col)} values but streets has {n}")
        else:
            columns[name] = col
    out = []
    rows = zip(streets, columns["units"], columns["cities"], columns["regions"],
               columns["postcodes"], strict=True)
    for i, (s, u, c, r, p) in enumerate(rows):
        number, street, found_unit = _street_parts(_cell(s, "streets", i))
        out.append(ParsedAddress(
            number, street,
            normalize_unit(_cell(u, "units", i)) or found_unit,
            normalize_city(_cell(c, "cities", i)),
            normalize_region(_cell(r, "regions", i)),
            normalize_postcode(_cell(p, "postcodes", i)),
        ))
    return out


# --- private helpers -----------------------------------------------------------------------------

_LEADING_INT = re.compile(r"^(\d+)")
# Designators that never name a street take any identifier ("Apt B"); the others only a
# number ("Lot 5", "Fl 2"), so that "Key Rd" or "North Front Street" stay streets.
_STRONG_DESIGNATORS = {"APT", "APARTMENT", "UNIT", "STE", "SUITE", "RM", "ROOM", "BLDG",
                       "BUILDING", "DEPT", "TRLR", "SPC"}
_WEAK_DESIGNATORS = {"FL", "FLR", "FLOOR", "LOT", "NO", "NUM", "NUMBER", "SPACE", "PIER",
                     "SLIP", "HNGR", "HANGAR", "TRAILER", "OFC", "OFFICE", "DEPARTMENT"}
_STRONG = "|".join(sorted(_STRONG_DESIGNATORS, key=len, reverse=True))
_WEAK = "|".join(sorted(_WEAK_DESIGNATORS, key=len, reverse=True))


def _unit_pattern(lead: str) -> str:
    """A designator and identifier (or ``#`` and identifier) after ``lead``."""
    return (
        rf"(?:{lead}(?:{_STRONG})(?:\b|(?=\d))\.?\s*#?\s*(?P<unit>[A-Z0-9][A-Z0-9-]*)"
        rf"|{lead}(?:{_WEAK})\b\.?\s*#?\s*(?P<unit_no>\d[A-Z0-9-]*)"
        rf"|\s*,?\s*#\s*(?:(?:{_STRONG})\b\.?\s*)?(?P<unit_hash>[A-Z0-9][A-Z0-9-]*))"
    )


_BREAK = r"(?:\s+|\s*,\s*)"  # before a unit designator: a space or a comma
_STREET_LINE = re.compile(
    r"^\s*(?P<number>\d+(?:\.0+)?[A-Z]?(?:-\d+[A-Z]?)?)(?P<fraction>\s+\d/\d)?\s+"
    r"(?P<street>[^,#\s][^,#]*?)" + _unit_pattern(_BREAK) + r"?[\s,.]*$",
    re.IGNORECASE,
)
_NO_NUMBER = re.compile(r"^\s*(?P<street>[A-Za-z][^,#\d]*?)[\s,.]*$")
_UNIT_PIECE = re.compile("^" + _unit_pattern(r"\s*") + r"[\s.]*$", re.IGNORECASE)
_BARE_UNIT = re.compile(r"^(?:[A-Z]|[A-Z]?\d[A-Z0-9-]*)$", re.IGNORECASE)  # "B", "4", "2F"
_ZIP_TOKEN = re.compile(r"^\d{5}(?:-\d{4})?$")
_COUNTRIES = {"US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA"}
# Units that need no number ("12 Main St Rear"), taken from the end of a street line.
_TRAILING_UNITS = {"REAR", "BSMT", "BASEMENT", "PH", "PENTHOUSE", "UPPR", "LOWR", "FRNT", "LBBY"}
# "Route 66", "US Highway 98": types followed by a number that is the street's name.
_NUMBERED_TYPES = {"RTE", "HWY", "FWY", "EXPY", "TPKE", "BYP"}
_NAME_QUALIFIERS = {"OLD", "NEW", "US", "STATE", "COUNTY", "CO", "FM", "SR", "CR", "FOREST",
                    "FARM", "RANCH", "TOWNSHIP", "TWP", "PARISH", "TOWN", "FIRE", "PRIVATE",
                    "INTERSTATE", "I"}
_STREET_LABELS = {
    "StreetNamePreModifier", "StreetNamePreDirectional", "StreetNamePreType", "StreetName",
    "StreetNamePostType", "StreetNamePostDirectional", "StreetNamePostModifier",
}
_BOX_LABELS = ("USPSBoxGroupType", "USPSBoxGroupID", "USPSBoxType", "USPSBoxID")


def _column_length(col: object, name: str) -> int:
    if isinstance(col, str | bytes) or not hasattr(col, "__len__"):
        raise TypeError(f"parse_addresses: {name} must be a sequence of strings (a list, tuple "
                        f"or Series), got {type(col).__name__}")
    return len(col)


def _cell(value: object, name: str, i: int) -> str:
    if value.__class__ is str:
        return value
    return _as_text(value, f"parse_addresses: {name}[{i}]")


@lru_cache(maxsize=131_072)
def _street_parts(line: str) -> tuple[str, str, str]:
    """Number, normalised street and unit of a street line; usaddress when the regex cannot."""
    if not line.strip():
        return "", "", ""
    fast = _fast_street(line)
    if fast is not None:
        return fast
    parsed = _usaddress_parts(line)
    return parsed["number"], parsed["street"], parsed["unit"]


def _fast_street(line: str) -> tuple[str, str, str] | None:
    """``<number> <street words> [unit]`` by regular expression; None when unsure."""
    match = _STREET_LINE.match(line)
    if match:
        words = match.group("street").upper().split()
        if not _STRONG_DESIGNATORS.isdisjoint(words):
            return None  # "12 Main St Apt", "12 Main St Apt 4 Rear": for usaddress
        unit = match.group("unit") or match.group("unit_no") or match.group("unit_hash") or ""
        if not unit and len(words) >= 3 and _ends_with_unit(words):
            unit = words.pop()  # "12 Main St 4", "12 Holland Ct D", "12 Main St Rear"
        number = match.group("number") + (match.group("fraction") or "")
        return (_normalize_number(number), normalize_street(" ".join(words)),
                normalize_unit(unit))
    match = _NO_NUMBER.match(line)
    if match and _STRONG_DESIGNATORS.isdisjoint(match.group("street").upper().split()):
        return "", normalize_street(match.group("street")), ""
    return None


def _ends_with_unit(words: list[str]) -> bool:
    """Whether the last word of a street is a unit written without designator.

    A number or lone letter after a street type is a unit (``MAIN ST 4``, ``HOLLAND CT
    D``) unless the type starts the name (``AVENUE 50``, ``N AVENUE 50``, ``COUNTY ROAD
    97``) or takes a number (``ROUTE 66``); after any other word it is the name
    (``VERMONT 113``). Units needing no number end it too (``MAIN ST REAR``).
    """
    words = [w.rstrip(".") for w in words]
    last = words.pop()
    if len(words) >= 3 and words[-1] in DIRECTIONALS and words[-2] in SUFFIXES:
        words.pop()  # "GLENOAK LANE NORTHWEST B": the unit follows a post-directional
    kind = words.pop()
    if last in _TRAILING_UNITS:
        return kind in SUFFIXES
    if not (last[:1].isdigit() or (len(last) == 1 and last.isalpha() and last not in "NSEW")):
        return False
    if kind not in SUFFIXES or SUFFIXES[kind] in _NUMBERED_TYPES:
        return False
    return not all(w in DIRECTIONALS or w in _NAME_QUALIFIERS for w in words)


def _parse_line(line: str) -> dict[str, str]:
    """A one-line address, normalised: ``street, city, ST zip`` by hand, else usaddress."""
    return _fast_line(line) or _usaddress_parts(line)


def _fast_line(line: str) -> dict[str, str] | None:
    """``<street line>[, <unit>], <city>[,] <US state> [<ZIP>][, USA]``; None when unsure."""
    pieces = [p.strip() for p in line.split(",") if p.strip()]
    if pieces and pieces[-1].upper().replace(".", "") in _COUNTRIES:
        pieces.pop()
    if len(pieces) < 2:
        return None
    tokens = pieces[-1].split()
    postcode = tokens.pop() if tokens and _ZIP_TOKEN.match(tokens[-1]) else ""
    if len(pieces) == 2:  # "123 Main St, Louisville KY 40219": leave the city a word if possible
        sizes = [*range(min(4, len(tokens) - 1), 0, -1), *([len(tokens)] if tokens else [])]
    else:
        sizes = list(range(min(4, len(tokens)), 0, -1))
    region, city_words = "", []
    for k in sizes:
        code = normalize_region(" ".join(tokens[-k:]))
        if code in STATE_CODES:
            region, city_words = code, tokens[:-k]
            break
    if not region:
        return None
    if city_words:
        city, street_pieces = " ".join(city_words), pieces[:-1]
    elif len(pieces) == 2:
        city, street_pieces = "", pieces[:1]  # "123 Main St, VT 05753": no city
    else:
        city, street_pieces = pieces[-2], pieces[:-2]
    if any(ch.isdigit() for ch in city) or "#" in city:
        return None
    street = _fast_street(street_pieces[0])
    if street is None or not street[1] or not (city or street[0]):
        return None  # "Pittsburgh, PA" is a city, not a street
    number, street_name, unit = street
    for piece in street_pieces[1:]:  # "123 Main St, Apt 4, ..." or "123 Main St, B, ..."
        match = _UNIT_PIECE.match(piece)
        if match:
            unit = normalize_unit(match.group("unit") or match.group("unit_no")
                                  or match.group("unit_hash"))
        elif _BARE_UNIT.match(piece):
            unit = normalize_unit(piece)
        else:
            return None
    return {"number": number, "street": street_name, "unit": unit,
            "city": normalize_city(city), "region": region,
            "postcode": normalize_postcode(postcode)}


def _usaddress_parts(line: str) -> dict[str, str]:
    """A one-line address through usaddress, normalised; comma-splitting when it finds nothing."""
    return dict(_usaddress_cached(line))


@lru_cache(maxsize=100_000)
def _usaddress_cached(line: str) -> tuple[tuple[str, str], ...]:
    return tuple(_usaddress_uncached(line).items())


def _usaddress_uncached(line: str) -> dict[str, str]:
    tagged = _tag(line)
    if not tagged:
        return _split_on_commas(line)
    street = " ".join(v for k, v in tagged.items() if k in _STREET_LABELS)
    if not street and ("USPSBoxType" in tagged or "USPSBoxGroupType" in tagged):
        street = " ".join(tagged[k] for k in _BOX_LABELS if k in tagged)
    number = " ".join(tagged[k] for k in ("AddressNumberPrefix", "AddressNumber",
                                          "AddressNumberSuffix") if k in tagged)
    unit_labels = (("OccupancyType", "OccupancyIdentifier")
                   if "OccupancyIdentifier" in tagged or "OccupancyType" in tagged
                   else ("SubaddressType", "SubaddressIdentifier"))
    return {
        "number": _normalize_number(number) if number else "",
        "street": normalize_street(street),
        "unit": normalize_unit(" ".join(tagged[k] for k in unit_labels if k in tagged)),
        "city": normalize_city(tagged.get("PlaceName")),
        "region": normalize_region(tagged.get("StateName")),
        "postcode": normalize_postcode(tagged.get("ZipCode")),
    }


def _tag(line: str) -> dict[str, str]:
    """usaddress labels -> text; on repeated labels, the first run of each label."""
    import usaddress  # imported here: loading its model costs time only when it is needed

    try:
        tagged, _ = usaddress.tag(line)
        return dict(tagged)
    except usaddress.RepeatedLabelError as exc:
        pairs = exc.parsed_string
    except Exception:  # usaddress may fail on odd bytes; parsing never raises
        return {}
    runs: dict[str, str] = {}
    closed: set[str] = set()
    previous = None
    for token, label in pairs:
        if previous is not None and label != previous:
            closed.add(previous)
        if label not in runs:
            runs[label] = token
        elif label not in closed:
            runs[label] += " " + token
        previous = label
    if "OccupancyType" in runs and runs.get("OccupancyIdentifier", "").strip("# ") == "":
        # "#APT 000003" reads as identifier "#", type "APT", identifier "000003"
        identifiers = [t for t, label in pairs if label == "OccupancyIdentifier"]
        runs["OccupancyIdentifier"] = " ".join(identifiers)
    return runs


def _split_on_commas(line: str) -> dict[str, str]:
    """Last resort: ``street, city, region postcode`` by position."""
    pieces = [p.strip() for p in line.split(",")]
    out = dict.fromkeys(("number", "street", "unit", "city", "region", "postcode"), "")
    out["number"], out["street"], out["unit"] = _fast_street(pieces[0]) or ("", "", "")
    if len(pieces) >= 2:
        out["city"] = normalize_city(pieces[1])
    if len(pieces) >= 3:
        tail = pieces[2].split()
        if tail:
            out["region"] = normalize_region(tail[0])
        if len(tail) >= 2:
            out["postcode"] = normalize_postcode(tail[-1])
    return out
