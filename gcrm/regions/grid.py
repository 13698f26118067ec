"""The H3 grid hierarchy over the data: cells at each resolution that hold accounts,
sites or reps, each linked to its parent cell, loaded as region levels ``h3_<res>``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, text

from gcrm.db.engine import get_engine
from gcrm.errors import GcrmError
from gcrm.regions.load import load_regions
from spatial.tessellate import h3_hierarchy

# H3 levels finer than resolution 7 (cells of a few hundred metres): closer than the
# ~1 km a masked or erased point is generalised to, so they count as personal data
# (migration 0006 hides them from roles without personal-data access) and the cube
# leaves them out.
FINE_LEVELS = r"^h3_([89]|1[0-5])$"

POINTS = """
SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM accounts WHERE geom IS NOT NULL
UNION ALL SELECT ST_X(geom), ST_Y(geom) FROM sites
UNION ALL SELECT ST_X(home_geom), ST_Y(home_geom) FROM reps WHERE home_geom IS NOT NULL
"""


def build_grid(resolutions: Sequence[int], *, engine: Engine | None = None) -> dict[str, int]:
    """Load H3 levels for ``resolutions`` (e.g. 5, 7, 9). Returns cells per level."""
    engine = engine or get_engine()
    with engine.connect() as conn:
        rows = conn.execute(text(POINTS)).all()
    if not rows:
        raise GcrmError("There are no located accounts, sites or reps to build a grid over; "
                        "load and geocode data first.")
    lon, lat = zip(*rows, strict=True)
    hierarchy = h3_hierarchy(lon, lat, resolutions)
    counts, previous = {}, None
    for res, cells in sorted(hierarchy.items()):
        level = f"h3_{res}"
        load_regions(
            cells, level=level, code_field="code", name_field="code",
            parent_level=f"h3_{previous}" if previous is not None else None,
            parent_field="parent_code" if previous is not None else None,
            kind="h3", engine=engine,
        )
        counts[level] = len(cells)
        previous = res
    return counts
