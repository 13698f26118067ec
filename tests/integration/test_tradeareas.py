"""Trade areas on the demo world (Delaware, 1,500 accounts, its stores and ZIP areas), built
by a marketer: rings hold what PostGIS finds within the radius, customer-derived areas
hold the asked share of each store's customers, Thiessen areas tile the state, the Huff
model's probabilities sum to one and its calibration finds the demo's true decay, drive
times grow on real OpenStreetMap roads, overlaps and white space add up."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gcrm import tradeareas
from gcrm.access import users
from gcrm.demo import build_demo
from gcrm.demo.world import HUFF_DECAY
from gcrm.errors import InvalidInput

ROADS = Path(__file__).parents[2].parent / "shared" / "data" / "roads"


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory):
    build_demo(tmp_path_factory.mktemp("demo"), seed=5, accounts=1500, states=("DE",),
               engine=engine)
    users.add_user("mara", "marketer", password="marketer password", engine=engine)
    users.add_user("pete", "planner", password="planner password", engine=engine)
    yield engine
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


@pytest.fixture(scope="module")
def marketer(demo):
    user = users.get_user("mara", engine=demo)
    engine = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    yield engine
    engine.dispose()


def _one(engine, query, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).one()


def _all(engine, query, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).all()


def test_rings_hold_what_postgis_finds_within_the_radius(marketer, demo):
    built = tradeareas.build("rings", "ring", radii_km=(3, 5), replace=True, engine=marketer)
    sites = _one(demo, "SELECT count(*) FROM sites")[0]
    assert len(built.areas) == 2 * sites
    assert set(built.areas["band"]) == {"3 km", "5 km"}
    for row in built.areas.itertuples():
        radius = 3 if row.band == "3 km" else 5
        assert row.area_km2 == pytest.approx(3.14159 * radius ** 2, rel=0.01)
        # Independently: customers within the radius by geodesic distance.
        within = _one(demo, """
            SELECT count(*) FROM accounts a JOIN sites s ON s.external_id = :site
            WHERE a.status = 'customer'
              AND ST_DWithin(a.geom::geography, s.geom::geography, :m)""",
                      site=row.site, m=radius * 1000 * 0.999)[0]
        assert within <= row.customers <= within * 1.02 + 1
    busiest = built.areas.sort_values("customers").iloc[-1]
    assert busiest.households > 0 and busiest.penetration == pytest.approx(
        busiest.customers / busiest.households, rel=1e-3)
    assert 0 < busiest.share <= 1
    # Audited with the count, under the marketer's name.
    actor, details = _one(demo, "SELECT actor, details FROM audit_log "
                                "WHERE action = 'tradearea.build' ORDER BY id DESC LIMIT 1")
    assert actor == "mara" and details["sites"] == sites


def test_customer_derived_areas_hold_the_asked_share(marketer, demo):
    built = tradeareas.build("drawn", "customers", shares=(0.6, 0.8), replace=True,
                             engine=marketer)
    assert set(built.areas["band"]) == {"60%", "80%"}
    for row in built.areas.itertuples():
        share = 0.6 if row.band == "60%" else 0.8
        inside, total = _one(demo, """
            WITH c AS (SELECT DISTINCT s.account_id FROM sales s JOIN sites si
                         ON si.id = s.site_id AND si.external_id = :site
                       WHERE s.order_date > (SELECT max(order_date) FROM sales)
                                            - interval '12 months')
            SELECT count(*) FILTER (WHERE ST_Intersects(t.geom, a.geom)), count(*)
            FROM c JOIN accounts a ON a.id = c.account_id, trade_areas t
            WHERE t.id = :id""", site=row.site, id=row.id)
        assert inside / total >= share - 1e-9
    # Outlines drawn around customers' homes are widened by 1 km onto the ~1 km grid the
    # masked views use: every corner is on it, so no home can be read back.
    corners = _one(demo, """SELECT bool_and(abs(ST_X(p.geom) * 100 - round(ST_X(p.geom) * 100))
                                          < 1e-6 AND abs(ST_Y(p.geom) * 100
                                          - round(ST_Y(p.geom) * 100)) < 1e-6)
        FROM trade_areas t JOIN trade_area_builds b ON b.id = t.build_id,
             ST_DumpPoints(t.geom) p WHERE b.name = 'drawn'""")[0]
    assert corners


def test_thiessen_areas_tile_the_state(marketer, demo):
    built = tradeareas.build("nearest", "voronoi", replace=True, engine=marketer)
    state = _one(demo, "SELECT sum(ST_Area(geom::geography)) / 1e6 FROM regions "
                       "WHERE level = 'state'")[0]
    assert built.areas["area_km2"].sum() == pytest.approx(state, rel=0.005)
    assert tradeareas.overlaps("nearest", engine=marketer).empty
    # A store's own point is inside its own area.
    inside = _one(demo, """SELECT bool_and(ST_Intersects(t.geom, s.geom)) FROM trade_areas t
        JOIN trade_area_builds b ON b.id = t.build_id JOIN sites s ON s.id = t.site_id
        WHERE b.name = 'nearest'""")[0]
    assert inside


def test_huff_probabilities_sum_to_one_and_calibration_finds_the_true_decay(marketer, demo):
    built = tradeareas.build("gravity", "huff", level="zip", calibrate=True, k=None,
                             replace=True, engine=marketer)
    assert built.params["decay"] == pytest.approx(HUFF_DECAY, abs=0.3)
    sums = _all(demo, """SELECT sum(probability) FROM huff_probabilities h
        JOIN trade_area_builds b ON b.id = h.build_id WHERE b.name = 'gravity'
        GROUP BY region_id""")
    assert sums and all(s[0] == pytest.approx(1, abs=1e-9) for s in sums)
    assert built.areas["huff_share"].sum() == pytest.approx(1, abs=1e-3)
    # Each ZIP area is in exactly one site's "most likely" area: they tile the state too.
    state = _one(demo, "SELECT sum(ST_Area(geom::geography)) / 1e6 FROM regions "
                       "WHERE level = 'state'")[0]
    assert built.areas["area_km2"].sum() == pytest.approx(state, rel=0.01)


def test_drive_times_need_a_network_then_grow_with_the_minutes(marketer, demo):
    with demo.begin() as conn:
        conn.execute(text("DELETE FROM road_edges"))
        conn.execute(text("DELETE FROM road_nodes"))
    with pytest.raises(InvalidInput, match="No road network is loaded"):
        tradeareas.build("drive", "drivetime", minutes=(5,), engine=marketer)
    if not ROADS.exists():
        pytest.skip("../shared/data/roads is not beside the project (real OSM roads)")
    summary = tradeareas.load_roads(ROADS / "los_altos_ca_osm_roads.geojson",
                                    network="los_altos", engine=demo)
    assert summary["edges"] > 1000
    with demo.begin() as conn:  # a store in Los Altos, beside the Delaware ones
        conn.execute(text("""INSERT INTO sites (source, external_id, name, geom, attractiveness)
            VALUES ('test', 'LA1', 'Los Altos store',
                    ST_SetSRID(ST_MakePoint(-122.1141, 37.3852), 4326), 10000)"""))
    try:
        built = tradeareas.build("drive", "drivetime", minutes=(2, 5, 10), replace=True,
                                 engine=marketer)
        assert set(built.areas["site"]) == {"LA1"}
        assert len(built.skipped) == _one(demo, "SELECT count(*) FROM sites")[0] - 1
        assert all("no road" in why for why in built.skipped.values())
        areas = built.areas.set_index("band")["area_km2"]
        assert areas["2 min"] < areas["5 min"] < areas["10 min"]
        nested = _one(demo, """SELECT ST_Covers(ST_Buffer(b.geom, 1e-6), a.geom)
            FROM trade_areas a, trade_areas b WHERE a.band = '5 min' AND b.band = '10 min'
            AND a.build_id = b.build_id""")[0]
        assert nested
    finally:
        with demo.begin() as conn:
            conn.execute(text("DELETE FROM sites WHERE external_id = 'LA1'"))


def test_overlaps_count_the_customers_two_stores_share(marketer, demo):
    tradeareas.build("rings", "ring", radii_km=(3, 5), replace=True, engine=marketer)
    pairs = tradeareas.overlaps("rings", engine=marketer)
    assert not pairs.empty
    top = pairs.iloc[0]
    shared = _one(demo, """
        SELECT count(*) FROM accounts a, sites x, sites y
        WHERE x.external_id = :a AND y.external_id = :b AND a.status = 'customer'
          AND ST_DWithin(a.geom::geography, x.geom::geography, :m)
          AND ST_DWithin(a.geom::geography, y.geom::geography, :m)""",
                  a=top.site, b=top.other_site, m=float(top.band.split()[0]) * 1000 * 0.999)[0]
    assert shared <= top.shared_customers <= shared * 1.02 + 1


def test_white_space_is_where_customers_lag_the_households(marketer, demo):
    tradeareas.build("rings", "ring", radii_km=(3, 5), replace=True, engine=marketer)
    frame = tradeareas.penetration("zip", build="rings", engine=marketer)
    customers = _one(demo, "SELECT count(*) FROM accounts a JOIN region_assignments ra "
                           "ON ra.entity_id = a.id AND ra.entity = 'account' "
                           "AND ra.level = 'zip' WHERE a.status = 'customer'")[0]
    assert frame["customers"].sum() == customers
    # At the overall rate the gaps cancel out; white space is the top tenth by gap.
    assert frame["gap"].sum() == pytest.approx(0, abs=1e-6 * customers)
    white = frame[frame["white_space"]]
    assert len(white) >= 1 and white["gap"].min() >= frame.loc[~frame["white_space"],
                                                                 "gap"].max()
    assert (white["penetration"] < frame["customers"].sum() / frame["potential"].sum()).all()


def test_bad_requests_are_refused_with_the_reason_and_keep_what_is_stored(marketer, demo):
    tradeareas.build("keep", "ring", radii_km=(2,), replace=True, engine=marketer)
    with pytest.raises(InvalidInput, match="exist"):
        tradeareas.build("keep", "ring", radii_km=(9,), engine=marketer)
    with pytest.raises(InvalidInput, match="Unknown site"):
        tradeareas.build("x", "ring", sites=["NOPE"], engine=marketer)
    with pytest.raises(InvalidInput, match="positive"):
        tradeareas.build("x", "ring", radii_km=(0,), engine=marketer)
    with pytest.raises(InvalidInput, match="Unknown method"):
        tradeareas.build("x", "magic", engine=marketer)
    assert set(tradeareas.areas("keep", engine=marketer)["band"]) == {"2 km"}


def test_huff_for_some_sites_lets_every_site_compete(marketer, demo):
    everyone = tradeareas.build("all", "huff", level="zip", replace=True, engine=marketer)
    first = everyone.areas.sort_values("huff_share").iloc[-1]
    one = tradeareas.build("one", "huff", level="zip", sites=[first.site], replace=True,
                           engine=marketer)
    assert list(one.areas["site"]) == [first.site]
    assert one.areas["huff_share"].iloc[0] == pytest.approx(first.huff_share, abs=1e-4)
    assert first.huff_share < 0.9
    assert one.areas["area_km2"].iloc[0] == pytest.approx(first.area_km2, rel=1e-6)


def test_a_replace_that_yields_nothing_keeps_the_build_it_would_replace(marketer):
    tradeareas.build("kept", "huff", level="zip", replace=True, engine=marketer)
    with pytest.raises(InvalidInput, match="nothing was stored"):
        tradeareas.build("kept", "huff", level="zip", min_probability=1.0, replace=True,
                         engine=marketer)
    assert set(tradeareas.areas("kept", engine=marketer)["band"]) == {"most likely"}


def test_a_manager_sees_the_outlines_but_not_the_figures_of_other_regions(demo):
    from sqlalchemy.exc import ProgrammingError

    tradeareas.build("seen", "ring", radii_km=(2,), replace=True, engine=demo)
    county = demo.connect().execute(text(
        "SELECT code FROM regions WHERE level = 'county' ORDER BY code LIMIT 1")).scalar_one()
    users.add_user("mona", "manager", password="manager password", regions=[county],
                   engine=demo)
    user = users.get_user("mona", engine=demo)
    manager = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    try:
        with manager.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM trade_areas t JOIN "
                                     "trade_area_builds b ON b.id = t.build_id "
                                     "WHERE b.name = 'seen'")).scalar_one() > 0
        with pytest.raises(ProgrammingError, match="permission denied"), manager.connect() as c:
            c.execute(text("SELECT figures FROM trade_areas"))
    finally:
        manager.dispose()


def test_a_planner_may_read_trade_areas_but_not_build_them(demo):
    from sqlalchemy.exc import ProgrammingError

    user = users.get_user("pete", engine=demo)
    planner = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    try:
        tradeareas.build("keep2", "ring", radii_km=(2,), replace=True, engine=demo)
        assert len(tradeareas.areas("keep2", engine=planner)) > 0
        with pytest.raises(ProgrammingError, match="permission denied"):
            tradeareas.build("mine", "ring", radii_km=(2,), engine=planner)
    finally:
        planner.dispose()
