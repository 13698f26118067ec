"""Place search, offline: a town, a ZIP/postcode or a region's name or code -> where it is.

Looks in the loaded regions (any level, by code or name), the geocoding reference's
postcodes and places. Exact matches first, then names starting with the text, then names
containing it; towns before postcodes before regions, bigger first.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, text

from gcrm.basemap import sql
from gcrm.basemap.reference import _title
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput

COLUMNS = ["name", "kind", "code", "west", "south", "east", "north", "lat", "lon"]
POSTCODE_PAD = 0.02  # degrees around a postcode's centre (~2 km), twice that for a town


def search(text_: str, *, limit: int = 10, engine: Engine | None = None) -> pd.DataFrame:
    """Places matching ``text_``: name, kind (place, postcode or the region level), code,
    bounds (west, south, east, north) to fit the map to, and the centre (lat, lon).

    >>> search("19901", limit=1)  # doctest: +SKIP
              name      kind   code  ...
    0  19901 Dover  postcode  19901  ...
    """
    query = " ".join(str(text_ or "").split())
    if len(query) < 2:
        raise InvalidInput("Type at least two characters of a town, ZIP code or region.")
    if not 1 <= int(limit) <= 100:
        raise InvalidInput(f"limit must be between 1 and 100, not {limit}.")
    like = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(sql.SEARCH_PLACES), {
            "text": query, "prefix": like + "%", "contains": "%" + like + "%",
            "pad": POSTCODE_PAD, "limit": 2 * int(limit)}).mappings().all()
    found = pd.DataFrame(rows, columns=COLUMNS[:7])
    # A postcode that is also a loaded region: keep the region (its outline's bounds).
    regions = set(found.loc[~found["kind"].isin(["place", "postcode"]), "code"])
    found = found[~((found["kind"] == "postcode") & found["code"].isin(regions))]
    found = found.head(int(limit)).reset_index(drop=True)
    found["name"] = [_display(n) if k in ("place", "postcode") else n
                     for n, k in zip(found["name"], found["kind"], strict=True)]
    found["lat"] = (found["south"] + found["north"]) / 2
    found["lon"] = (found["west"] + found["east"]) / 2
    return found[COLUMNS]


def _display(name: str) -> str:
    """``DOVER, DE`` -> ``Dover, DE``; ``19901 DOVER`` -> ``19901 Dover``."""
    head, _, region = str(name).partition(", ")
    return _title(head) + (f", {region}" if region else "")
