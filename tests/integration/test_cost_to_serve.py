"""Cost to serve and margin in the cube, on the small exact world of tests/crm_world.py:
to the cent against a direct SQL computation over the facts and the rates; a rate the
admin changes moves the figures at the next build; other roles cannot change rates; bad
rates are refused with nothing changed.

The world (placeholder rates: complaint $60, request $15, phone $4, email $1, visit $40):
North (A1, A2) revenue 350, cost 60 + 4; South (A3, A4) revenue 1,200, cost 15 + 1 + 60 + 40.
"""

from decimal import Decimal

import pytest
from sqlalchemy import text

from gcrm import audit, costs, cube
from gcrm.db import migrate
from gcrm.errors import InvalidInput, PermissionDenied
from gcrm.ingest.load import load_file

# Revenue minus cost to serve per state, straight from the facts and the rates.
DIRECT = """
WITH rate AS (
    SELECT k.kind, coalesce(r.rate, d.rate) AS rate, i.item
    FROM (VALUES ('case'), ('contact')) k(kind)
    JOIN cost_rates d ON d.kind = k.kind AND d.item = '*'
    CROSS JOIN (SELECT case_type AS item FROM service_cases
                UNION SELECT channel FROM interactions) i
    LEFT JOIN cost_rates r ON r.kind = k.kind AND r.item = i.item
), money AS (
    SELECT account_id, amount AS revenue, 0 AS cost FROM sales
    UNION ALL
    SELECT c.account_id, 0, r.rate FROM service_cases c
    JOIN rate r ON r.kind = 'case' AND r.item = c.case_type
    UNION ALL
    SELECT i.account_id, 0, r.rate FROM interactions i
    JOIN rate r ON r.kind = 'contact' AND r.item = i.channel
)
SELECT g.code, sum(m.cost) AS cost_to_serve, sum(m.revenue - m.cost) AS margin
FROM money m
JOIN region_assignments ra ON ra.entity = 'account' AND ra.entity_id = m.account_id
     AND ra.level = 'state'
JOIN regions g ON g.id = ra.region_id
GROUP BY g.code ORDER BY g.code
"""


def _cube(engine, level="state", **options):
    frame = cube.query(["cost_to_serve", "margin", "revenue"], level=level, engine=engine,
                       **options)
    return {row.code: (Decimal(f"{row.cost_to_serve:.2f}"), Decimal(f"{row.margin:.2f}"))
            for row in frame.itertuples()}


def _direct(engine):
    with engine.connect() as conn:
        return {code: (cost, margin) for code, cost, margin in conn.execute(text(DIRECT))}


def test_margin_per_region_holds_to_the_cent(world):
    costs.set_rate("contact", "phone", "4.37", engine=world)  # cents that must add up
    costs.set_rate("case", "request", "15.19", engine=world)
    cube.build(engine=world)

    states = _cube(world)
    assert states == _direct(world)
    assert states == {"N": (Decimal("64.37"), Decimal("285.63")),
                      "S": (Decimal("116.19"), Decimal("1083.81"))}
    counties = _cube(world, level="county")
    company = (sum(c for c, _ in states.values()), sum(m for _, m in states.values()))
    assert company == (sum(c for c, _ in counties.values()),
                       sum(m for _, m in counties.values())) == (Decimal("180.56"),
                                                                 Decimal("1369.44"))


def test_a_rate_the_admin_changes_moves_margin_and_unprofitable_customers(people, as_user):
    engine = as_user("ada")
    cube.build(engine=people)
    assert _cube(engine)["N"] == (Decimal("64.00"), Decimal("286.00"))

    was = costs.set_rate("case", "complaint", "110", engine=engine)
    assert was == Decimal("60.00")
    entry = audit.recent("cost rate set", engine=people).iloc[0]
    assert entry["actor"] == "ada" and entry["target"] == "case:complaint"

    result = cube.build(incremental=True, engine=people)
    assert result.kind == "full" and "cost-to-serve rates" in result.note
    assert _cube(engine)["N"] == (Decimal("114.00"), Decimal("236.00"))
    # A1 (North): January 100 - 110 - 4 < 0, but over the quarter 150 - 114 > 0.
    january = cube.query(["unprofitable_customers", "unprofitable_share"], level="state",
                         period="2026-01", engine=engine).set_index("code")
    quarter = cube.query(["unprofitable_customers", "unprofitable_share"], level="state",
                         period="2026-Q1", engine=engine).set_index("code")
    assert january.loc["N", "unprofitable_customers"] == 1
    assert january.loc["N", "unprofitable_share"] == 0.5  # of A1 and A2
    assert quarter.loc["N", "unprofitable_customers"] == 0
    assert quarter.loc["S", "unprofitable_share"] == 0
    monthly = cube.query(["unprofitable_share"], level="state", by=["month"],
                         where={"state": "N"}, period="2026-Q1", engine=engine)
    assert monthly.set_index("month")["unprofitable_share"].to_dict() == {
        "2026-01": 0.5, "2026-02": 0.0, "2026-03": 0.0}  # each month its own period


def test_without_margins_unprofitable_customers_are_blank_not_none(world):
    """Upgraded to 0024 and not built since (no account_margins, no cost cells) or a period
    nobody bought, was served or contacted in: no unprofitable share of 0% beside a blank
    margin, but blanks; the next build fills them."""
    cube.build(engine=world)
    asked = ["margin", "unprofitable_customers", "unprofitable_share", "revenue"]
    with world.begin() as conn:  # as the cube is right after the upgrade
        conn.execute(text("TRUNCATE account_margins, cube_cost"))
    before = cube.query(asked, level="state", period="2026-Q1", engine=world)
    assert before[asked[:3]].isna().all().all()
    assert before["revenue"].notna().all()  # the other families answer as built
    cube.build(engine=world)
    after = cube.query(asked, level="state", period="2026-Q1", engine=world)
    assert after[asked].notna().all().all()
    later = cube.query(asked[1:3], level="state", period="2026-06", engine=world)
    assert len(later) == 2 and later[asked[1:3]].isna().all().all()  # no fact in June


def test_a_split_unprofitable_customers_cannot_take_is_refused_even_before_a_build(world):
    """As every other measure's wrong split: named, with the splits it can take, whether
    the cube is built or not (the rule lives with the others, in SPLITS)."""
    for built in (False, True):
        if built:
            cube.build(engine=world)
        with pytest.raises(InvalidInput, match="unprofitable_share cannot be split by "
                                               "category; it can by segment, status"):
            cube.query(["unprofitable_share"], by=["category"], engine=world)
        with pytest.raises(InvalidInput, match="median_resolution_hours cannot be split by "
                                               "channel; it can by segment, status, case_type"):
            cube.query(["median_resolution_hours"], where={"channel": "web"}, engine=world)
    by_status = cube.query(["unprofitable_customers"], by=["status"], where={"status": [
        "customer"]}, period="2026-01", engine=world).set_index("code")
    assert list(by_status["status"].unique()) == ["customer"]
    assert by_status.loc["N", "unprofitable_customers"] == 0  # A1: 100 - 60 - 4 > 0


def test_a_new_contact_is_priced_at_the_next_incremental_build(world, tmp_path):
    cube.build(engine=world)
    before = _cube(world)["S"]
    with world.begin() as conn:  # notes (erasure, encryption) price nothing
        conn.execute(text("UPDATE interactions SET notes = NULL"))
    assert cube.build(incremental=True, engine=world).note == "nothing changed since the last build"
    path = tmp_path / "more.csv"
    path.write_text("id,account_id,occurred_at,channel,outcome,notes\n"
                    "I9,A3,2026-02-21T10:00,phone,callback,\n")
    load_file("interactions", path, source="crm", engine=world)

    result = cube.build(incremental=True, engine=world)
    assert result.kind == "incremental" and [f"{m:%Y-%m}" for m in result.months] == ["2026-02"]
    assert _cube(world)["S"] == (before[0] + 4, before[1] - 4)


def test_only_an_admin_changes_rates_and_everyone_reads_them(as_user):
    for user in ("ana", "nora", "mia"):
        with pytest.raises(PermissionDenied, match="set by an admin"):
            costs.set_rate("case", "complaint", "1", engine=as_user(user))
        shown = costs.rates(engine=as_user(user)).set_index(["kind", "item"])
        assert shown.loc[("case", "complaint"), "rate"] == Decimal("60.00")


def test_a_case_type_without_a_rate_takes_the_default_and_says_so(db):
    from gcrm import vocab

    vocab.add("case_type", "review", engine=db)
    shown = costs.rates(engine=db).set_index(["kind", "item"])
    assert shown.loc[("case", "review"), "defaulted"]
    assert shown.loc[("case", "review"), "rate"] == shown.loc[("case", "*"), "rate"]
    assert not shown.loc[("case", "complaint"), "defaulted"]


BAD = [
    ("case", "complaint", "-5", "cannot be negative"),
    ("case", "complaint", "abc", "not a number"),
    ("case", "complaint", "nan", "not one"),
    ("case", "complaint", "1.234", "two decimals"),
    ("case", "complaint", "1e-5", "two decimals"),
    ("case", "complaint", "inf", "not one"),
    ("case", "complaint", "1e30", r"too large: a rate is from 0 to 9,999,999,999\.99 dollars"),
    ("case", "complaint", "10000000000", "too large"),
    ("case", "banana", "10", "No case type 'banana'.*complaint"),
    ("meeting", "phone", "10", "use 'case' or 'contact'"),
]


def test_a_bad_rate_is_refused_and_nothing_changes(db):
    before = costs.rates(engine=db)
    for kind, item, rate, message in BAD:
        with pytest.raises(InvalidInput, match=message):
            costs.set_rate(kind, item, rate, engine=db)
    assert costs.rates(engine=db).equals(before)
    assert audit.recent("cost rate set", engine=db).empty
    # '-0' is free, shown and audited as 0.00 (not -0.00).
    costs.set_rate("case", "complaint", "-0", engine=db)
    assert str(costs.rates(engine=db).set_index(["kind", "item"]).loc[
        ("case", "complaint"), "rate"]) == "0.00"
    assert audit.recent("cost rate set", engine=db).iloc[0]["details"]["rate"] == "0.00"


def test_a_new_database_starts_with_the_rates_a_reset_puts_back(engine):
    """Migration 0024 seeds the placeholder rates and gcrm.costs.DEFAULTS holds them for
    resets (and the tests' emptying); a migration imports no app code, so this is the
    guard: 0024 run again (in a transaction rolled back) seeds exactly DEFAULTS."""
    from alembic import command

    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            config = migrate.alembic_config(engine)
            config.attributes["connection"] = conn
            command.downgrade(config, "0023")
            command.upgrade(config, "0024")
            seeded = {(kind, item): rate for kind, item, rate in conn.execute(
                text("SELECT kind, item, rate FROM cost_rates"))}
        finally:
            transaction.rollback()
    assert seeded == costs.DEFAULTS
