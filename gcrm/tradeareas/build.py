"""Build trade areas around sites by one method and store them, with what each holds.

Methods (the geometry comes from ``spatial.tradearea``):

- ``ring``: circles of the given radii (km), measured in a projection centred on each site;
- ``drivetime``: the roads reachable within the given minutes on a loaded road network;
- ``customers``: the smallest area holding the given shares of a site's own customers (or of
  their spend), from the sales history;
- ``voronoi``: Thiessen polygons, each place going to its nearest site;
- ``huff``: the Huff gravity model over the regions of a level; a site's area is where it is
  the most likely choice (or where its probability reaches ``min_probability``); the
  distance decay is given or calibrated from where customers actually buy.

Every build is stored under a name (``trade_area_builds``), one row per site and band in
``trade_areas``, and measured at once (``figures``, see ``sql.FIGURES``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.tradeareas import sql
from gcrm.tradeareas.roads import fastest_kmh, network_near
from spatial import tradearea

METHODS = ("ring", "drivetime", "customers", "voronoi", "huff")
Progress = Callable[[str, int, int], None]


@dataclass
class Built:
    """What a build stored: its name and method, the trade areas (one row per site and
    band, with their figures), and sites left out with the reason."""

    name: str
    method: str
    areas: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)
    params: dict = field(default_factory=dict)


def build(name: str, method: str, *, sites: Sequence[str] | None = None,
          radii_km: Sequence[float] = (3.0, 5.0), minutes: Sequence[float] = (5.0, 10.0),
          network: str | None = None, shares: Sequence[float] = (0.6, 0.8),
          weight: str = "customers", level: str | None = None, decay: float | None = 2.0,
          calibrate: bool = False, k: int | None = None, min_probability: float | None = None,
          replace: bool = False, created_by: str | None = None,
          progress: Progress | None = None, engine: Engine | None = None) -> Built:
    """Build trade areas by ``method`` for ``sites`` (their codes; all when None) and store
    them as ``name``. Raises InvalidInput, naming what to change, before anything is
    written; sites a method cannot serve (no customers, no road nearby) are skipped and
    listed in ``Built.skipped``."""
    if method not in METHODS:
        raise InvalidInput(f"Unknown method {method!r}; choose from {', '.join(METHODS)}.")
    if not name or not name.strip():
        raise InvalidInput("Give the trade areas a name (--name).")
    engine = engine or get_engine()
    report = progress or (lambda stage, done, total: None)
    with engine.connect() as conn:
        every = _sites(conn, None)
        points = _sites(conn, sites)
        if method == "ring":
            params = {"radii_km": _positive(radii_km, "radius")}
            areas, skipped = _rings(points, params["radii_km"]), {}
        elif method == "voronoi":
            params = {}
            areas, skipped = _voronoi(conn, every, points)
        elif method == "customers":
            if weight not in ("customers", "revenue"):
                raise InvalidInput("Weigh customers by 'customers' or 'revenue'.")
            params = {"shares": _shares(shares), "weight": weight, "months": 12}
            areas, skipped = _customers(conn, points, params)
        elif method == "drivetime":
            params = {"minutes": _positive(minutes, "minutes value"),
                      "network": _network(conn, network)}
            areas, skipped = _drivetime(conn, points, params, report)
        else:
            params, huff = _huff_inputs(conn, every, level, decay, calibrate, k,
                                        min_probability)
            huff["chosen"] = points["site"].tolist()
            areas, skipped = None, {}
    with engine.begin() as conn:
        if conn.execute(text(sql.BUILD), {"name": name}).first() is not None:
            if not replace:
                raise InvalidInput(f"Trade areas {name!r} exist: choose another name, or "
                                   "replace them (--replace).")
            conn.execute(text(sql.DELETE_BUILD), {"name": name})
        build_id = conn.execute(text(sql.INSERT_BUILD), {
            "name": name, "method": method, "params": json.dumps(params),
            "created_by": created_by}).scalar_one()
        if method == "huff":
            stored = _store_huff(conn, build_id, huff, params)
            have = set(conn.execute(text(sql.BUILT_SITES), {"build_id": build_id}).scalars())
            skipped = {code: "not the likeliest choice of any region (a smaller "
                             "--min-probability may give it an area)"
                       for code, site in zip(points["code"], points["site"], strict=True)
                       if site not in have}
        else:
            stored = _store(conn, build_id, method, areas)
        if stored == 0:  # rolls back: a replaced build stays as it was
            raise InvalidInput(f"No trade area came out of these settings ({method}: "
                               + "; ".join(f"{c}: {why}" for c, why in skipped.items())
                               + "); nothing was stored.")
        report("measuring", 0, 1)
        conn.execute(text(sql.FIGURES), {"build_id": build_id,
                                         "potential_level": _potential_level(conn)})
        if method == "huff":
            conn.execute(text(sql.HUFF_FIGURES), {"build_id": build_id, **huff["shares"]})
        report("measuring", 1, 1)
        audit.record("tradearea.build", name, {"method": method, "sites": len(points),
                                               "skipped": len(skipped)},
                     actor=created_by, connection=conn)
    from gcrm.tradeareas.figures import areas as stored_areas

    return Built(name, method, stored_areas(name, engine=engine).drop(columns="geometry"),
                 skipped, params)


# --- methods ------------------------------------------------------------------------------
def _rings(points: gpd.GeoDataFrame, radii: list[float]) -> pd.DataFrame:
    rings = tradearea.rings(points[["site", "geometry"]], radii)
    return pd.DataFrame({"site": rings["site"], "band": [f"{r:g} km" for r in rings["radius_km"]],
                         "params": [{"radius_km": float(r)} for r in rings["radius_km"]],
                         "geometry": rings.geometry.to_numpy()})


def _voronoi(conn: Connection, every: gpd.GeoDataFrame, points: gpd.GeoDataFrame):
    """Every site takes its share of the map; the chosen ones are kept."""
    wkb = conn.execute(text(sql.EXTENT)).scalar_one_or_none()
    extent = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
    try:
        cells = tradearea.thiessen(every[["site", "geometry"]], extent)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    cells = cells[cells["site"].isin(points["site"])]
    empty = cells.geometry.is_empty.to_numpy()
    codes = cells["site"].map(dict(zip(points["site"], points["code"], strict=True)))
    skipped = {code: "outside the regions loaded (the top level's outline)"
               for code in codes.to_numpy()[empty]}
    cells = cells[~empty]
    return pd.DataFrame({"site": cells["site"], "band": "nearest site",
                         "params": [{}] * len(cells),
                         "geometry": cells.geometry.to_numpy()}), skipped


def _customers(conn: Connection, points: gpd.GeoDataFrame, params: dict):
    rows = pd.DataFrame(conn.execute(text(sql.SITE_CUSTOMERS), {
        "site_ids": points["site"].tolist(), "months": params["months"]}).mappings().all(),
        columns=["site_id", "lon", "lat", "orders", "revenue"])
    customers = gpd.GeoDataFrame(
        {"site": rows["site_id"].astype("int64"), "revenue": rows["revenue"]},
        geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=4326)
    skipped = {code: "no customer bought there in the last 12 months"
               for code, site in zip(points["code"], points["site"], strict=True)
               if site not in set(customers["site"])}
    if len(skipped) == len(points):
        raise InvalidInput("None of these sites has sales in the last 12 months: customer-"
                           "derived trade areas need the sales history (sales.site_id).")
    served = points[~points["code"].isin(list(skipped))]
    found = tradearea.customer_areas(
        served[["site", "geometry"]], customers, params["shares"],
        weight="revenue" if params["weight"] == "revenue" else None)
    # The exact radius is the distance of the farthest customer taken: stored, it would put
    # that customer on a ring around a known point, for every role. Whole kilometres,
    # rounded up (the customers taken are within it), say as much as the ~1 km masked grid.
    return pd.DataFrame({
        "site": found["site"], "band": [f"{s:.0%}" for s in found["share"]],
        "params": [{"share": float(s), "held_share": round(float(h), 4),
                    "radius_km": whole_km(r)}
                   for s, h, r in zip(found["share"], found["held_share"], found["radius_km"],
                                      strict=True)],
        "geometry": found.geometry.to_numpy()}), skipped


def whole_km(km: float) -> int:
    """A distance derived from customers, as stored: whole kilometres, rounded up (at
    least 1), so it locates nobody more closely than the masked ~1 km grid does."""
    return max(1, math.ceil(float(km) - 1e-9))


def _drivetime(conn: Connection, points: gpd.GeoDataFrame, params: dict, report: Progress):
    rows, skipped = [], {}
    fastest = fastest_kmh(conn, params["network"])
    for done, site in enumerate(points.itertuples()):
        report("drive times", done, len(points))
        nodes, edges = network_near(conn, params["network"], site.lon, site.lat,
                                    max(params["minutes"]), fastest_kmh=fastest)
        if edges is None:
            skipped[site.code] = f"no road of network {params['network']!r} nearby"
            continue
        try:
            zones = tradearea.isochrones(nodes, edges, site.lon, site.lat, params["minutes"])
        except ValueError as error:
            skipped[site.code] = str(error)
            continue
        for zone in zones.itertuples():
            rows.append({"site": site.site, "band": f"{zone.minutes:g} min",
                         "params": {"minutes": float(zone.minutes),
                                    "road_km": round(float(zone.road_km), 2)},
                         "geometry": zone.geometry})
    report("drive times", len(points), len(points))
    if not rows:
        raise InvalidInput(f"No site is on or near road network {params['network']!r}: "
                           + "; ".join(f"{c}: {why}" for c, why in skipped.items()))
    return pd.DataFrame(rows), skipped


def _huff_inputs(conn: Connection, points: gpd.GeoDataFrame, level: str | None,
                 decay: float | None, calibrate: bool, k: int | None,
                 min_probability: float | None):
    level = level or _potential_level(conn)
    if level is None or not conn.execute(text(sql.LEVEL_EXISTS), {"level": level}).scalar_one():
        levels = ", ".join(conn.execute(text(sql.LEVELS)).scalars()) or "none loaded"
        raise InvalidInput(f"The Huff model needs regions to spread demand over: no level "
                           f"{level!r}; choose from {levels}.")
    if min_probability is not None and not 0 < min_probability <= 1:
        raise InvalidInput("min_probability is a share between 0 and 1.")
    if k is not None and k < 1:
        raise InvalidInput("k (sites each region considers) must be at least 1.")
    cells = pd.DataFrame(conn.execute(text(sql.CELLS), {"level": level}).mappings().all(),
                         columns=["id", "code", "lon", "lat", "demand"])
    sites_lon, sites_lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    attractiveness = points["attractiveness"].to_numpy(dtype=float)
    fitted = None
    if calibrate:
        flows = pd.DataFrame(conn.execute(text(sql.FLOWS), {
            "level": level, "site_ids": points["site"].tolist()}).all(),
            columns=["region_id", "site_id", "customers"])
        if flows.empty:
            raise InvalidInput("No customer of these sites is placed in a region of "
                               f"{level!r}: nothing to calibrate the distance decay from.")
        cell_index = {int(r): i for i, r in enumerate(cells["id"])}
        site_index = {int(s): i for i, s in enumerate(points["site"])}
        observed = pd.DataFrame({"cell": flows["region_id"].map(cell_index),
                                 "site": flows["site_id"].map(site_index),
                                 "count": flows["customers"]}).dropna().astype(int)
        try:
            fitted = tradearea.calibrate_decay(observed, cells["lon"].to_numpy(),
                                               cells["lat"].to_numpy(), sites_lon, sites_lat,
                                               attractiveness, k=k)
        except ValueError as error:
            raise InvalidInput(f"Cannot calibrate the distance decay: {error}") from None
        decay = fitted.decay
    if decay is None or decay <= 0:
        raise InvalidInput("Give a positive distance decay (--decay), or --calibrate it "
                           "from the sales history.")
    result = tradearea.huff(cells["lon"].to_numpy(), cells["lat"].to_numpy(), sites_lon,
                            sites_lat, attractiveness, decay=decay, k=k)
    shares = tradearea.market_shares(result, cells["demand"].to_numpy())
    site_ids = points["site"].to_numpy()
    params = {"level": level, "decay": round(float(decay), 4), "k": k,
              "min_probability": min_probability, "calibrated": calibrate}
    if fitted is not None:
        params["log_likelihood"] = round(float(fitted.log_likelihood), 2)
        params["flows"] = int(fitted.n_flows)
        params["at_bound"] = bool(fitted.at_bound)
    huff = {"regions": cells["id"].to_numpy()[result.cell].tolist(),
            "sites": site_ids[result.site].tolist(),
            "p": result.probability.tolist(), "d": result.distance_km.tolist(),
            "shares": {"sites": site_ids[shares.index.to_numpy()].tolist(),
                       "expected": shares["expected"].tolist(),
                       "share": shares["share"].tolist()}}
    return params, huff


# --- storing ------------------------------------------------------------------------------
def _store(conn: Connection, build_id: int, method: str, areas: pd.DataFrame) -> int:
    if areas.empty:
        return 0
    return conn.execute(text(sql.INSERT_AREAS), {
        "build_id": build_id, "method": method,
        "sites": [int(s) for s in areas["site"]], "bands": areas["band"].tolist(),
        "params": [json.dumps(p) for p in areas["params"]],
        "wkbs": [shapely.to_wkb(g) for g in areas["geometry"]]}).rowcount


def _store_huff(conn: Connection, build_id: int, huff: dict, params: dict) -> int:
    conn.execute(text(sql.INSERT_HUFF), {"build_id": build_id,
                                         **{k: huff[k] for k in ("regions", "sites", "p", "d")}})
    minimum = params["min_probability"]
    return conn.execute(text(sql.HUFF_AREAS), {
        "build_id": build_id, "min_p": minimum, "chosen": huff["chosen"],
        "band": "most likely" if minimum is None else f"p >= {minimum:g}"}).rowcount


# --- inputs -------------------------------------------------------------------------------
def _sites(conn: Connection, codes: Sequence[str] | None) -> gpd.GeoDataFrame:
    wanted = [c.strip() for c in codes if c.strip()] if codes else None
    rows = pd.DataFrame(conn.execute(text(sql.SITES), {"codes": wanted}).mappings().all(),
                        columns=["id", "code", "name", "lon", "lat", "attractiveness"])
    if wanted:
        missing = sorted(set(wanted) - set(rows["code"]))
        if missing:
            known = conn.execute(text(sql.ALL_SITE_CODES)).scalars().all()
            raise InvalidInput(f"Unknown site(s) {', '.join(missing)}; sites are "
                               f"{', '.join(known[:20]) or 'none loaded'}"
                               f"{' ...' if len(known) > 20 else ''}.")
    if rows.empty:
        raise InvalidInput("No sites loaded: load stores or branches first "
                           "(gcrm load sites FILE).")
    return gpd.GeoDataFrame(rows.rename(columns={"id": "site"}),
                            geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=4326)


def _network(conn: Connection, network: str | None) -> str:
    networks = pd.DataFrame(conn.execute(text(sql.NETWORKS)).mappings().all(),
                            columns=["network", "edges", "road_km"])
    if networks.empty:
        raise InvalidInput("No road network is loaded, so there are no drive times: load "
                           "one first (gcrm roads load FILE, e.g. an OpenStreetMap extract).")
    if network is None:
        if len(networks) > 1:
            raise InvalidInput("Several road networks are loaded; choose one (--network): "
                               f"{', '.join(networks['network'])}.")
        return str(networks["network"].iloc[0])
    if network not in set(networks["network"]):
        raise InvalidInput(f"No road network {network!r}; loaded: "
                           f"{', '.join(networks['network'])}.")
    return network


def _potential_level(conn: Connection) -> str | None:
    return conn.execute(text(sql.POTENTIAL_LEVEL)).scalar_one_or_none()


def _positive(values: Sequence[float], what: str) -> list[float]:
    values = sorted({float(v) for v in values})
    if not values or values[0] <= 0:
        raise InvalidInput(f"Give one or more positive {what}s.")
    return values


def _shares(values: Sequence[float]) -> list[float]:
    values = sorted({float(v) for v in values})
    if not values or values[0] <= 0 or values[-1] > 1:
        raise InvalidInput("Shares are between 0 and 1 (0.6 for 60% of a site's customers).")
    return values

