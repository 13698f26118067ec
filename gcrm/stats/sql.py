"""SQL of gcrm.stats: region outlines and sizes (read as the caller)."""

# The study area: the regions of a level holding accounts the caller may see (the cube's
# accounts cells, under its row-level security), with code, name, households (the base of
# penetration) and outline (WKB; regions are stored in EPSG:4326).
OUTLINES = """
SELECT r.code, r.name, r.households::float8 AS households, ST_AsBinary(r.geom) AS wkb
FROM regions r
WHERE r.level = :level
  AND EXISTS (SELECT 1 FROM cube_accounts c
              WHERE c.level = :level AND c.dim = '*' AND c.region_id = r.id
                AND c.accounts > 0)
ORDER BY r.code
"""
# The level's kind (h3 or boundaries) and whether the caller sees the whole company (the
# roles that may read a build's totals), in one round trip.
LEVEL_AND_SCOPE = """
SELECT (SELECT kind FROM region_levels WHERE name = :level) AS kind,
       has_column_privilege('public.cube_builds', 'source_rows', 'SELECT') AS whole
"""
LEVEL_SIZES = """
SELECT level, count(*) FROM regions GROUP BY level ORDER BY min(id)
"""
