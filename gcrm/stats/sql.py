"""SQL of gcrm.stats: region outlines and sizes (read as the caller)."""

# The regions of a level: code, name, households (the base of penetration), outline.
OUTLINES = """
SELECT code, name, households::float8 AS households, geom AS geometry
FROM regions WHERE level = :level ORDER BY code
"""
LEVEL_KINDS = "SELECT name, kind FROM region_levels"
LEVEL_SIZES = """
SELECT level, count(*) FROM regions GROUP BY level ORDER BY min(id)
"""
# Whether the caller sees the whole company (the roles that may read a build's totals).
SEES_EVERYTHING = "SELECT has_column_privilege('public.cube_builds', 'source_rows', 'SELECT')"
