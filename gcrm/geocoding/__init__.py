"""Offline geocoding against reference data in PostGIS, with a cache; online adapters optional.

Precision levels, best first: ``rooftop`` (an address point), ``interpolated``
(between known house numbers of the street), ``postcode`` (postcode centroid),
``city`` (place centroid), ``none``. Coordinates given in a file are ``provided``.
"""
