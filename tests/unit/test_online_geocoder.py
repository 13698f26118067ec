"""The online adapter maps a provider's answers to gcrm's precision levels and waits
between requests. No online service is called: the provider here is a local function."""

from dataclasses import dataclass, field

import pytest

from gcrm.errors import ConfigurationError
from gcrm.geocoding.online import OnlineGeocoder, from_settings
from spatial.geocoding import parse_address


@dataclass
class Location:
    latitude: float
    longitude: float
    address: str
    raw: dict = field(default_factory=dict)


def test_answers_map_to_precision_and_queries_are_spaced(monkeypatch):
    clock = {"now": 0.0, "slept": []}
    monkeypatch.setattr("time.monotonic", lambda: clock["now"])
    monkeypatch.setattr("time.sleep", lambda s: clock["slept"].append(s))
    asked = []

    def provider(query):
        asked.append(query)
        if "NOWHERE" in query:
            return None
        return Location(40.44, -79.99, "1 Main St", {"addresstype": "house", "importance": 0.9})

    geocoder = OnlineGeocoder(provider, min_delay_seconds=1.0)
    frame = geocoder.geocode_batch([parse_address("1 Main St, Pittsburgh, PA 15213"),
                                    parse_address("5 Nowhere Rd, Atlantis")])
    assert asked[0] == "1 MAIN ST, PITTSBURGH, PA 15213"
    assert frame["precision"].tolist() == ["rooftop", "none"]
    assert frame.loc[0, "lon"] == -79.99
    assert clock["slept"] == [1.0]  # the second request waited for the first


def test_a_provider_needs_a_user_agent():
    with pytest.raises(ConfigurationError, match="GCRM_GEOCODER_USER_AGENT"):
        from_settings("nominatim", user_agent=None)
