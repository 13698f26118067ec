"""From a GeoDataFrame of areas to the arrays territory design works on, and back."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from spatial.crs import equal_area_crs
from spatial.territory.design import TerritoryDesign
from spatial.territory.graph import adjacency, bridge_islands


@dataclass
class AreaGraph:
    """Areas ready for design: projected polygons and centroids (metres), the adjacency
    with islands bridged, and the bridges added (pairs of row positions)."""

    geometries: np.ndarray
    centroids: np.ndarray
    neighbours: list[np.ndarray]
    bridges: list[tuple[int, int]]
    crs: object


def area_graph(gdf: gpd.GeoDataFrame, *, predicate: str = "rook") -> AreaGraph:
    """Project ``gdf`` to an equal-area CRS centred on it, find neighbours, bridge islands."""
    if gdf.crs is None:
        raise ValueError("the areas need a CRS (EPSG:4326 for longitude/latitude)")
    if gdf.empty:
        raise ValueError("there are no areas to design territories over")
    crs = equal_area_crs(gdf)
    projected = gdf.geometry.to_crs(crs)
    geometries = projected.to_numpy()
    centroids = np.column_stack([projected.centroid.x, projected.centroid.y])
    neighbours, bridges = bridge_islands(adjacency(geometries, predicate=predicate),
                                         centroids)
    return AreaGraph(geometries, centroids, neighbours, bridges, crs)


def from_geodataframe(gdf: gpd.GeoDataFrame, workload_columns: list[str], *,
                      n_territories: int, homes: gpd.GeoSeries | None = None,
                      current_column: str | None = None, predicate: str = "rook",
                      graph: AreaGraph | None = None, **options) -> TerritoryDesign:
    """Design ``n_territories`` over the rows of ``gdf`` balancing ``workload_columns``.

    homes: the reps' home points (any CRS), one per territory, in territory order.
    current_column: the current territory (0..K-1, or -1) per row, used with
    ``keep_current=True``. Other options go to :class:`TerritoryDesign`. The solved
    design's ``labels_`` follow the rows of ``gdf``.
    """
    missing = [c for c in workload_columns if c not in gdf.columns]
    if missing:
        raise ValueError(f"no column {', '.join(missing)}; the areas have "
                         f"{', '.join(map(str, gdf.columns))}")
    graph = graph or area_graph(gdf, predicate=predicate)
    if homes is not None:
        homes = homes.to_crs(graph.crs)
        options["homes"] = np.column_stack([homes.x, homes.y])
    if current_column is not None:
        options["current"] = gdf[current_column].to_numpy()
    workloads = gdf[workload_columns].to_numpy(dtype=float)
    return TerritoryDesign(n_territories, **options).solve(graph.neighbours, workloads,
                                                           graph.centroids)
