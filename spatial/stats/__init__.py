"""Spatial statistics on regions: weights, hot spots (Getis-Ord Gi*, Local Moran's I),
global Moran's I and emerging hot spots. Pure: numbers and geometries in, tables out;
the statistics themselves are PySAL's (``libpysal`` weights, ``esda`` statistics)."""

from spatial.stats.hotspots import emerging, global_moran, hot_periods, hotspots
from spatial.stats.weights import region_weights

__all__ = ["emerging", "global_moran", "hot_periods", "hotspots", "region_weights"]
