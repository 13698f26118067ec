"""The SQL of trade areas, road networks and the figures measured in trade areas, in one
place."""

SITES = """
SELECT id, external_id AS code, name, ST_X(geom) AS lon, ST_Y(geom) AS lat, attractiveness
FROM sites
WHERE CAST(:codes AS text[]) IS NULL OR external_id = ANY(:codes)
ORDER BY external_id
"""
ALL_SITE_CODES = "SELECT external_id FROM sites ORDER BY external_id"

BUILD = "SELECT id, name, method, params, created_by, created_at FROM trade_area_builds " \
        "WHERE name = :name"
BUILDS = """
SELECT b.name, b.method, count(t.id) AS trade_areas, count(DISTINCT t.site_id) AS sites,
       b.params, b.created_by, b.created_at
FROM trade_area_builds b LEFT JOIN trade_areas t ON t.build_id = b.id
GROUP BY b.id ORDER BY b.created_at, b.name
"""
DELETE_BUILD = "DELETE FROM trade_area_builds WHERE name = :name"
BUILT_SITES = "SELECT DISTINCT site_id FROM trade_areas WHERE build_id = :build_id"
INSERT_BUILD = """
INSERT INTO trade_area_builds (name, method, params, created_by)
VALUES (:name, :method, CAST(:params AS jsonb), :created_by) RETURNING id
"""
# Customer-derived outlines are drawn around customers' exact points: they are widened by
# 1 km and their corners put on the same ~1 km grid the masked views use as they are
# stored (the raw outline is never written, not even as a row version a later UPDATE
# leaves behind), so no home can be read back from an outline by any role.
INSERT_AREAS = """
INSERT INTO trade_areas (build_id, site_id, method, band, params, geom)
SELECT :build_id, u.site_id, :method, u.band, CAST(u.params AS jsonb),
       ST_Multi(ST_CollectionExtract(ST_MakeValid(CASE
           WHEN :method = 'customers'
           THEN ST_SnapToGrid(ST_Buffer(ST_MakeValid(g.geom)::geography, 1000)::geometry, 0.01)
           ELSE g.geom END), 3))
FROM unnest(CAST(:sites AS bigint[]), CAST(:bands AS text[]), CAST(:params AS text[]),
            CAST(:wkbs AS bytea[])) AS u(site_id, band, params, wkb)
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_GeomFromWKB(u.wkb), 4326) AS geom) g
"""

# --- inputs of the methods ----------------------------------------------------------------
# The top boundary level's outline bounds Thiessen polygons (else a hull around the sites).
EXTENT = """
SELECT ST_AsBinary(ST_Union(geom)) FROM regions
WHERE level = (SELECT name FROM region_levels WHERE kind <> 'h3' ORDER BY depth, name LIMIT 1)
"""
# Each customer's spend at each site (the last 12 months of sales, or all with :months NULL).
SITE_CUSTOMERS = """
SELECT s.site_id, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, count(*) AS orders,
       sum(s.amount)::float8 AS revenue
FROM sales s JOIN accounts a ON a.id = s.account_id
WHERE s.site_id = ANY(:site_ids) AND a.geom IS NOT NULL
  AND (CAST(:months AS int) IS NULL
       OR s.order_date > (SELECT max(order_date) FROM sales) - make_interval(months => :months))
GROUP BY s.site_id, a.id
"""
LEVEL_EXISTS = "SELECT EXISTS (SELECT 1 FROM region_levels WHERE name = :level)"
LEVELS = "SELECT name FROM region_levels ORDER BY depth, name"
# The finest level that knows households (else population): where potential is measured.
POTENTIAL_LEVEL = """
SELECT r.level FROM regions r JOIN region_levels l ON l.name = r.level
WHERE (r.households IS NOT NULL OR r.population IS NOT NULL) AND l.kind <> 'h3'
GROUP BY r.level, l.depth ORDER BY l.depth DESC, r.level LIMIT 1
"""
# Huff cells: the regions of a level, a point inside each, their demand (households, else
# population, else 1).
CELLS = """
SELECT id, code, ST_X(p) AS lon, ST_Y(p) AS lat,
       coalesce(households, population, 1)::float8 AS demand
FROM (SELECT id, code, households, population, ST_PointOnSurface(geom) AS p
      FROM regions WHERE level = :level) r
ORDER BY code
"""
# Observed patronage: how many customers of each cell buy at each site.
FLOWS = """
SELECT ra.region_id, s.site_id, count(DISTINCT s.account_id) AS customers
FROM sales s JOIN region_assignments ra
  ON ra.entity = 'account' AND ra.entity_id = s.account_id AND ra.level = :level
WHERE s.site_id = ANY(:site_ids)
GROUP BY ra.region_id, s.site_id
"""
INSERT_HUFF = """
INSERT INTO huff_probabilities (build_id, region_id, site_id, probability, distance_km)
SELECT :build_id, u.region_id, u.site_id, least(u.p, 1), u.d
FROM unnest(CAST(:regions AS bigint[]), CAST(:sites AS bigint[]), CAST(:p AS float8[]),
            CAST(:d AS float8[])) AS u(region_id, site_id, p, d)
"""
# A Huff trade area (of the chosen sites): the cells where the site is the most likely choice,
# or where its probability reaches :min_p; every site competes.
HUFF_AREAS = """
INSERT INTO trade_areas (build_id, site_id, method, band, params, geom)
SELECT :build_id, h.site_id, 'huff', :band, '{}'::jsonb,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(r.geom)), 3))
FROM (SELECT region_id, site_id FROM (
        SELECT region_id, site_id, probability,
               rank() OVER (PARTITION BY region_id ORDER BY probability DESC) AS rank
        FROM huff_probabilities WHERE build_id = :build_id) x
      WHERE ((CAST(:min_p AS float8) IS NULL AND rank = 1) OR probability >= :min_p)
        AND site_id = ANY(:chosen)) h
JOIN regions r ON r.id = h.region_id
GROUP BY h.site_id
"""

# --- road networks ------------------------------------------------------------------------
NETWORKS = """
SELECT network, count(*) AS edges, round(sum(length_m)::numeric / 1000, 1) AS road_km
FROM road_edges GROUP BY network ORDER BY network
"""
DELETE_NETWORK = ["DELETE FROM road_edges WHERE network = :network",
                  "DELETE FROM road_nodes WHERE network = :network"]
INSERT_NODES = """
INSERT INTO road_nodes (network, node, geom)
SELECT :network, u.node, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326)
FROM unnest(CAST(:nodes AS bigint[]), CAST(:lons AS float8[]), CAST(:lats AS float8[]))
     AS u(node, lon, lat)
"""
INSERT_EDGES = """
INSERT INTO road_edges (network, source, target, length_m, seconds, reverse_seconds, highway,
                        geom)
SELECT :network, u.source, u.target, u.length_m, u.seconds, u.reverse_seconds, u.highway,
       ST_SetSRID(ST_GeomFromWKB(u.wkb), 4326)
FROM unnest(CAST(:sources AS bigint[]), CAST(:targets AS bigint[]),
            CAST(:lengths AS float8[]), CAST(:seconds AS float8[]),
            CAST(:reverse AS float8[]), CAST(:highways AS text[]), CAST(:wkbs AS bytea[]))
     AS u(source, target, length_m, seconds, reverse_seconds, highway, wkb)
"""
# The part of the network a drive of :km kilometres from a point can reach (a box around it).
NETWORK_IN_BOX = """
SELECT e.source, e.target, e.length_m, e.seconds, e.reverse_seconds, e.highway,
       ST_AsBinary(e.geom) AS wkb
FROM road_edges e
WHERE e.network = :network
  AND e.geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)
"""
# The fastest road of a network (km/h): no drive gets farther than this in the time asked.
FASTEST = "SELECT max(length_m / seconds) * 3.6 FROM road_edges WHERE network = :network"
NODES_NEAR = """
SELECT node, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM road_nodes
WHERE network = :network AND node = ANY(:nodes)
"""

# --- what a trade area holds --------------------------------------------------------------
# Potential: households where the level has them, else population (one unit per level).
_POTENTIAL = """CASE WHEN (SELECT bool_or(households IS NOT NULL) FROM regions
                          WHERE level = :potential_level)
                     THEN r.households ELSE r.population END"""
# Per trade area of a build: accounts inside by status, customers also inside another site's
# area of the same band (cannibalisation), households (area-weighted from the potential
# level), the last 12 months of spend by customers inside and the site's part of it, the
# site's own revenue, and the share of the area other sites' areas cover. The accounts
# inside are found once; the spend is summed per account and site once.
FIGURES = """
WITH ta AS MATERIALIZED (
  SELECT id, site_id, band, geom FROM trade_areas WHERE build_id = :build_id),
last AS (SELECT max(order_date) - interval '12 months' AS since FROM sales),
inside AS MATERIALIZED (
  SELECT ta.id, ta.site_id, ta.band, a.id AS account_id, a.status
  FROM ta JOIN accounts a ON ST_Intersects(ta.geom, a.geom)),
shared AS (
  SELECT account_id, band FROM inside GROUP BY account_id, band
  HAVING count(DISTINCT site_id) > 1),
acc AS (
  SELECT i.id,
         count(*) FILTER (WHERE i.status = 'customer') AS customers,
         count(*) FILTER (WHERE i.status = 'prospect') AS prospects,
         count(*) FILTER (WHERE i.status = 'churned') AS lapsed,
         count(*) FILTER (WHERE i.status = 'customer' AND s.account_id IS NOT NULL)
             AS shared_customers
  FROM inside i LEFT JOIN shared s ON s.account_id = i.account_id AND s.band = i.band
  GROUP BY i.id),
bought AS MATERIALIZED (
  SELECT account_id, site_id, sum(amount) AS amount FROM sales
  WHERE order_date > (SELECT since FROM last) GROUP BY account_id, site_id),
spend AS (
  SELECT i.id, sum(b.amount) AS revenue_inside,
         coalesce(sum(b.amount) FILTER (WHERE b.site_id = i.site_id), 0) AS site_revenue_inside
  FROM inside i JOIN bought b ON b.account_id = i.account_id
  GROUP BY i.id),
site_revenue AS (
  SELECT site_id, sum(amount) AS revenue FROM bought
  WHERE site_id IS NOT NULL GROUP BY site_id),
homes AS (
  SELECT ta.id, sum(""" + _POTENTIAL + """
                    * ST_Area(ST_Intersection(r.geom, ta.geom)) / nullif(ST_Area(r.geom), 0))
                AS households
  FROM ta JOIN regions r ON r.level = :potential_level AND ST_Intersects(r.geom, ta.geom)
  GROUP BY ta.id),
overlap AS (
  SELECT ta.id,
         ST_Area(ST_Intersection(ta.geom, ST_Union(o.geom))::geography)
           / nullif(ST_Area(ta.geom::geography), 0) AS overlap_share,
         array_agg(DISTINCT si.external_id ORDER BY si.external_id) AS overlapping_sites
  FROM ta JOIN ta o ON o.band = ta.band AND o.site_id <> ta.site_id
                   AND ST_Intersects(ta.geom, o.geom)
                   AND NOT ST_Touches(ta.geom, o.geom)
  JOIN sites si ON si.id = o.site_id
  GROUP BY ta.id, ta.geom)
UPDATE trade_areas t SET figures = t.figures || jsonb_build_object(
    'area_km2', round((ST_Area(t.geom::geography) / 1e6)::numeric, 3),
    'customers', coalesce(acc.customers, 0),
    'prospects', coalesce(acc.prospects, 0),
    'lapsed', coalesce(acc.lapsed, 0),
    'households', round(homes.households),
    'penetration', round((coalesce(acc.customers, 0) / nullif(homes.households, 0))::numeric, 6),
    'revenue_inside', round(coalesce(spend.revenue_inside, 0), 2),
    'site_revenue', round(coalesce(sr.revenue, 0), 2),
    'captured', round((coalesce(spend.site_revenue_inside, 0)
                       / nullif(sr.revenue, 0))::numeric, 4),
    'share', round((spend.site_revenue_inside / nullif(spend.revenue_inside, 0))::numeric, 4),
    'shared_customers', coalesce(acc.shared_customers, 0),
    'overlap_share', round(coalesce(overlap.overlap_share, 0)::numeric, 4),
    'overlapping_sites', to_jsonb(coalesce(overlap.overlapping_sites, '{}')))
FROM ta
LEFT JOIN acc ON acc.id = ta.id
LEFT JOIN spend ON spend.id = ta.id
LEFT JOIN site_revenue sr ON sr.site_id = ta.site_id
LEFT JOIN homes ON homes.id = ta.id
LEFT JOIN overlap ON overlap.id = ta.id
WHERE t.id = ta.id
"""
# Huff builds add each site's expected sales and share of the demand.
HUFF_FIGURES = """
UPDATE trade_areas t SET figures = t.figures || jsonb_build_object(
    'expected_demand', round(u.expected::numeric, 1), 'huff_share', round(u.share::numeric, 5))
FROM unnest(CAST(:sites AS bigint[]), CAST(:expected AS float8[]), CAST(:share AS float8[]))
     AS u(site_id, expected, share)
WHERE t.build_id = :build_id AND t.site_id = u.site_id
"""
AREAS = """
SELECT t.id, s.external_id AS site, s.name AS site_name, t.band, t.method, t.figures,
       ST_AsBinary(t.geom) AS wkb
FROM trade_areas t JOIN sites s ON s.id = t.site_id
WHERE t.build_id = :build_id
  AND (CAST(:codes AS text[]) IS NULL OR s.external_id = ANY(:codes))
ORDER BY s.external_id, t.id
"""
SITE_POINTS = """
SELECT s.external_id AS site, s.name, s.kind, s.attractiveness, ST_X(s.geom) AS lon,
       ST_Y(s.geom) AS lat
FROM sites s ORDER BY s.external_id
"""
# Pairs of sites whose areas of one band overlap: how much, and how many customers both hold
# (read through account_profiles, so every role may ask: roles without personal data count
# points generalised to ~1 km).
OVERLAPS = """
SELECT sa.external_id AS site, sb.external_id AS other_site, a.band,
       round((ST_Area(ST_Intersection(a.geom, b.geom)::geography) / 1e6)::numeric, 3)
         AS overlap_km2,
       round((ST_Area(ST_Intersection(a.geom, b.geom)::geography)
              / nullif(ST_Area(a.geom::geography), 0))::numeric, 4) AS share_of_site_area,
       (SELECT count(*) FROM account_profiles ac
        WHERE ac.status = 'customer' AND ST_Intersects(a.geom, ac.geom)
          AND ST_Intersects(b.geom, ac.geom)) AS shared_customers
FROM trade_areas a
JOIN trade_areas b ON b.build_id = a.build_id AND b.band = a.band AND b.site_id <> a.site_id
                  AND ST_Intersects(a.geom, b.geom) AND NOT ST_Touches(a.geom, b.geom)
JOIN sites sa ON sa.id = a.site_id JOIN sites sb ON sb.id = b.site_id
WHERE a.build_id = :build_id AND sa.external_id < sb.external_id
ORDER BY overlap_km2 DESC
"""
# Penetration by region of a level: customers per household (or person), the customers the
# region would have at the overall penetration, the gap, and whether a trade area of the
# build covers it.
PENETRATION = """
WITH cells AS (
  SELECT r.id, r.code, r.name,
         (CASE WHEN (SELECT bool_or(households IS NOT NULL) FROM regions WHERE level = :level)
               THEN r.households ELSE r.population END)::float8 AS potential,
         r.geom
  FROM regions r WHERE r.level = :level),
cust AS (
  SELECT ra.region_id, count(*) AS customers
  FROM region_assignments ra JOIN accounts a ON a.id = ra.entity_id
  WHERE ra.entity = 'account' AND ra.level = :level AND a.status = 'customer'
  GROUP BY ra.region_id),
overall AS (
  SELECT sum(coalesce(cust.customers, 0)) / nullif(sum(cells.potential), 0) AS rate
  FROM cells LEFT JOIN cust ON cust.region_id = cells.id
  WHERE cells.potential IS NOT NULL)
SELECT c.code, c.name, c.potential, coalesce(cust.customers, 0) AS customers,
       coalesce(cust.customers, 0) / nullif(c.potential, 0) AS penetration,
       c.potential * o.rate - coalesce(cust.customers, 0) AS gap,
       (CAST(:build_id AS bigint) IS NOT NULL AND EXISTS (
            SELECT 1 FROM trade_areas t WHERE t.build_id = :build_id
              AND ST_Intersects(t.geom, ST_PointOnSurface(c.geom)))) AS in_trade_area,
       ST_AsBinary(ST_SimplifyPreserveTopology(c.geom, 0.0005)) AS wkb
FROM cells c CROSS JOIN overall o LEFT JOIN cust ON cust.region_id = c.id
WHERE c.potential IS NOT NULL
ORDER BY c.code
"""
