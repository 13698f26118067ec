"""Hot spots, cold spots and clusters of any cube measure, with honest significance.

>>> from gcrm import stats
>>> table, meta = stats.hotspots("complaints", level="zip", period="2026-Q3")  # doctest: +SKIP
>>> stats.moran("revenue", level="county", period="2026")["sentence"]        # doctest: +SKIP
'revenue is clustered: I = 0.31, p = 0.001'

The statistics themselves are PySAL's (through the pure ``spatial.stats``); this package
reads the cube as the caller, picks the weights for the level, treats rates as rates and
keeps small cells hidden. See docs/stats.md.
"""

from gcrm.stats.hotspots import MIN_REGIONS, RATES, hotspots, moran

__all__ = ["MIN_REGIONS", "RATES", "hotspots", "moran"]
