"""Address normalising and parsing: pure functions, no database."""

from spatial.geocoding.normalize import (
    address_key,
    normalize_city,
    normalize_postcode,
    normalize_region,
    normalize_street,
    normalize_unit,
)
from spatial.geocoding.parse import ParsedAddress, parse_address, parse_addresses

__all__ = [
    "ParsedAddress",
    "address_key",
    "normalize_city",
    "normalize_postcode",
    "normalize_region",
    "normalize_street",
    "normalize_unit",
    "parse_address",
    "parse_addresses",
]
