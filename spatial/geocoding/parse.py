"""Split addresses into parts: house number, street, unit, city, region, postcode.

Structured street lines (``"1043 Hamil Rd Apt 2"``) take a fast regular
expression; one-line addresses and anything unusual go to usaddress, a
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
    UNIT_DESIGNATORS,
    _clean,
    address_key,
    normalize_city,
    normalize_postcode,
    normalize_region,
    normalize_street,
    normalize_unit,
)

_UNITS = "|".join(sorted(UNIT_DESIGNATORS, key=len, reverse=True))
_STREET_LINE = re.compile(
    rf"^\s*(?P<number>\d+[A-Z]?(?:-\d+[A-Z]?)?)(?:\s+1/2)?\s+(?P<street>[^,#]+?)"
    rf"(?:\s+(?:(?:{_UNITS})\b\.?\s*#?|#)\s*(?P<unit>[A-Z0-9-]+))?\s*$",
    re.IGNORECASE,
)
_NO_NUMBER = re.compile(r"^\s*(?P<street>[A-Za-z][^,#\d]*)\s*$")
_LEADING_INT = re.compile(r"^(\d+)")

_STREET_LABELS = (
    "StreetNamePreModifier", "StreetNamePreDirectional", "StreetNamePreType", "StreetName",
    "StreetNamePostType", "StreetNamePostDirectional", "StreetNamePostModifier",
)


@dataclass(frozen=True)
class ParsedAddress:
    """An address in normalised parts ('' where a part is unknown)."""

    number: str
    street: str
    unit: str
    city: str
    region: str
    postcode: str

    @property
    def number_int(self) -> int | None:
        match = _LEADING_INT.match(self.number)
        return int(match.group(1)) if match else None

    @property
    def key(self) -> str:
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
    """Parse a one-line address and/or structured parts; explicit parts win.

    Examples
    --------
    >>> parse_address("123 N Main St Apt 4, Pittsburgh, PA 15213-1234")
    ParsedAddress(number='123', street='N MAIN ST', unit='4', city='PITTSBURGH', region='PA', \
postcode='15213')
    >>> parse_address(street="1745 T Street Southeast", city="Washington", region="DC").street
    'T ST SE'
    """
    parts = {"number": "", "street": "", "unit": "", "city": "", "region": "", "postcode": ""}
    if line:
        parts.update({k: v for k, v in _parse_line(str(line)).items() if v})
    if street:
        parts.update({k: v for k, v in _parse_street(str(street)).items() if v})
    if unit:
        parts["unit"] = normalize_unit(unit)
    if city:
        parts["city"] = normalize_city(city)
    if region:
        parts["region"] = normalize_region(region)
    if postcode:
        parts["postcode"] = normalize_postcode(postcode)
    return ParsedAddress(**parts)


def parse_addresses(
    streets: Sequence[str | None],
    *,
    units: Sequence[str | None] | None = None,
    cities: Sequence[str | None] | None = None,
    regions: Sequence[str | None] | None = None,
    postcodes: Sequence[str | None] | None = None,
) -> list[ParsedAddress]:
    """:func:`parse_address` over columns of structured parts (repeated values parsed once)."""
    n = len(streets)
    units, cities, regions, postcodes = (
        col if col is not None else [None] * n for col in (units, cities, regions, postcodes)
    )
    for name, col in (("units", units), ("cities", cities), ("regions", regions),
                      ("postcodes", postcodes)):
        if len(col) != n:
            raise ValueError(f"{name} has {len(col)} values but streets has {n}")
    out = []
    for s, u, c, r, p in zip(streets, units, cities, regions, postcodes, strict=True):
        number, street, parsed_unit = _street_parts(_text(s))
        out.append(ParsedAddress(
            number=number,
            street=street,
            unit=_cached_unit(_text(u)) or parsed_unit,
            city=_cached_city(_text(c)),
            region=_cached_region(_text(r)),
            postcode=_cached_postcode(_text(p)),
        ))
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    return str(value)


@lru_cache(maxsize=500_000)
def _street_parts(street: str) -> tuple[str, str, str]:
    parts = _parse_street(street)
    return parts["number"], parts["street"], parts["unit"]


_cached_unit = lru_cache(maxsize=50_000)(normalize_unit)
_cached_city = lru_cache(maxsize=100_000)(normalize_city)
_cached_region = lru_cache(maxsize=10_000)(normalize_region)
_cached_postcode = lru_cache(maxsize=100_000)(normalize_postcode)


def _parse_street(street: str) -> dict[str, str]:
    """A street line: number, street and unit; usaddress when the regex cannot."""
    if not street.strip():
        return {"number": "", "street": "", "unit": ""}
    match = _STREET_LINE.match(street)
    if match and not any(ch.isdigit() for ch in match.group("street").split()[-1][:1]):
        return {
            "number": _clean(match.group("number")).replace(" ", ""),
            "street": normalize_street(match.group("street")),
            "unit": normalize_unit(match.group("unit")),
        }
    match = _NO_NUMBER.match(street)
    if match:
        return {"number": "", "street": normalize_street(match.group("street")), "unit": ""}
    parsed = _parse_line(street)
    return {k: parsed[k] for k in ("number", "street", "unit")}


def _parse_line(line: str) -> dict[str, str]:
    """A one-line address through usaddress; comma-splitting when usaddress gives up."""
    import usaddress

    try:
        tagged, _ = usaddress.tag(line)
    except usaddress.RepeatedLabelError as exc:
        tagged = {}
        for token, label in exc.parsed_string:
            tagged.setdefault(label, token)  # keep the first of each label
    except Exception:  # usaddress may fail on odd bytes; never let parsing raise
        tagged = {}
    if not tagged:
        return _split_on_commas(line)
    street = " ".join(tagged[label] for label in _STREET_LABELS if label in tagged)
    if not street and "USPSBoxType" in tagged:
        street = f"{tagged['USPSBoxType']} {tagged.get('USPSBoxID', '')}"
    number = (tagged.get("AddressNumberPrefix", "") + tagged.get("AddressNumber", "")
              + tagged.get("AddressNumberSuffix", ""))
    return {
        "number": _clean(number).replace(" ", ""),
        "street": normalize_street(street),
        "unit": normalize_unit(tagged.get("OccupancyIdentifier", "")),
        "city": normalize_city(tagged.get("PlaceName", "")),
        "region": normalize_region(tagged.get("StateName", "")),
        "postcode": normalize_postcode(tagged.get("ZipCode", "")),
    }


def _split_on_commas(line: str) -> dict[str, str]:
    pieces = [p.strip() for p in line.split(",")]
    out = {"number": "", "street": "", "unit": "", "city": "", "region": "", "postcode": ""}
    first = _STREET_LINE.match(pieces[0]) if pieces else None
    if first:
        out["number"] = _clean(first.group("number")).replace(" ", "")
        out["street"] = normalize_street(first.group("street"))
        out["unit"] = normalize_unit(first.group("unit"))
    if len(pieces) >= 2:
        out["city"] = normalize_city(pieces[1])
    if len(pieces) >= 3:
        tail = pieces[2].split()
        if tail:
            out["region"] = normalize_region(tail[0])
        if len(tail) >= 2:
            out["postcode"] = normalize_postcode(tail[-1])
    return out
