"""Trade areas around sites (stores, branches): rings, Thiessen polygons, customer-derived
areas, the Huff gravity model and drive-time isochrones; pure functions on GeoDataFrames
and arrays, in EPSG:4326 longitude/latitude, every distance and area measured in metres
on the ellipsoid (local azimuthal equidistant projections) or on the sphere.

>>> from spatial import tradearea
>>> zones = tradearea.rings(stores, [1, 3, 5])  # doctest: +SKIP
>>> cells = tradearea.thiessen(stores)  # doctest: +SKIP
>>> areas = tradearea.customer_areas(stores, buyers, (0.6, 0.8), weight="revenue")  # doctest: +SKIP
>>> result = tradearea.huff(grid.x, grid.y, stores.x, stores.y, stores.sqft, k=10)  # doctest: +SKIP
>>> shares = tradearea.market_shares(result, grid["population"].to_numpy())  # doctest: +SKIP
>>> nodes, edges = tradearea.drive_network(osm_ways)  # doctest: +SKIP
>>> drive = tradearea.isochrones(nodes, edges, -122.11, 37.38, [5, 10, 15])  # doctest: +SKIP
"""

from spatial.tradearea.customers import customer_areas
from spatial.tradearea.huff import Calibration, HuffResult, calibrate_decay, huff, market_shares
from spatial.tradearea.rings import rings
from spatial.tradearea.roads import SPEEDS_KMH, drive_network, isochrones, parse_maxspeed
from spatial.tradearea.voronoi import thiessen

__all__ = ["SPEEDS_KMH", "Calibration", "HuffResult", "calibrate_decay", "customer_areas",
           "drive_network", "huff", "isochrones", "market_shares", "parse_maxspeed", "rings",
           "thiessen"]
