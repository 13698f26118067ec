"""Retention lists and campaigns by churn risk on the Delaware demo world (3,000 accounts),
the churn model trained quickly (3 cutoffs) and scored as the operator: without scores a
risk list is refused with what to run; a list with risk >= X holds exactly the consenting
customers inside the trade areas whose stored risk reaches X; scores of a model trained on
another database are never used; a campaign keeps each member's risk band at targeting,
its response by band adds up to its totals and stays as it was when the risk changes; a
manager reads only the members of their county."""

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from gcrm import campaigns, tradeareas
from gcrm.access import users
from gcrm.campaigns import TargetFilter
from gcrm.errors import InvalidInput
from gcrm.models import churn_score, churn_train, store

NEW_CASTLE = "DE-NEW_CASTLE"
# The customers a retention list must hold, straight from the tables: email consent, not
# erased, a customer, inside the rings, risk of the newest model at least :x.
AT_RISK_IN_RINGS = """
SELECT a.id FROM accounts a
JOIN account_risk ar ON ar.account_id = a.id
 AND ar.model_id = (SELECT id FROM churn_models ORDER BY version DESC LIMIT 1)
WHERE a.consent_email AND a.erased_at IS NULL AND a.status = 'customer'
  AND ar.risk >= :x AND ar.band = ANY(:bands)
  AND EXISTS (SELECT 1 FROM trade_areas t JOIN trade_area_builds b ON b.id = t.build_id
              WHERE b.name = 'rings' AND ST_Intersects(t.geom, a.geom))
"""


@pytest.fixture(scope="module")
def world(delaware):
    users.add_user("mika", "marketer", password="marketer password", engine=delaware)
    users.add_user("cora", "manager", password="manager password",
                   regions=[f"county:{NEW_CASTLE}"], engine=delaware)
    tradeareas.build("rings", "ring", radii_km=(8,), engine=delaware)
    return delaware


def _as(world, username):
    user = users.get_user(username, engine=world)
    return create_engine(world.url, connect_args={"options": f"-c role={user.pg_role}"})


@pytest.fixture(scope="module")
def marketer(world):
    engine = _as(world, "mika")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def scored(world, marketer):
    """Train (3 cutoffs, one thread) and score every customer, as the operator."""
    store.save(churn_train.train(world, horizon_days=90, max_cutoffs=3, threads=1),
               engine=world)
    churn_score.score(world, threads=1)
    return world


def _ids(engine, query, **params) -> set[int]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(text(query), params)}


def _frame(engine, query, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(query), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def test_without_scores_a_risk_list_says_what_the_operator_runs(world, marketer):
    retention = TargetFilter(statuses=("customer",), trade_areas="rings", min_risk=0.3)
    with pytest.raises(InvalidInput, match=r"No churn risk scored yet: the operator runs "
                                           r"`gcrm model churn score`"):
        campaigns.count(retention, engine=marketer)
    # Without a risk filter the list is made as before, nobody with a risk.
    listed = campaigns.targets(TargetFilter(statuses=("customer",)), engine=marketer)
    assert len(listed) > 0 and listed["risk"].isna().all()
    with pytest.raises(InvalidInput, match="from 0 to 1"):
        campaigns.count(TargetFilter(statuses=("customer",), min_risk=40), engine=marketer)


def test_a_risk_list_holds_exactly_the_consenting_customers_in_area_at_risk(scored,
                                                                             marketer):
    x = 0.15
    retention = TargetFilter(statuses=("customer",), trade_areas="rings", min_risk=x)
    listed = campaigns.targets(retention, engine=marketer)
    expected = _ids(scored, AT_RISK_IN_RINGS, x=x, bands=["low", "medium", "high"])
    assert set(listed["account_id"]) == expected and len(expected) > 5
    assert campaigns.count(retention, engine=marketer) == len(expected)
    assert (listed["risk"] >= x).all()
    everyone = campaigns.count(TargetFilter(statuses=("customer",), trade_areas="rings"),
                               engine=marketer)
    assert everyone > len(expected)
    # A band keeps itself and those above.
    high = campaigns.targets(TargetFilter(statuses=("customer",), trade_areas="rings",
                                          risk_band="medium"), engine=marketer)
    assert set(high["account_id"]) == _ids(scored, AT_RISK_IN_RINGS, x=0,
                                           bands=["medium", "high"])
    assert set(high["risk_band"]) == {"medium", "high"}
    with pytest.raises(InvalidInput, match="add customer to the statuses"):
        campaigns.count(TargetFilter(risk_band="high"), engine=marketer)


def test_scores_of_a_model_trained_on_another_database_are_never_used(scored, marketer):
    retention = TargetFilter(statuses=("customer",), min_risk=0.1)
    here = store.latest(scored).database_identity
    # A copy restored from elsewhere: the model and its scores came with it.
    with scored.begin() as conn:
        conn.execute(text("UPDATE churn_models SET database_identity = '0/1/elsewhere'"))
    try:
        with pytest.raises(InvalidInput, match="trained on another database"):
            campaigns.count(retention, engine=marketer)
        plain = campaigns.targets(TargetFilter(statuses=("customer",)), engine=marketer)
        assert plain["risk"].isna().all()
    finally:
        with scored.begin() as conn:
            conn.execute(text("UPDATE churn_models SET database_identity = :d"), {"d": here})
    assert campaigns.count(retention, engine=marketer) > 0


def test_response_by_band_at_targeting_adds_up_and_a_manager_reads_their_county(
        scored, marketer, tmp_path):
    where = TargetFilter(statuses=("customer", "prospect"))
    members = campaigns.create("keep them", where, created_by="mika", engine=marketer)
    stored = _frame(scored, """
        SELECT m.account_id, m.risk, m.risk_band, ar.risk AS now, ar.band AS band_now
        FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id
        LEFT JOIN account_risk ar ON ar.account_id = m.account_id
        WHERE c.name = 'keep them'""")
    assert len(stored) == members
    assert (stored["risk"].fillna(-1) == stored["now"].fillna(-1)).all()
    assert (stored["risk_band"].fillna("-") == stored["band_now"].fillna("-")).all()

    # One response in each band, and one from somebody not scored.
    picks = stored.groupby(stored["risk_band"].fillna("not scored")).head(1)
    keys = _frame(scored, "SELECT source, external_id FROM accounts WHERE id = ANY(:ids)",
                  ids=picks["account_id"].astype(int).tolist())
    keys["responded_at"] = "2026-11-20"
    keys.to_csv(tmp_path / "responses.csv", index=False)
    campaigns.load_responses("keep them", tmp_path / "responses.csv", engine=marketer)

    # Today's risk changes: the campaign is still read by the band at targeting.
    with scored.begin() as conn:
        conn.execute(text("UPDATE account_risk SET band = 'low', risk = 0.01"))
    bands = campaigns.response_by_risk("keep them", engine=marketer).set_index("risk_band")
    assert list(bands.index) == ["high", "medium", "low", "not scored"]
    assert bands["responded"].tolist() == [1, 1, 1, 1]
    expected = stored["risk_band"].fillna("not scored").value_counts()
    assert bands["members"].to_dict() == expected.to_dict()
    summary = campaigns.campaigns(engine=marketer).set_index("name").loc["keep them"]
    assert bands["members"].sum() == summary["members"] == members
    assert bands["responded"].sum() == summary["responded"] == 4
    assert bands.loc["high", "response_rate"] == pytest.approx(
        1 / bands.loc["high", "members"], abs=1e-4)

    manager = _as(scored, "cora")
    try:
        theirs = campaigns.response_by_risk("keep them", engine=manager)
    finally:
        manager.dispose()
    in_county = _ids(scored, """SELECT m.account_id FROM campaign_members m
        JOIN campaigns c ON c.id = m.campaign_id AND c.name = 'keep them'
        JOIN region_assignments ra ON ra.entity = 'account' AND ra.entity_id = m.account_id
        JOIN regions r ON r.id = ra.region_id AND r.level = 'county' AND r.code = :c""",
                     c=NEW_CASTLE)
    assert 0 < theirs["members"].sum() == len(in_county) < members


def test_the_command_line_lists_customers_at_risk_and_reads_a_campaign_by_band(
        scored, marketer, use_database):
    from typer.testing import CliRunner

    from gcrm.cli import app

    runner = CliRunner()
    # A risk filter without --status lists customers (only they are scored).
    counted = runner.invoke(app, ["campaign", "targets", "--trade-areas", "rings",
                                  "--risk-band", "low"])
    assert counted.exit_code == 0, counted.output
    expected = campaigns.count(TargetFilter(statuses=("customer",), trade_areas="rings",
                                            risk_band="low"), engine=marketer)
    assert f"{expected:,} people may be reached by email." in counted.output
    shown = runner.invoke(app, ["campaign", "rates", "keep them", "--by", "risk-band"],
                          terminal_width=100)
    assert shown.exit_code == 0, shown.output
    bands = campaigns.response_by_risk("keep them", engine=marketer).set_index("risk_band")
    lines = {line.split()[0]: line.split()[1:] for line in shown.output.splitlines()[2:]}
    high = int(bands.loc["high", "members"])
    assert lines["high"] == [f"{high:,}", "1", f"{1 / high:.1%}"]
    assert lines["all"][:2] == [f"{int(bands['members'].sum()):,}", "4"]
