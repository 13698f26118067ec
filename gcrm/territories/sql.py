"""The SQL of territory scenarios, in one place."""

# Areas of a level with their workloads from the regional cube as last built: accounts now,
# revenue of its last 12 months. A few thousand cells instead of every sale: what keeps a
# design or a move at 1M accounts and 10M sales to seconds.
CUBE_HAS_LEVEL = """
SELECT EXISTS (SELECT 1 FROM cube_accounts WHERE level = :level AND dim = '*')
"""
AREAS_FROM_CUBE = """
SELECT r.id AS region_id, r.code, r.name, ST_AsBinary(r.geom) AS wkb,
       coalesce(a.accounts, 0)::float8 AS accounts, coalesce(s.revenue, 0)::float8 AS revenue
FROM regions r
LEFT JOIN cube_accounts a ON a.region_id = r.id AND a.level = :level AND a.dim = '*'
                         AND a.member = '*'
LEFT JOIN (SELECT region_id, sum(revenue) AS revenue FROM cube_sales
           WHERE level = :level AND dim = '*' AND member = '*'
             AND month > (SELECT max(month) FROM cube_sales WHERE level = :level)
                         - interval '12 months'
           GROUP BY region_id) s ON s.region_id = r.id
WHERE r.level = :level
ORDER BY r.code
"""
# The rep who owns most of each area's accounts now (the current plan), live.
CURRENT_OWNERS = """
SELECT ra.region_id, mode() WITHIN GROUP (ORDER BY ac.owner_rep_id) AS current_rep
FROM region_assignments ra JOIN accounts ac ON ac.id = ra.entity_id
WHERE ra.entity = 'account' AND ra.level = :level
GROUP BY ra.region_id
"""
# Without a cube for the level: the same workloads from the facts (slow at scale), and the
# current owners.
AREAS = """
SELECT r.id AS region_id, r.code, r.name, ST_AsBinary(r.geom) AS wkb,
       coalesce(a.accounts, 0)::float8 AS accounts, coalesce(s.revenue, 0)::float8 AS revenue,
       a.owner AS current_rep
FROM regions r
LEFT JOIN (SELECT ra.region_id, count(*) AS accounts,
                  mode() WITHIN GROUP (ORDER BY ac.owner_rep_id) AS owner
           FROM region_assignments ra JOIN accounts ac ON ac.id = ra.entity_id
           WHERE ra.entity = 'account' AND ra.level = :level
           GROUP BY ra.region_id) a ON a.region_id = r.id
LEFT JOIN (SELECT ra.region_id, sum(sa.amount) AS revenue
           FROM region_assignments ra JOIN sales sa ON sa.account_id = ra.entity_id
           WHERE ra.entity = 'account' AND ra.level = :level
             AND sa.order_date > (SELECT max(order_date) FROM sales) - interval '12 months'
           GROUP BY ra.region_id) s ON s.region_id = r.id
WHERE r.level = :level
ORDER BY r.code
"""
# The areas alone (for the contiguity of a move).
AREA_SHAPES = "SELECT code, ST_AsBinary(geom) FROM regions WHERE level = :level ORDER BY code"
LEVEL_EXISTS = "SELECT EXISTS (SELECT 1 FROM region_levels WHERE name = :level)"
LEVELS = "SELECT name FROM region_levels ORDER BY depth, name"
# Reps' homes through rep_bases: about 1 km for roles without personal data.
REPS = """
SELECT id, name, ST_X(home_geom) AS lon, ST_Y(home_geom) AS lat, capacity::float8 AS capacity
FROM rep_bases WHERE active ORDER BY id
"""

SCENARIO = """
SELECT id, name, level, params, applied_at, applied_by, applied_accounts
FROM territory_scenarios WHERE name = :name
"""
SCENARIOS = """
SELECT s.name, s.level, count(t.id) AS territories, s.created_by, s.created_at, s.applied_at,
       s.applied_by, s.applied_accounts
FROM territory_scenarios s LEFT JOIN territories t ON t.scenario_id = s.id
GROUP BY s.id ORDER BY s.created_at, s.name
"""
INSERT_SCENARIO = """
INSERT INTO territory_scenarios (name, level, params, created_by)
VALUES (:name, :level, CAST(:params AS jsonb), :created_by) RETURNING id
"""
DELETE_SCENARIO = "DELETE FROM territory_scenarios WHERE name = :name"
INSERT_TERRITORY = """
INSERT INTO territories (scenario_id, code, name, rep_id)
VALUES (:scenario_id, :code, :name, :rep_id) RETURNING id
"""
INSERT_AREAS = """
INSERT INTO territory_areas (scenario_id, territory_id, region_id, locked)
SELECT :scenario_id, t.id, u.region_id, false
FROM unnest(CAST(:codes AS text[]), CAST(:regions AS bigint[])) AS u(code, region_id)
JOIN territories t ON t.scenario_id = :scenario_id AND t.code = u.code
"""
# Territory outlines: the union of their areas.
OUTLINES = """
UPDATE territories t SET geom = x.geom
FROM (SELECT ta.territory_id, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(r.geom)), 3))
             AS geom
      FROM territory_areas ta JOIN regions r ON r.id = ta.region_id
      WHERE ta.scenario_id = :scenario_id GROUP BY ta.territory_id) x
WHERE t.id = x.territory_id
"""
EMPTY_OUTLINES = """
UPDATE territories t SET geom = NULL
WHERE t.scenario_id = :scenario_id
  AND NOT EXISTS (SELECT 1 FROM territory_areas ta WHERE ta.territory_id = t.id)
"""
PLAN = """
SELECT r.code AS area, t.code AS territory
FROM territory_areas ta JOIN regions r ON r.id = ta.region_id
JOIN territories t ON t.id = ta.territory_id
WHERE ta.scenario_id = :scenario_id
"""
TERRITORIES = """
SELECT t.code, t.name, t.rep_id, rep.name AS rep, ST_X(rep.home_geom) AS lon,
       ST_Y(rep.home_geom) AS lat, rep.capacity::float8 AS capacity
FROM territories t LEFT JOIN rep_bases rep ON rep.id = t.rep_id
WHERE t.scenario_id = :scenario_id ORDER BY t.code
"""
MOVE = """
UPDATE territory_areas ta SET territory_id = t.id
FROM territories t, regions r
WHERE ta.scenario_id = :scenario_id AND t.scenario_id = :scenario_id AND t.code = :territory
  AND r.id = ta.region_id AND r.code = :area AND r.level = :level
"""
# Apply: every account in a territory's areas is owned by the territory's rep. The figure the
# page shows before Apply ("accounts changing owner") counts exactly the rows Apply updates:
# both read the same FROM and WHERE.
_OWNER_CHANGES = """
FROM territory_areas ta
JOIN territories t ON t.id = ta.territory_id
JOIN region_assignments ra ON ra.region_id = ta.region_id AND ra.entity = 'account'
WHERE ta.scenario_id = :scenario_id AND t.rep_id IS NOT NULL AND a.id = ra.entity_id
  AND a.owner_rep_id IS DISTINCT FROM t.rep_id
"""
# Apply returns each account moved with its owner before and after (its open cases follow).
APPLY = ("WITH moves AS (SELECT a.id, a.owner_rep_id AS was_rep, m.rep_id FROM accounts a "
         "JOIN LATERAL (SELECT t.rep_id" + _OWNER_CHANGES + ") m ON true) "
         "UPDATE accounts a SET owner_rep_id = moves.rep_id FROM moves WHERE a.id = moves.id "
         "RETURNING a.id, moves.was_rep, moves.rep_id")
OWNER_CHANGES = "SELECT count(*) FROM accounts a WHERE EXISTS (SELECT 1" + _OWNER_CHANGES + ")"
APPLIED = """
UPDATE territory_scenarios SET applied_at = now(), applied_by = :actor,
       applied_accounts = :changed
WHERE id = :scenario_id
"""

# The areas of a scenario with their territory and rep, for the map.
PLAN_MAP = """
SELECT r.code, r.name, t.code AS territory, rep.name AS rep, ST_AsBinary(r.geom) AS wkb
FROM territory_areas ta JOIN regions r ON r.id = ta.region_id
JOIN territories t ON t.id = ta.territory_id LEFT JOIN reps rep ON rep.id = t.rep_id
WHERE ta.scenario_id = :scenario_id ORDER BY r.code
"""
