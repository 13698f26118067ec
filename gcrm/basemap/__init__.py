"""The base map: OpenStreetMap extracts (or the geocoding reference) in PostGIS, served as
vector tiles under every dashboard map, drawn in reports, searched by place name.

>>> from gcrm import basemap
>>> basemap.load("delaware-latest.osm.pbf")          # doctest: +SKIP
>>> basemap.tile(13, 2383, 3101)                      # doctest: +SKIP
>>> basemap.features((-75.6, 39.7, -75.5, 39.8))      # doctest: +SKIP
>>> basemap.places.search("Dover", limit=5)           # doctest: +SKIP

See docs/basemap.md.
"""

from gcrm.basemap import places
from gcrm.basemap.layers import LAYER_NAMES
from gcrm.basemap.load import LoadSummary, basemaps, load, store
from gcrm.basemap.reference import build_from_reference
from gcrm.basemap.tiles import clear_cache, features, tile, tiles_covering

__all__ = ["LAYER_NAMES", "LoadSummary", "basemaps", "build_from_reference", "clear_cache",
           "features", "load", "places", "store", "tile", "tiles_covering"]
