"""The SQL of regions, in one place: loading, hierarchy, parts, assignment, queries."""

CREATE_STAGE = """
CREATE TEMP TABLE stage_regions (
    code text PRIMARY KEY, name text, parent_code text, population bigint, households bigint,
    wkb bytea
) ON COMMIT DROP
"""
COPY_STAGE = (
    "COPY stage_regions (code, name, parent_code, population, households, wkb) FROM STDIN"
)

# Repair (ST_MakeValid), keep the polygonal part, make it a MultiPolygon.
_CLEAN = (
    "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromWKB(s.wkb), 4326)), 3))"
)

EMPTY_AFTER_REPAIR = f"""
SELECT s.code FROM stage_regions s WHERE ST_IsEmpty({_CLEAN})
"""

UPSERT = f"""
INSERT INTO regions AS r (level, code, name, parent_id, geom, population, households)
SELECT :level, s.code, s.name, p.id, {_CLEAN}, s.population, s.households
FROM stage_regions s
LEFT JOIN regions p ON p.level = :parent_level AND p.code = s.parent_code
WHERE NOT ST_IsEmpty({_CLEAN})
ON CONFLICT (level, code) DO UPDATE SET
    name = EXCLUDED.name, parent_id = EXCLUDED.parent_id, geom = EXCLUDED.geom,
    population = coalesce(EXCLUDED.population, r.population),
    households = coalesce(EXCLUDED.households, r.households)
"""

UNKNOWN_PARENTS = """
SELECT s.code, s.parent_code FROM stage_regions s
WHERE s.parent_code IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM regions p WHERE p.level = :parent_level AND p.code = s.parent_code)
"""

# The parent is the region of the parent level holding most of the child's area.
SPATIAL_PARENTS = """
WITH best AS (
    SELECT DISTINCT ON (c.id) c.id AS child_id, p.id AS parent_id
    FROM regions c
    JOIN regions p ON p.level = :parent_level AND ST_Intersects(p.geom, c.geom)
    WHERE c.level = :level
    ORDER BY c.id, ST_Area(ST_Intersection(p.geom, c.geom)) DESC, p.code
)
UPDATE regions c SET parent_id = best.parent_id FROM best WHERE c.id = best.child_id
"""

# Islands off a coarse parent outline touch no parent: take the nearest one.
NEAREST_PARENTS = """
UPDATE regions c SET parent_id = (
    SELECT p.id FROM regions p WHERE p.level = :parent_level
    ORDER BY p.geom <-> c.geom, p.code LIMIT 1)
WHERE c.level = :level AND c.parent_id IS NULL
"""

UPSERT_LEVEL = """
INSERT INTO region_levels (name, parent_level, depth, kind, source)
VALUES (:level, :parent_level,
        coalesce((SELECT depth + 1 FROM region_levels WHERE name = :parent_level), 0),
        :kind, :source)
ON CONFLICT (name) DO UPDATE SET parent_level = EXCLUDED.parent_level,
    depth = EXCLUDED.depth, kind = EXCLUDED.kind, source = EXCLUDED.source, loaded_at = now()
"""

REBUILD_PARTS = """
DELETE FROM region_parts WHERE level = :level;
INSERT INTO region_parts (region_id, level, geom)
SELECT id, level, ST_CollectionExtract(ST_Subdivide(geom, 96), 3)
FROM regions WHERE level = :level;
"""

FORGET_LEVEL_ASSIGNMENTS = "DELETE FROM region_assignments WHERE level = :level"

# --- assignment -----------------------------------------------------------------------------
# Each entity: its table, id and point column. Accounts carry updated_at, so their
# assignment can be refreshed incrementally; sites and reps are small and redone whole.
POINTS = {
    "account": ("accounts", "geom"),
    "site": ("sites", "geom"),
    "rep": ("reps", "home_geom"),
}

FORGET_MOVED_ACCOUNTS = """
DELETE FROM region_assignments ra USING accounts a
WHERE ra.entity = 'account' AND ra.entity_id = a.id AND a.updated_at > ra.assigned_at
"""

# Erased accounts keep the regions they had (their point was generalised; reassigning it
# could move them and change figures that must not change).
FORGET_ENTITY = """
DELETE FROM region_assignments
WHERE entity = :entity AND level = ANY(:levels)
  AND NOT (entity = 'account' AND entity_id IN (
      SELECT id FROM accounts WHERE erased_at IS NOT NULL))
"""

# One pass per level, in two steps. First the hits: which region part holds each point.
# A full pass is driven from the (subdivided) regions through the GiST index on the points,
# and runs in parallel (CREATE TABLE AS may; INSERT ... SELECT may not). An incremental pass
# looks up only the points not yet assigned, each through the GiST index on the parts
# (OFFSET 0 keeps the planner from turning it back into a region-driven join). The hits
# do not join the regions: with parallel setup made free for this statement, stale
# statistics (a table refilled since its last ANALYZE) made the planner rescan a parallel
# scan of the regions once per hit, 40-80 s for 3,000 accounts; the codes are joined in
# the write instead.
DROP_HITS = "DROP TABLE IF EXISTS assign_hits"

HITS_ALL = """
CREATE TEMP TABLE assign_hits ON COMMIT DROP AS
SELECT p.id, rp.region_id
FROM {table} p
JOIN region_parts rp ON rp.level = :level AND ST_Intersects(rp.geom, p.{geom})
"""

HITS_PENDING = """
CREATE TEMP TABLE assign_hits ON COMMIT DROP AS
SELECT p.id, hit.region_id
FROM {table} p
CROSS JOIN LATERAL (
    SELECT rp.region_id FROM region_parts rp
    WHERE rp.level = :level AND ST_Intersects(rp.geom, p.{geom}) OFFSET 0
) hit
WHERE p.{geom} IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM region_assignments x
    WHERE x.entity = :entity AND x.entity_id = p.id AND x.level = :level)
"""

POINT_ROWS = "SELECT count(*) FROM {table} WHERE {geom} IS NOT NULL"

ANY_ASSIGNED = """
SELECT EXISTS (SELECT 1 FROM region_assignments WHERE entity = :entity AND level = :level)
"""

# Then the write: every pending point once, in id order (so the primary key grows at its
# right edge instead of splitting pages all over). A point on a shared edge hits two
# regions and the one with the smallest code wins; a point in no region is written with
# no region, to be reported.
def assign_sql(all_pending: bool) -> str:
    """The write. With ``all_pending`` (nothing of this entity and level is assigned, so
    every point with a location is pending) it skips looking each one up among the
    assignments."""
    pending = "" if all_pending else """ AND NOT EXISTS (
        SELECT 1 FROM region_assignments x
        WHERE x.entity = :entity AND x.entity_id = t.id AND x.level = :level)"""
    return f"""
WITH written AS (
    INSERT INTO region_assignments (entity, entity_id, level, region_id)
    SELECT :entity, t.id, :level, hit.region_id
    FROM {{table}} t
    LEFT JOIN (
        SELECT DISTINCT ON (h.id) h.id, h.region_id
        FROM assign_hits h JOIN regions r ON r.id = h.region_id ORDER BY h.id, r.code
    ) hit ON hit.id = t.id
    WHERE t.{{geom}} IS NOT NULL{pending}
    ORDER BY t.id
    RETURNING region_id
)
SELECT count(*) AS written, count(*) FILTER (WHERE region_id IS NULL) AS outside FROM written
"""


ASSIGN = assign_sql(False)
ASSIGN_ALL = assign_sql(True)

# The same pass run on Dask (gcrm.regions.assign_dask). The pending points
# (as ASSIGN picks them) go out in id order; the region parts go out once, each with the
# rank of its region's code as the database sorts codes (the tie rule of ASSIGN); the
# workers' answers come back through COPY into DASK_HITS and are written as ASSIGN writes.
# (COPY out: about 5x faster than fetching rows; its parameters are bound by psycopg's
# client-side cursor, hence %(name)s.)
DASK_PENDING = """
COPY (
    SELECT t.id, ST_X(t.{geom}) AS lon, ST_Y(t.{geom}) AS lat
    FROM {table} t
    WHERE t.{geom} IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM region_assignments x
        WHERE x.entity = %(entity)s AND x.entity_id = t.id AND x.level = %(level)s)
    ORDER BY t.id
) TO STDOUT (FORMAT csv)
"""
DASK_PARTS = """
SELECT rp.region_id, dense_rank() OVER (ORDER BY r.code) AS rank, ST_AsBinary(rp.geom) AS wkb
FROM region_parts rp JOIN regions r ON r.id = rp.region_id
WHERE rp.level = :level
"""
DROP_DASK_HITS = "DROP TABLE IF EXISTS dask_hits"
DASK_HITS = "CREATE TEMP TABLE dask_hits (id bigint PRIMARY KEY, region_id bigint) ON COMMIT DROP"
COPY_DASK_HITS = "COPY dask_hits (id, region_id) FROM STDIN (FORMAT csv)"
DASK_ASSIGN = """
WITH written AS (
    INSERT INTO region_assignments (entity, entity_id, level, region_id)
    SELECT :entity, h.id, :level, h.region_id
    FROM dask_hits h
    WHERE NOT EXISTS (
        SELECT 1 FROM region_assignments x
        WHERE x.entity = :entity AND x.entity_id = h.id AND x.level = :level)
    ORDER BY h.id
    RETURNING region_id
)
SELECT count(*) AS written, count(*) FILTER (WHERE region_id IS NULL) AS outside FROM written
"""

UNASSIGNED = """
SELECT ra.entity, ra.entity_id, ra.level, ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat
FROM region_assignments ra JOIN account_profiles t ON ra.entity = 'account' AND t.id = ra.entity_id
WHERE ra.region_id IS NULL AND (CAST(:level AS text) IS NULL OR ra.level = :level)
ORDER BY ra.level, ra.entity_id
"""

# --- queries --------------------------------------------------------------------------------
LEVELS = """
SELECT l.name, l.parent_level, l.depth, l.kind, l.source, count(r.id) AS regions
FROM region_levels l LEFT JOIN regions r ON r.level = l.name
GROUP BY l.name ORDER BY l.kind, l.depth, l.name
"""

REGION = "SELECT id, level, code, name, parent_id FROM regions WHERE code = :code {level}"

CHILDREN = """
SELECT c.level, c.code, c.name, c.population, c.households
FROM regions c JOIN regions p ON c.parent_id = p.id
WHERE p.code = :code {level} ORDER BY c.code
"""

ANCESTORS = """
WITH RECURSIVE up AS (
    SELECT id, level, code, name, parent_id, 0 AS hops FROM regions WHERE code = :code {level}
    UNION ALL
    SELECT p.id, p.level, p.code, p.name, p.parent_id, up.hops + 1
    FROM regions p JOIN up ON p.id = up.parent_id
)
SELECT level, code, name FROM up WHERE hops > 0 ORDER BY hops DESC
"""

FRAME = """
SELECT r.level, r.code, r.name, p.code AS parent_code, r.population, r.households, r.context,
       ST_AsBinary(r.geom) AS geometry
FROM regions r LEFT JOIN regions p ON p.id = r.parent_id
WHERE r.level = :level ORDER BY r.code
"""

CONTEXT_STAGE = (
    "CREATE TEMP TABLE stage_context (code text PRIMARY KEY, attrs jsonb) ON COMMIT DROP"
)
CONTEXT_MERGE = """
UPDATE regions r SET context = r.context || s.attrs
FROM stage_context s WHERE r.level = :level AND r.code = s.code
RETURNING r.code
"""
