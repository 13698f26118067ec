"""Territory scenarios on the demo world (Delaware, 1,500 accounts, its ZIP areas and
reps): a design is stored with its outlines and meets the tolerance, a move changes the
figures, two scenarios compare, applying hands every account to its territory's rep and
is audited, and keeping the current plan then moves fewer accounts than a fresh design."""

import pytest
from demo_snapshot import demo_world
from sqlalchemy import text

from gcrm import territories
from gcrm.errors import InvalidInput


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory):
    demo_world(engine, tmp_path_factory, seed=3, accounts=1500, states=("DE",))
    yield engine
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


def _owned_elsewhere(engine, scenario: str) -> int:
    """Accounts in a territory's areas not owned by the territory's rep."""
    return _one(engine, """
        SELECT count(*) FROM territory_scenarios s
        JOIN territory_areas ta ON ta.scenario_id = s.id
        JOIN territories t ON t.id = ta.territory_id
        JOIN region_assignments ra ON ra.region_id = ta.region_id AND ra.entity = 'account'
        JOIN accounts a ON a.id = ra.entity_id
        WHERE s.name = :name AND a.owner_rep_id IS DISTINCT FROM t.rep_id""",
                name=scenario)[0]


def _one(engine, query, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).one()


def _all(engine, query, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).all()


def test_a_design_is_stored_balanced_contiguous_with_outlines(demo):
    scenario = territories.design("east", level="zip", n_territories=4, engine=demo)
    summary = scenario.summary
    assert summary["territories"] == 4 and summary["contiguous"]
    assert summary["max_imbalance"] <= 0.05
    zips, assigned = _one(demo, "SELECT (SELECT count(*) FROM regions WHERE level = 'zip'), "
                                "(SELECT count(*) FROM territory_areas)")
    assert assigned == zips  # every ZIP area in exactly one territory
    assert scenario.table["areas"].sum() == zips
    assert scenario.table["accounts"].sum() == _one(
        demo, "SELECT count(*) FROM region_assignments WHERE entity = 'account' "
              "AND level = 'zip'")[0]
    # Each outline is the union of its areas: together they cover the state's area.
    covered, state = _one(demo, "SELECT (SELECT sum(ST_Area(geom::geography)) FROM "
                                "territories), (SELECT ST_Area(geom::geography) FROM regions "
                                "WHERE level = 'state')")
    assert covered == pytest.approx(state, rel=1e-3)
    assert list(scenario.table["rep"].notna()) == [True] * 4


def test_moving_an_area_changes_the_figures_and_the_outlines(demo):
    territories.design("east", level="zip", n_territories=4, replace=True, engine=demo)
    before = territories.show("east", engine=demo).table.set_index("code")
    area, accounts = _one(demo, """
        SELECT r.code, count(ra.entity_id) FROM territory_areas ta
        JOIN regions r ON r.id = ta.region_id JOIN territories t ON t.id = ta.territory_id
        JOIN region_assignments ra ON ra.region_id = r.id AND ra.entity = 'account'
        WHERE t.code = 'T01' GROUP BY r.code ORDER BY count(ra.entity_id) DESC LIMIT 1""")
    after = territories.move("east", area, "T02", allow_split=True,
                              engine=demo).table.set_index("code")
    assert after.loc["T01", "accounts"] == before.loc["T01", "accounts"] - accounts
    assert after.loc["T02", "accounts"] == before.loc["T02", "accounts"] + accounts
    inside = _one(demo, """SELECT ST_Contains(t.geom, ST_PointOnSurface(r.geom))
        FROM territories t, regions r WHERE t.code = 'T02' AND r.code = :area
        AND r.level = 'zip'""", area=area)[0]
    assert inside
    with pytest.raises(InvalidInput, match="No territory 'T09' in 'east'; choose from T01"):
        territories.move("east", area, "T09", engine=demo)


def test_two_scenarios_compare_side_by_side(demo):
    territories.design("a", level="zip", n_territories=4, replace=True, engine=demo)
    territories.design("b", level="zip", n_territories=4, random_state=7, replace=True,
                       tolerance=0.1, engine=demo)
    frame = territories.compare("a", "b", engine=demo)
    assert list(frame.columns) == ["a", "b"]
    assert frame.loc["max_imbalance", "a"] <= 0.05 and frame.loc["max_imbalance", "b"] <= 0.1
    assert frame.loc["areas_with_another_rep", "b"] >= 0


def test_applying_hands_each_account_to_its_territorys_rep_and_is_audited(demo):
    territories.design("plan", level="zip", n_territories=4, replace=True, engine=demo)
    wrong_before = _owned_elsewhere(demo, "plan")
    promised = territories.show("plan", engine=demo)
    assert promised.applied_at is None
    changed = territories.apply("plan", actor="planner-test", engine=demo)
    assert changed == wrong_before > 0
    # The figure shown before Apply is exactly what Apply changed; then nothing is left.
    assert promised.summary["accounts_moved"] == changed
    applied = territories.show("plan", engine=demo)
    assert applied.summary["accounts_moved"] == 0
    assert (applied.applied_by, applied.applied_accounts) == ("planner-test", changed)
    assert applied.applied_at is not None
    assert _owned_elsewhere(demo, "plan") == 0  # every account owned by its rep now
    action, actor, details = _one(demo, "SELECT action, actor, details FROM audit_log "
                                        "ORDER BY id DESC LIMIT 1")
    assert (action, actor, details["accounts_changed"]) == ("territory.apply",
                                                            "planner-test", changed)


def test_keeping_the_current_plan_moves_fewer_accounts_than_a_fresh_design(demo):
    territories.design("plan", level="zip", n_territories=4, replace=True, engine=demo)
    table = territories.show("plan", engine=demo).table.set_index("code")
    # Unbalance today's owners: T01's busiest areas go to T02, and that is applied.
    busiest = [row[0] for row in _all(demo, """
        SELECT r.code FROM territory_areas ta JOIN regions r ON r.id = ta.region_id
        JOIN territories t ON t.id = ta.territory_id
        JOIN region_assignments ra ON ra.region_id = r.id AND ra.entity = 'account'
        WHERE t.code = 'T01' AND t.scenario_id = ta.scenario_id
          AND ta.scenario_id = (SELECT id FROM territory_scenarios WHERE name = 'plan')
        GROUP BY r.code ORDER BY count(*) DESC LIMIT 3""")]
    for area in busiest:
        territories.move("plan", area, "T02", allow_split=True, engine=demo)
    territories.apply("plan", engine=demo)
    today = territories.show("plan", engine=demo)
    assert today.summary["max_imbalance"] > 0.05
    assert table.loc["T01", "accounts"] > today.table.set_index("code").loc["T01", "accounts"]
    kept = territories.design("kept", level="zip", n_territories=4, keep_current=True,
                              replace=True, engine=demo)
    fresh = territories.design("fresh", level="zip", n_territories=4, random_state=11,
                               replace=True, engine=demo)
    assert kept.summary["max_imbalance"] <= 0.05 and kept.summary["contiguous"]
    assert 0 < kept.summary["accounts_moved"] < fresh.summary["accounts_moved"]


def test_a_move_that_would_cut_a_territory_is_refused_until_confirmed(demo):
    territories.design("whole", level="zip", n_territories=4, replace=True, engine=demo)
    area, source, far = _one(demo, """
        SELECT r.code, ts.code, t.code FROM territory_scenarios s
        JOIN territory_areas ta ON ta.scenario_id = s.id
        JOIN territories ts ON ts.id = ta.territory_id
        JOIN regions r ON r.id = ta.region_id
        JOIN territories t ON t.scenario_id = s.id AND t.id <> ta.territory_id
        WHERE s.name = 'whole' AND NOT EXISTS (
            SELECT 1 FROM territory_areas tb JOIN regions rb ON rb.id = tb.region_id
            WHERE tb.territory_id = t.id AND ST_DWithin(rb.geom, r.geom, 0.02))
        ORDER BY r.code, t.code LIMIT 1""")
    with pytest.raises(territories.WouldSplit,
                       match=f"Moving {area} from {source} to {far} would cut {far}"):
        territories.move("whole", area, far, engine=demo)
    plan = territories.plan_areas("whole", engine=demo).set_index("code")
    assert plan.loc[area, "territory"] == source  # nothing changed
    moved = territories.move("whole", area, far, allow_split=True, engine=demo)
    assert not moved.summary["contiguous"]
    assert not moved.table.set_index("code").loc[far, "contiguous"]
    with pytest.raises(InvalidInput, match=f"{area} is in {far} already"):
        territories.move("whole", area, far, engine=demo)


def test_bad_requests_say_what_to_do(demo):
    with pytest.raises(InvalidInput,
                       match="No region level 'district'; choose from h3_5, state, county"):
        territories.design("x", level="district", n_territories=3, engine=demo)
    with pytest.raises(InvalidInput, match="Cannot balance on visits; choose from accounts"):
        territories.design("x", level="zip", n_territories=3, balance_on=("visits",),
                           engine=demo)
    with pytest.raises(InvalidInput, match="county has 3 regions: choose between 1 and 3"):
        territories.design("x", level="county", n_territories=5, engine=demo)
    with pytest.raises(InvalidInput, match="No territory scenario 'nope'"):
        territories.apply("nope", engine=demo)

