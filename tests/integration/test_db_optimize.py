"""``gcrm db optimize``: the accounts rewritten in the order of their points, nothing
else changed; a map view's accounts then sit on far fewer table pages."""

import numpy as np
import pytest
from sqlalchemy import text

from gcrm.db.optimize import cluster_accounts

BOX = "ST_MakeEnvelope(-75.30, 39.90, -75.10, 40.05, 4326)"  # about a tenth of the area
PAGES_IN_VIEW = (f"SELECT count(DISTINCT (ctid::text::point)[0]) FROM accounts "
                 f"WHERE geom && {BOX}")
ROWS = ("SELECT id, external_id, name, status, ST_AsText(geom), ST_AsText(geom_masked) "
        "FROM accounts ORDER BY id")


def test_optimize_orders_the_accounts_by_place_and_changes_no_row(db):
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(-75.8, -75.0, 6_000), rng.uniform(39.7, 40.2, 6_000)
    with db.begin() as conn:  # inserted in random (file) order, with long names
        conn.execute(text(
            "INSERT INTO accounts (source, external_id, name, status, geom) "
            "SELECT 'test', 'A' || i, repeat('x', 300) || i, 'customer', "
            "ST_SetSRID(ST_MakePoint(x, y), 4326) "
            "FROM unnest(CAST(:lon AS float8[]), CAST(:lat AS float8[])) "
            "WITH ORDINALITY AS t(x, y, i)"),
            {"lon": lon.tolist(), "lat": lat.tolist()})
        before_rows = conn.execute(text(ROWS)).all()
        before_pages = conn.execute(text(PAGES_IN_VIEW)).scalar_one()

    cluster_accounts(engine=db)

    with db.connect() as conn:
        assert conn.execute(text(ROWS)).all() == before_rows
        after_pages = conn.execute(text(PAGES_IN_VIEW)).scalar_one()
        # the planner's statistics describe these points (ANALYZE ran)
        extent = conn.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM ST_EstimatedExtent('public', 'accounts', 'geom') e")).one()
    assert extent == pytest.approx((-75.8, 39.7, -75.0, 40.2), abs=0.01)
    # ~450 accounts in view: spread over nearly every page before, a few after
    assert after_pages * 3 < before_pages, (before_pages, after_pages)
