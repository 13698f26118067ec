"""A base map made from the geocoding reference: streets from address points, towns from
places, and roads joining the towns. The demo world's base map (``gcrm demo``) and a
fallback for any world without an OpenStreetMap extract.

Streets: the address points of one street in one postcode, paired across the street by
house number and joined in number order (``sql.STREETS_FROM_REFERENCE``). Towns: the
reference's places, sized by population. Roads between towns: the minimum spanning tree of
the towns' Delaunay triangulation (the shortest network that joins every town), major
where it joins two big towns. Buildings (optional, for generated worlds): a small square
beside each address point. No water: the reference says nothing about it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from gcrm.basemap import sql
from gcrm.basemap.layers import min_zoom, place_kind
from gcrm.basemap.load import LoadSummary, store
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from spatial.crs import equal_area_crs

BIG_TOWN = 8_000  # people: a road joining two such towns is a major one


def build_from_reference(name: str = "demo", *, buildings: bool = False,
                         attribution: str | None = None,
                         engine: Engine | None = None) -> LoadSummary:
    """Build and store base map ``name`` from the loaded geocoding reference."""
    engine = engine or get_engine()
    with engine.connect() as conn:
        streets = conn.execute(text(sql.STREETS_FROM_REFERENCE)).all()
        places = pd.DataFrame(conn.execute(text(sql.PLACES_FROM_REFERENCE)).mappings().all(),
                              columns=["name", "region", "population", "lon", "lat"])
        houses = conn.execute(text(sql.BUILDINGS_FROM_REFERENCE)).all() if buildings else []
    if not streets and places.empty:
        raise InvalidInput("The geocoding reference is empty: load addresses and places "
                           "(`gcrm reference load`) or an OpenStreetMap extract "
                           "(`gcrm basemap load`).")
    parts = [_streets(streets), _towns(places), _town_roads(places)]
    if houses:
        squares = shapely.from_wkb([bytes(h.wkb) for h in houses])
        parts.append(gpd.GeoDataFrame({"layer": "buildings", "kind": "house", "name": None},
                                      index=range(len(squares)), geometry=squares, crs=4326))
    frame = gpd.GeoDataFrame(pd.concat([p for p in parts if len(p)], ignore_index=True),
                             geometry="geometry", crs=4326)
    frame["min_zoom"] = min_zoom(frame["layer"], frame["kind"],
                                 population=frame.get("population"))
    return store(frame[["layer", "kind", "name", "min_zoom", "geometry"]], name=name,
                 source="geocoding reference", attribution=attribution, engine=engine)


def _streets(rows) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"layer": "roads", "kind": "residential", "name": [_title(r.name) for r in rows]},
        geometry=shapely.from_wkb([bytes(r.wkb) for r in rows]), crs=4326)


def _towns(places: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"layer": "places", "kind": place_kind(places["population"]).to_numpy(),
         "name": [_title(n) for n in places["name"]],
         "population": places["population"].to_numpy()},
        geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs=4326)


def _town_roads(places: pd.DataFrame) -> gpd.GeoDataFrame:
    """Roads joining the towns: the minimum spanning tree of their Delaunay triangulation."""
    if len(places) < 2:
        return gpd.GeoDataFrame({"layer": [], "kind": [], "name": []}, geometry=[], crs=4326)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial import Delaunay, QhullError

    points = gpd.GeoSeries(gpd.points_from_xy(places["lon"], places["lat"]), crs=4326)
    xy = np.column_stack([(p := points.to_crs(equal_area_crs(points))).x, p.y])
    try:
        simplices = Delaunay(xy).simplices
        edges = np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
    except (QhullError, ValueError):  # all towns on a line: join them in order
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        edges = np.column_stack([order[:-1], order[1:]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T) + 1e-9
    tree = minimum_spanning_tree(coo_matrix((length, (edges[:, 0], edges[:, 1])),
                                            shape=(len(xy), len(xy)))).tocoo()
    people = places["population"].fillna(0).to_numpy()
    major = (people[tree.row] >= BIG_TOWN) & (people[tree.col] >= BIG_TOWN)
    lon, lat = places["lon"].to_numpy(), places["lat"].to_numpy()
    lines = shapely.linestrings(np.stack([np.column_stack([lon[tree.row], lat[tree.row]]),
                                          np.column_stack([lon[tree.col], lat[tree.col]])],
                                         axis=1))
    return gpd.GeoDataFrame({"layer": "roads", "kind": np.where(major, "primary", "secondary"),
                             "name": None}, geometry=lines, crs=4326)


def _title(value) -> str | None:
    """``HICKORY PL`` -> ``Hickory Pl`` (the reference keeps names normalised)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    words = str(value).title().split()
    return " ".join(w[:2] + w[2:].capitalize() if w.startswith("Mc") and len(w) > 2 else w
                    for w in words)
