"""Hot spots, cold spots and clusters of a cube measure (Overview's "Hot spots" switch)."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from gcrm import stats
from gcrm.access import user_engine as engine_for

# The page's runs are repeatable: the same link shows the same hot spots.
HOTSPOT_SEED = 0
HOTSPOT_PERMUTATIONS = 999
# A region of fewer people than this is "too few": not tested and not shown. The page
# starts at 1 (every region is tested): its choropleth shows every region's value
# already, and leaving small regions out of the weights breaks up the neighbourhoods.
HOTSPOT_MIN_COUNT = 1
HOTSPOT_METHODS = {"off": "Off", "gi": "Hot and cold spots (Gi*)",
                   "lisa": "Clusters and outliers (Local Moran)"}


@st.cache_data(ttl=300, show_spinner="Testing every region against 999 shuffles of the map ...")
def region_hotspots(username: str, measure: str, level: str, period: str, method: str,
                    alpha: float = 0.05, fdr: bool = True,
                    min_count: int = HOTSPOT_MIN_COUNT) -> tuple[gpd.GeoDataFrame, dict]:
    """``gcrm.stats.hotspots`` as the user: every region of ``level`` they may see, with
    its class (hot / cold, or HH / LL / HL / LH, or "not significant", or "too few"),
    z, p and p_fdr; Gi* also says whether a hot spot is new this period (``emerging``).
    The metadata holds the weights, the global Moran's I in words and the scope."""
    return stats.hotspots(measure, level=level, period=period, method=method,
                          permutations=HOTSPOT_PERMUTATIONS, alpha=alpha, fdr=fdr,
                          min_count=min_count, random_state=HOTSPOT_SEED,
                          emerging=1 if method == "gi" else 0,
                          engine=engine_for(username))


__all__ = ["HOTSPOT_METHODS", "HOTSPOT_MIN_COUNT", "HOTSPOT_PERMUTATIONS", "region_hotspots"]
