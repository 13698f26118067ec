"""Territory design: balanced, contiguous, compact territories over areas (any region
level or H3 cells), pure functions on arrays and GeoDataFrames.

>>> from spatial import territory
>>> plan = territory.from_geodataframe(counties, ["accounts"], n_territories=8)  # doctest: +SKIP
>>> table, summary = territory.plan_metrics(plan.labels_, counties[["accounts"]])
"""

from spatial.territory.design import TerritoryDesign, design
from spatial.territory.frames import AreaGraph, area_graph, from_geodataframe
from spatial.territory.graph import adjacency, bridge_islands, is_connected
from spatial.territory.metrics import plan_metrics

__all__ = ["AreaGraph", "TerritoryDesign", "adjacency", "area_graph", "bridge_islands",
           "design", "from_geodataframe", "is_connected", "plan_metrics"]
