"""The base map's SQL: storing a base map, tiles (ST_AsMVT), features in a box, place search."""

import re

LAYERS = ("water", "buildings", "roads", "places")  # drawing order: first is lowest

CREATE_STAGE = """
CREATE TEMPORARY TABLE basemap_stage (
    layer text, kind text, name text, min_zoom smallint, wkb bytea
) ON COMMIT DROP
"""
COPY_STAGE = "COPY basemap_stage (layer, kind, name, min_zoom, wkb) FROM STDIN"

DELETE_BASEMAP = "DELETE FROM basemaps WHERE name = :name"  # features follow (cascade)

INSERT_BASEMAP = """
INSERT INTO basemaps (name, source, attribution, features)
VALUES (:name, :source, :attribution, CAST(:features AS jsonb))
"""

INSERT_FEATURES = """
INSERT INTO basemap_features (basemap, layer, kind, name, min_zoom, geom)
SELECT :name, layer, kind, name, min_zoom, ST_SetSRID(ST_GeomFromWKB(wkb), 4326)
FROM basemap_stage
ORDER BY layer, ST_GeoHash(ST_SetSRID(ST_GeomFromWKB(wkb), 4326), 10)
"""

BASEMAPS = """
SELECT name, source, attribution, loaded_at, features
FROM basemaps ORDER BY loaded_at, name
"""

VERSION = "SELECT count(*), max(loaded_at) FROM basemaps"

_TILE_LAYER = """
(SELECT ST_AsMVT(t, '{layer}', 4096, 'geom') FROM (
    SELECT f.kind, f.name,
           ST_AsMVTGeom(ST_Transform(f.geom, 3857), ST_TileEnvelope(:z, :x, :y),
                        4096, {buffer}, true) AS geom
    FROM basemap_features f
    WHERE f.layer = '{layer}' AND f.min_zoom <= :z
      AND f.geom && ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {margin}), 4326)
) t WHERE t.geom IS NOT NULL)"""


def tile_query(layers: tuple[str, ...] = LAYERS) -> str:
    """One statement returning the MVT of tile (:z, :x, :y): a layer per base map layer.
    Place labels keep a wide buffer so a name near a tile's edge is drawn whole. Run it
    through :func:`tile_sql` (the tile's numbers written in) with :data:`NO_PARALLEL`."""
    parts = []
    for layer in layers:
        buffer = 1600 if layer == "places" else 64  # in tile units (4096 a tile)
        parts.append(_TILE_LAYER.format(layer=layer, buffer=buffer, margin=buffer / 4096))
    parts.append(_ROAD_NAMES)
    return "SELECT " + " || ".join(f"coalesce({p}, ''::bytea)" for p in parts)


def tile_sql(query: str, z: int, x: int, y: int) -> str:
    """``query`` with the tile's (checked, whole) numbers written in: the planner then
    knows the tile's envelope, and a reused prepared statement's generic plan (which would
    scan the whole table) never serves a tile."""
    values = {"z": int(z), "x": int(x), "y": int(y)}
    return re.sub(r"(?<!:):([zxy])\b", lambda m: str(values[m.group(1)]), query)


# A tile's work is a few milliseconds: starting parallel workers would cost far more.
NO_PARALLEL = "SET LOCAL max_parallel_workers_per_gather = 0"

# Street names at street zoom: one label a street and tile, at the middle of its longest
# piece there (OpenStreetMap splits a street into many ways).
NAME_ZOOM = 15
_ROAD_NAMES = f"""
(SELECT ST_AsMVT(t, 'road_names', 4096, 'geom') FROM (
    SELECT DISTINCT ON (f.name) f.kind, f.name,
           ST_AsMVTGeom(ST_Transform(CASE WHEN GeometryType(f.geom) = 'LINESTRING'
                                             THEN ST_LineInterpolatePoint(f.geom, 0.5)
                                             ELSE ST_PointOnSurface(f.geom) END, 3857),
                        ST_TileEnvelope(:z, :x, :y), 4096, 512, true) AS geom
    FROM basemap_features f
    WHERE :z >= {NAME_ZOOM} AND f.layer = 'roads' AND f.name IS NOT NULL
      AND f.min_zoom <= :z
      AND f.geom && ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.125), 4326)
    ORDER BY f.name, ST_Length(f.geom) DESC  -- one label a street: its longest piece
) t WHERE t.geom IS NOT NULL)"""


FEATURES = """
SELECT f.layer, f.kind, f.name, ST_AsBinary(f.geom) AS wkb
FROM basemap_features f
WHERE f.geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)
  AND f.layer = ANY(:layers)
ORDER BY array_position(CAST(:order AS text[]), f.layer), f.min_zoom DESC, f.id
"""

# Streets from the geocoding reference: address points of one street in one postcode,
# paired across the street by house number, joined in number order (through the pairs
# with both sides when there are two such pairs: a lone side is off the centre line),
# smoothed. Points pulled onto their postcode's centre (the demo's points that fell
# outside) are left out.
STREETS_FROM_REFERENCE = """
WITH pairs AS (
    SELECT a.postcode, a.street, a.number_int / 2 AS pair, count(*) AS points,
           ST_Centroid(ST_Collect(a.geom)) AS geom
    FROM (SELECT postcode, street, geom,
                 number_int
          FROM ref_addresses
          WHERE number_int IS NOT NULL AND street <> '') a
    LEFT JOIN ref_postcodes p ON p.code = a.postcode
    WHERE p.geom IS NULL OR NOT ST_DWithin(a.geom, p.geom, 0.00002)
    GROUP BY 1, 2, 3
)
SELECT street AS name, postcode,
       ST_AsBinary(ST_SimplifyPreserveTopology(coalesce(
           ST_MakeLine(geom ORDER BY pair) FILTER (WHERE points >= 2),  -- both sides known
           ST_MakeLine(geom ORDER BY pair)), 0.0001)) AS wkb
FROM pairs
GROUP BY postcode, street
HAVING count(*) >= 2
"""

# Buildings beside the demo's address points: a square of about 11 m, set back from the
# street (the point mirrored away from its street's centre line).
BUILDINGS_FROM_REFERENCE = """
WITH pairs AS (
    SELECT a.geom, ST_Centroid(ST_Collect(a.geom) OVER (
               PARTITION BY a.postcode, a.street,
                            a.number_int / 2)) AS centre
    FROM ref_addresses a
    LEFT JOIN ref_postcodes p ON p.code = a.postcode
    WHERE a.number_int IS NOT NULL AND a.street <> ''
      AND (p.geom IS NULL OR NOT ST_DWithin(a.geom, p.geom, 0.00002))
)
SELECT ST_AsBinary(ST_Expand(
           ST_Translate(geom, ST_X(geom) - ST_X(centre), ST_Y(geom) - ST_Y(centre)),
           0.00005, 0.00005 * cos(radians(ST_Y(geom))))) AS wkb
FROM pairs
"""

PLACES_FROM_REFERENCE = """
SELECT name, region, population, ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM ref_places ORDER BY population DESC NULLS LAST, name
"""

# Place search: regions by code or name, postcodes and places of the geocoding reference.
SEARCH_PLACES = """
WITH hits AS (
    SELECT r.name AS name, r.level AS kind, r.code AS code,
           ST_XMin(r.geom) AS west, ST_YMin(r.geom) AS south,
           ST_XMax(r.geom) AS east, ST_YMax(r.geom) AS north,
           CASE WHEN lower(r.code) = lower(:text) OR lower(r.name) = lower(:text) THEN 0
                WHEN lower(r.name) LIKE lower(:prefix) OR r.code ILIKE :prefix THEN 1
                ELSE 2 END AS rank,
           coalesce(r.population, 0) AS weight
    FROM regions r
    WHERE r.code ILIKE :prefix OR r.name ILIKE :contains
    UNION ALL
    SELECT p.code || coalesce(' ' || p.city, ''), 'postcode', p.code,
           ST_X(p.geom) - :pad, ST_Y(p.geom) - :pad, ST_X(p.geom) + :pad, ST_Y(p.geom) + :pad,
           CASE WHEN lower(p.code) = lower(:text) THEN 0 ELSE 1 END,
           coalesce(p.population, 0)
    FROM ref_postcodes p
    WHERE p.code ILIKE :prefix
    UNION ALL
    SELECT c.name || coalesce(', ' || c.region, ''), 'place', c.name,
           ST_X(c.geom) - :pad * 2, ST_Y(c.geom) - :pad * 2,
           ST_X(c.geom) + :pad * 2, ST_Y(c.geom) + :pad * 2,
           CASE WHEN lower(c.name) = lower(:text) THEN 0
                WHEN c.name ILIKE :prefix THEN 1 ELSE 2 END,
           coalesce(c.population, 0)
    FROM ref_places c
    WHERE c.name ILIKE :contains
)
SELECT name, kind, code, west, south, east, north
FROM hits
ORDER BY rank, CASE kind WHEN 'place' THEN 0 WHEN 'postcode' THEN 1 ELSE 2 END,
         weight DESC, name
LIMIT :limit
"""
