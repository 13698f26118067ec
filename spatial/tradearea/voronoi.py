"""Thiessen (Voronoi) trade areas: the land nearer to each site than to any other."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from spatial.tradearea._geodesy import aeqd, project
from spatial.tradearea._sites import site_points

DEFAULT_MARGIN_KM = 10.0
_DENSIFY_DEGREES = 0.01  # the extent's edges get a vertex every ~1 km before projecting


def thiessen(sites: gpd.GeoDataFrame, extent=None) -> gpd.GeoDataFrame:
    """The Thiessen polygon of each site: the part of ``extent`` nearer to it than to any
    other site.

    Parameters
    ----------
    sites : GeoDataFrame
        Points with a unique ``site`` id column and a CRS; at least one, no two at the
        same location.
    extent : shapely geometry, GeoSeries or GeoDataFrame, optional
        The area to divide: a (multi)polygon in EPSG:4326 (a GeoSeries/GeoDataFrame may
        be in any CRS). Default: the convex hull of the sites buffered by 10 km.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per site in the sites' order: ``site``, ``geometry`` (Polygon
        or MultiPolygon; empty for a site whose whole cell falls outside a given extent).
        The cells partition the extent. One site: its cell is the extent.

    Notes
    -----
    The diagram is computed in an azimuthal equidistant projection (WGS84) centred on the
    middle of the sites. Straight-line distances there are the true geodesic distances
    from the centre and stretched by about (r / R)^2 / 6 across (r: distance from the
    centre, R: the Earth's radius): 4e-5 at 100 km, 0.4% at 1,000 km, the same in every
    direction near the centre. An equal-area projection would distort distances more
    (its scales differ by (r / R)^2 / 4 between directions), and nearness is what a
    Thiessen cell is about. So within a metro area a cell's border lies within a metre
    or so of the true geodesic bisector; across a continent it can be kilometres off.

    Raises ValueError for no site, two sites at one location (naming them), sites that
    are not points, and an extent that is not a polygon.

    Examples
    --------
    >>> cells = thiessen(stores)  # doctest: +SKIP
    >>> cells.geometry.contains(stores.geometry).all()  # doctest: +SKIP
    True
    """
    ids, lon, lat = site_points(sites)
    if len(ids) == 0:
        raise ValueError("a Thiessen diagram needs at least one site; none were given")
    centre_lon = (lon.min() + lon.max()) / 2
    centre_lat = (lat.min() + lat.max()) / 2
    transformer = aeqd(centre_lon, centre_lat)
    x, y = transformer.transform(lon, lat)
    xy = np.column_stack([x, y])
    _no_twins(ids, lon, lat, xy)
    if extent is None:
        area = shapely.convex_hull(shapely.multipoints(xy)).buffer(DEFAULT_MARGIN_KM * 1000,
                                                                   quad_segs=16)
    else:
        area = project(shapely.segmentize(_extent(extent), _DENSIFY_DEGREES), transformer)
    if len(ids) == 1:
        cells = np.array([area], dtype=object)
    else:
        diagram = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=area,
                                           ordered=True)
        cells = shapely.intersection(shapely.get_parts(diagram), area)
    cells = np.array([_polygonal(cell) for cell in cells], dtype=object)
    return gpd.GeoDataFrame({"site": ids},
                            geometry=project(cells, transformer, inverse=True), crs=4326)


def _no_twins(ids, lon, lat, xy) -> None:
    pairs = sorted(cKDTree(xy).query_pairs(r=1e-3))  # within a millimetre
    if pairs:
        shown = "; ".join(f"{ids[i]!r} and {ids[j]!r} at ({lon[i]:.6f}, {lat[i]:.6f})"
                          for i, j in pairs[:5])
        more = f" and {len(pairs) - 5} more pairs" if len(pairs) > 5 else ""
        raise ValueError(f"sites at the same location have no Thiessen polygon of their own: "
                         f"{shown}{more}; merge them or drop one")


def _extent(extent):
    if isinstance(extent, gpd.GeoDataFrame | gpd.GeoSeries):
        if extent.crs is None:
            raise ValueError("the extent has no CRS; set one (EPSG:4326 for longitude/latitude)")
        extent = extent.to_crs(4326).union_all()
    if not isinstance(extent, shapely.Geometry):
        raise ValueError(f"the extent must be a shapely (multi)polygon in EPSG:4326, not "
                         f"{type(extent).__name__}")
    if not extent.is_valid:
        extent = shapely.make_valid(extent)
    extent = _polygonal(extent)
    if extent.is_empty:
        raise ValueError("the extent has no area: give a polygon or multipolygon in "
                         "EPSG:4326 (longitude, latitude)")
    return extent


def _polygonal(geom):
    """The polygons of ``geom`` (dropping lines and points a clip can leave)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()

