"""Put the accounts in map order on disk: after a large load or geocoding run.

A map view reads the accounts whose points fall in it. Loaded in file order, the 34,608
accounts of a city view at a million accounts sit on 14,470 different table pages; in
the order of their points (``CLUSTER`` on the GiST index of ``geom``) on a few hundred,
and the view is read twice as fast. PostgreSQL does not keep that order as rows are
written later, so this is run again after the next large load (``gcrm db optimize``; the
demo world runs it once built).

``CLUSTER`` rewrites the table and holds an exclusive lock on ``accounts`` while it runs
(about 7 s at a million accounts): dashboards reading accounts wait for it. The
statistics are refreshed after.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, text

from gcrm.db.engine import get_engine

ORDER_INDEX = "idx_accounts_geom"  # the GiST index of accounts.geom (gcrm.db.models)


def cluster_accounts(*, engine: Engine | None = None) -> float:
    """Rewrite ``accounts`` in the order of its points and refresh its statistics;
    returns the seconds it took. Operator only (the table's owner)."""
    engine = engine or get_engine()
    start = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CLUSTER accounts USING {ORDER_INDEX}"))
        conn.execute(text("ANALYZE accounts"))
    return time.perf_counter() - start
