"""The report's own SQL (the figures are read through gcrm.cube)."""

from gcrm.cube.sql import REGIONS_WITHIN

# A region named by code (and level, when given).
FIND_REGION = """
SELECT id, level, code, name FROM regions
WHERE code = :code AND (CAST(:level AS text) IS NULL OR level = :level)
ORDER BY level
"""
# Who is asking: sees every account, or only those inside these regions (managers).
SCOPE = """
SELECT gcrm_sees_all_accounts() AS sees_all, gcrm_scope_region_ids() AS scope_ids
"""
# The region and every region above it.
REGION_AND_ANCESTORS = """
WITH RECURSIVE up AS (
    SELECT id, parent_id, level, code, 0 AS depth FROM regions WHERE id = :id
    UNION ALL
    SELECT r.id, r.parent_id, r.level, r.code, up.depth + 1
    FROM regions r JOIN up ON r.id = up.parent_id
)
SELECT id, level, code FROM up ORDER BY depth
"""
SCOPE_NAMES = "SELECT level || ':' || code FROM regions WHERE id = ANY(:ids) ORDER BY 1"
LEVELS = "SELECT name, parent_level, kind FROM region_levels"
# Outlines: the region's own, and those of its areas at a level below (the same areas the
# cube counts in it), so an area without figures still shows, as 'no data'.
OUTLINE = "SELECT code, name, ST_AsBinary(geom) AS wkb FROM regions WHERE id = :id"
AREA_OUTLINES = f"""
SELECT code, name, ST_AsBinary(geom) AS wkb FROM regions
WHERE id IN ({REGIONS_WITHIN}) ORDER BY code
"""
