"""Applying a territory plan on the Delaware demo world moves the open cases with their
accounts (those their previous rep held), leaves closed ones as they were, and says so in
the audit log."""

from __future__ import annotations

import pytest
from demo_snapshot import demo_world
from sqlalchemy import text

from gcrm import routing, territories


def _rows(engine, query, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).all()


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory):
    demo_world(engine, tmp_path_factory, seed=3, accounts=1500, states=("DE",))
    yield engine
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


def test_applying_a_territory_plan_moves_open_cases_with_their_accounts(demo):
    # Cases routed to their account's rep, as a territory rule does.
    with demo.begin() as conn:
        conn.execute(text("UPDATE service_cases SET queue = NULL, owner_rep_id = NULL"))
    routing.add_rule("the account's rep", priority=1, applies_to="case", method="territory",
                     engine=demo)
    routing.route(engine=demo)
    before = dict((c, (o, s)) for c, o, s in _rows(
        demo, "SELECT id, owner_rep_id, status FROM service_cases"))
    territories.design("cases follow", level="zip", n_territories=3, replace=True,
                       engine=demo)
    territories.apply("cases follow", actor="planner-test", engine=demo)
    after = _rows(demo, """SELECT c.id, c.owner_rep_id, a.owner_rep_id, c.status
                           FROM service_cases c JOIN accounts a ON a.id = c.account_id""")
    moved = [c for c, owner, _, _ in after if before[c][0] != owner]
    assert moved  # the plan changed owners of accounts with open cases
    for case, owner, account_owner, status in after:
        if status != "closed" and before[case][0] is not None:
            assert owner == account_owner  # open cases sit with the account's rep now
        if status == "closed":
            assert owner == before[case][0]  # history stays as it was
    (details,) = _rows(demo, "SELECT details FROM audit_log WHERE action = 'territory.apply' "
                             "ORDER BY id DESC LIMIT 1")[0]
    assert details["open_cases_moved"] == len(moved)
    assert sorted(details["cases"]) == sorted(moved)


