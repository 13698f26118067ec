"""Customer-derived trade areas: the smallest area around a site holding a given share of
its customers (or of their revenue), nearest customers first."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.tradearea._geodesy import aeqd, project
from spatial.tradearea._sites import customer_points, listing, site_points

COLUMNS = ["site", "share", "held_share", "customers", "radius_km"]


def customer_areas(sites: gpd.GeoDataFrame, customers: gpd.GeoDataFrame,
                   shares: Sequence[float] = (0.6, 0.8), *, weight: str | None = None,
                   hull_ratio: float = 0.3, buffer_m: float = 50.0) -> gpd.GeoDataFrame:
    """For each site and each share P, the area around the site holding P of its customers.

    A site's customers are taken nearest first (geodesic distances: each site's customers
    are projected to an azimuthal equidistant projection centred on it) until their
    cumulative weight reaches P of the site's total (customers exactly as far as the last
    one taken come too). The area is the concave hull of those customers and the site,
    buffered by ``buffer_m`` so customers on its edge are inside; with fewer than three
    distinct points (or all in a line) it is a ring as far out as the farthest customer
    taken, plus ``buffer_m``. The hull can also take in customers farther out than the
    last one taken, so ``held_share`` (counted by testing every customer of the site
    against the returned polygon) is at least P and may be more.

    Parameters
    ----------
    sites : GeoDataFrame
        Points with a unique ``site`` id column and a CRS.
    customers : GeoDataFrame
        Points with a ``site`` column (the site each one buys from) and a CRS.
    shares : sequence of float
        Shares in (0, 1], e.g. (0.6, 0.8): 60% and 80% of each site's customers.
    weight : str, optional
        A numeric, non-negative column of ``customers`` (e.g. revenue) to count instead
        of customers.
    hull_ratio : float
        ``shapely.concave_hull`` ratio: 1 is the convex hull, smaller follows the
        customers more closely (0.3 leaves out empty bays without splintering).
    buffer_m : float
        Metres added around the hull.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per site with customers and per share, in the sites' order
        then the shares': ``site``, ``share`` (asked), ``held_share`` (of the site's
        customers or weight inside the polygon), ``customers`` (inside the polygon),
        ``radius_km`` (distance of the farthest customer taken: exact, so it places that
        customer on a circle around the site; round it before showing it to anyone who may
        not locate customers, as gcrm does), ``geometry`` (Polygon, whose vertices lie
        ``buffer_m`` from customers: generalise it likewise).
        Sites with no customers (or a total weight of 0) get no rows: they are named in
        a ``UserWarning`` and listed in ``result.attrs["sites_without_customers"]``.

    Raises ValueError for a share outside (0, 1], a customer whose site is not among
    ``sites``, a missing, non-numeric, negative or non-finite weight, and customers or
    sites that are not points.

    Examples
    --------
    >>> areas = customer_areas(stores, buyers, (0.6, 0.8), weight="revenue")  # doctest: +SKIP
    >>> areas[["site", "share", "held_share", "radius_km"]]  # doctest: +SKIP
    """
    share_list = _shares(shares)
    if not (np.isfinite(hull_ratio) and 0 <= hull_ratio <= 1):
        raise ValueError(f"hull_ratio must be between 0 and 1; got {hull_ratio}")
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise ValueError(f"buffer_m must be a non-negative number of metres; got {buffer_m}")
    ids, site_lon, site_lat = site_points(sites)
    lon, lat = customer_points(customers)
    weights = _weights(customers, weight)
    owner = pd.Index(ids).get_indexer(customers["site"])
    if (owner < 0).any():
        unknown = pd.unique(customers["site"].to_numpy()[owner < 0])
        raise ValueError(f"{int((owner < 0).sum()):,} customers buy from sites that are not "
                         f"among the sites: {listing(unknown)}; add those sites or drop "
                         "these customers")

    order = np.argsort(owner, kind="stable")  # customers grouped by site, one sort
    bounds = np.searchsorted(owner[order], np.arange(len(ids) + 1))
    rows, geometries, without = [], [], []
    for s, name in enumerate(ids):
        mine = order[bounds[s]:bounds[s + 1]]
        if len(mine) == 0 or weights[mine].sum() <= 0:
            without.append(name)
            continue
        found = _site_areas(site_lon[s], site_lat[s], lon[mine], lat[mine], weights[mine],
                            share_list, hull_ratio, buffer_m)
        for share, (held, inside, radius_km, polygon) in zip(share_list, found, strict=True):
            rows.append((name, share, held, inside, radius_km))
            geometries.append(polygon)
    if without:
        lacking = "customers" if weight is None else f"customers with {weight}"
        warnings.warn(f"{len(without)} site(s) have no {lacking} and get no "
                      f"customer-derived area: {listing(without)}",
                      UserWarning, stacklevel=2)
    frame = pd.DataFrame(rows, columns=COLUMNS).astype(
        {"share": float, "held_share": float, "customers": "int64", "radius_km": float})
    result = gpd.GeoDataFrame(frame, geometry=np.asarray(geometries, dtype=object), crs=4326)
    result.attrs["sites_without_customers"] = list(without)
    return result


def _site_areas(lon0: float, lat0: float, lon, lat, weights, shares: list[float],
                hull_ratio: float, buffer_m: float):
    """(held share, customers inside, radius km, polygon) per share for one site."""
    transformer = aeqd(lon0, lat0)
    x, y = transformer.transform(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    distance = np.hypot(x, y)  # the geodesic distance from the site, in metres
    near = np.argsort(distance, kind="stable")
    distance, x, y, ordered = distance[near], x[near], y[near], weights[near]
    cumulative = np.cumsum(ordered)
    total = cumulative[-1]
    found = []
    for share in shares:
        enough = min(int(np.searchsorted(cumulative, share * total * (1 - 1e-12))),
                     len(distance) - 1)
        taken = int(np.searchsorted(distance, distance[enough], side="right"))  # ties too
        reach = float(distance[taken - 1])
        points = np.vstack([[0.0, 0.0], np.column_stack([x[:taken], y[:taken]])])
        polygon = _hull(points, reach, hull_ratio, buffer_m)
        polygon = project(polygon, transformer, inverse=True)
        shapely.prepare(polygon)
        inside = shapely.contains_xy(polygon, lon, lat)
        found.append((float(weights[inside].sum() / total), int(inside.sum()),
                      reach / 1000, polygon))
    return found


def _hull(points: np.ndarray, reach: float, hull_ratio: float, buffer_m: float):
    """The buffered concave hull of ``points`` (metres, the site at the origin), or a ring
    of radius ``reach + buffer_m`` when the points span no area."""
    hull = shapely.concave_hull(shapely.multipoints(points), ratio=hull_ratio)
    if hull.geom_type != "Polygon" or hull.area <= 0:  # fewer than 3 points, or a line
        return shapely.Point(0, 0).buffer(reach + max(buffer_m, 1.0), quad_segs=32)
    return hull.buffer(buffer_m, quad_segs=8) if buffer_m > 0 else hull


def _shares(shares) -> list[float]:
    try:
        values = [float(s) for s in np.atleast_1d(np.asarray(shares, dtype=float))]
    except (TypeError, ValueError):
        raise ValueError(f"shares must be numbers in (0, 1], e.g. (0.6, 0.8); got "
                         f"{shares!r}") from None
    if not values:
        raise ValueError("shares is empty: give at least one share in (0, 1], e.g. (0.6, 0.8)")
    bad = [s for s in values if not (np.isfinite(s) and 0 < s <= 1)]
    if bad:
        raise ValueError(f"shares must be in (0, 1] (0.6 means 60% of a site's customers); "
                         f"got {', '.join(f'{s:g}' for s in bad)}")
    return values


def _weights(customers: gpd.GeoDataFrame, weight: str | None) -> np.ndarray:
    if weight is None:
        return np.ones(len(customers))
    if weight not in customers.columns:
        raise ValueError(f"no weight column {weight!r}; the customers have "
                         f"{', '.join(map(str, customers.columns))}")
    try:
        values = customers[weight].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"the weight column {weight!r} must be numeric") from None
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise ValueError(f"weights must be non-negative numbers; {int(bad.sum()):,} "
                         f"customers have {weight!r} negative or missing (rows "
                         f"{listing(customers.index[bad])})")
    return values
