"""Optional online geocoders (geopy providers such as Nominatim) behind the offline interface.

Nothing here is used unless configured: ``GCRM_GEOCODER_PROVIDER=nominatim``
(any geopy provider name), ``GCRM_GEOCODER_USER_AGENT`` (required by most
providers' terms), ``GCRM_GEOCODER_MIN_DELAY`` seconds between requests (1.0
respects Nominatim's usage policy). Install with ``pip install gcrm[online]``.
The tests never call an online service.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import pandas as pd

from gcrm.errors import ConfigurationError
from spatial.geocoding import ParsedAddress

RESULT_COLUMNS = ["lon", "lat", "precision", "score", "matched"]
# Nominatim's place ranks / address types -> gcrm precision
_PRECISION_BY_TYPE = {
    "house": "rooftop", "building": "rooftop", "residential": "interpolated",
    "street": "interpolated", "road": "interpolated", "postcode": "postcode",
    "city": "city", "town": "city", "village": "city", "hamlet": "city",
}


class OnlineGeocoder:
    """Rate-limited adapter over a geopy geocoder's ``geocode(query)``.

    ``lookup`` is the provider's geocode callable; :func:`from_settings` builds
    one from geopy. Results use the same columns as the offline geocoder.
    """

    def __init__(self, lookup: Callable, *, min_delay_seconds: float = 1.0, name: str = "online"):
        if min_delay_seconds < 0:
            raise ValueError("min_delay_seconds must be >= 0")
        self.lookup = lookup
        self.min_delay_seconds = min_delay_seconds
        self.name = name
        self._last = float("-inf")  # the first request never waits

    def geocode_batch(self, addresses: Sequence[ParsedAddress]) -> pd.DataFrame:
        rows = [self._one(address) for address in addresses]
        return pd.DataFrame(rows, columns=RESULT_COLUMNS)

    def _one(self, address: ParsedAddress) -> tuple:
        wait = self._last + self.min_delay_seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()
        query = ", ".join(p for p in (f"{address.number} {address.street}".strip(), address.city,
                                      f"{address.region} {address.postcode}".strip()) if p)
        location = self.lookup(query)
        if location is None:
            return (None, None, "none", 0.0, None)
        raw = getattr(location, "raw", {}) or {}
        kind = raw.get("addresstype") or raw.get("type") or ""
        precision = _PRECISION_BY_TYPE.get(kind, "city")
        score = float(raw.get("importance", 0.5) or 0.5)
        return (location.longitude, location.latitude, precision, min(max(score, 0.0), 1.0),
                getattr(location, "address", None))


def configured_geocoder() -> OnlineGeocoder | None:
    """The online geocoder the settings ask for, or None when none is configured."""
    from gcrm.config import get_settings

    settings = get_settings()
    if not settings.geocoder_provider:
        return None
    return from_settings(settings.geocoder_provider, user_agent=settings.geocoder_user_agent,
                         min_delay_seconds=settings.geocoder_min_delay)


def from_settings(provider: str, *, user_agent: str | None, min_delay_seconds: float = 1.0):
    """Build an :class:`OnlineGeocoder` for a geopy provider name (e.g. 'nominatim')."""
    try:
        from geopy.geocoders import get_geocoder_for_service
    except ImportError:
        raise ConfigurationError(
            "Online geocoding needs geopy: pip install 'gcrm[online]'."
        ) from None
    if not user_agent:
        raise ConfigurationError(
            "Set GCRM_GEOCODER_USER_AGENT (your app name and contact) to use an online geocoder."
        )
    service = get_geocoder_for_service(provider)(user_agent=user_agent)
    return OnlineGeocoder(service.geocode, min_delay_seconds=min_delay_seconds, name=provider)
