"""SQL of gcrm.models.forecast: the region levels and who is whose parent (read as the
caller; the series themselves come from ``gcrm.cube.query``)."""

# Every level with its parent level and depth (0 = the top).
LEVELS = "SELECT name, parent_level, depth, kind FROM region_levels ORDER BY depth, name"
# The parent of each region of a level.
PARENTS = "SELECT id, parent_id FROM regions WHERE level = :level AND id = ANY(:ids)"
