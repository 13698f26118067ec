"""An account's history panel on the Customers page shows its churn risk, on the Delaware
demo world (3,000 accounts) trained and scored quickly as the operator: risk, band,
horizon and its three drivers in words, the very row ``account_risk`` stores; a customer
never scored says how to get a risk; a manager sees risks in their county only (row-level
security), with the model's version and horizon but none of its metrics."""

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from streamlit.testing.v1 import AppTest

from gcrm.access import users
from gcrm.models import churn_score, churn_train, risk, store

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PASSWORD = "risk password"
NEW_CASTLE, KENT = "DE-NEW_CASTLE", "DE-KENT"
IN_COUNTY = """
SELECT a.id FROM accounts a JOIN region_assignments ra ON ra.entity = 'account'
 AND ra.entity_id = a.id JOIN regions r ON r.id = ra.region_id AND r.level = 'county'
WHERE a.status = 'customer' AND r.code = :county ORDER BY a.id LIMIT 1
"""


@pytest.fixture(scope="module")
def demo(delaware):
    users.add_user("ada", "admin", password=PASSWORD, engine=delaware)
    users.add_user("cora", "manager", password=PASSWORD, regions=[f"county:{NEW_CASTLE}"],
                   engine=delaware)
    with delaware.connect() as conn:
        found = {c: conn.execute(text(IN_COUNTY), {"county": c}).scalar_one()
                 for c in (NEW_CASTLE, KENT)}
    return delaware, found


@pytest.fixture(scope="module")
def scored(demo):
    """Train (a few cutoffs, one thread) and score every customer, as the operator."""
    engine, found = demo
    store.save(churn_train.train(engine, horizon_days=90, max_cutoffs=3, threads=1),
               engine=engine)
    churn_score.score(engine, threads=1)
    return engine, found


def _history(username: str, account_id: int) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORD)
    at = at.button[0].click().run()
    at.query_params["account"] = str(account_id)
    at.switch_page("app_pages/customers.py")
    at = at.run()
    assert not at.exception, at.exception
    return at


def _risk_card(at: AppTest):
    return next((m for m in at.metric if m.label.startswith("Churn risk")), None)


def _captions(at: AppTest) -> str:
    return " | ".join(c.value for c in at.caption)


def test_a_customer_never_scored_says_how_to_get_a_risk(demo, use_database):
    engine, found = demo
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM account_risk WHERE account_id = :a"),
                            {"a": found[KENT]}).scalar() == 0
    at = _history("ada", found[KENT])
    assert _risk_card(at).value == "–"
    assert "appears after the operator runs `gcrm model churn score`" in _captions(at)


def test_a_scored_customers_history_shows_the_stored_risk_band_and_drivers(scored,
                                                                          use_database):
    engine, found = scored
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT r.risk, r.band, r.drivers, m.horizon_days FROM account_risk r "
            "JOIN churn_models m ON m.id = r.model_id WHERE r.account_id = :a"),
            {"a": found[KENT]}).one()
    at = _history("ada", found[KENT])
    card = _risk_card(at)
    assert card.label == f"Churn risk within {stored.horizon_days} days"
    assert card.value == f"{stored.risk:.0%} · {stored.band}"
    captions = _captions(at)
    assert len(stored.drivers) == 3
    shown = [risk.Driver(d["feature"], d["label"], d["contribution"], d["value"],
                         risk.unit(d["feature"])) for d in stored.drivers]
    from dashboards.components import driver_phrase

    for driver in shown:
        assert driver.label in captions and driver_phrase(driver) in captions
    assert "Scored 20" in captions and "+00:00" not in captions


def test_a_manager_sees_the_risk_in_their_county_and_none_outside_it(scored, use_database):
    engine, found = scored
    cora = users.get_user("cora", engine=engine)
    from gcrm.db.engine import engine_for

    as_cora = engine_for("cora")
    assert cora.role == "manager"
    assert risk.current(found[KENT], engine=as_cora) is None
    mine = risk.current(found[NEW_CASTLE], engine=as_cora)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT risk, band FROM account_risk WHERE account_id = :a"),
                              {"a": found[NEW_CASTLE]}).one()
    assert (mine.risk, mine.band) == (stored.risk, stored.band)
    # The model's version and horizon, as the card names them (migration 0022), but not
    # its company-wide metrics.
    with engine.connect() as conn:
        model = conn.execute(text("SELECT version, horizon_days FROM churn_models")).one()
    assert (mine.model_version, mine.horizon_days) == tuple(model)
    with pytest.raises(ProgrammingError, match="permission denied"), as_cora.connect() as conn:
        conn.execute(text("SELECT metrics FROM churn_models"))
    outside = _history("cora", found[KENT])
    assert _risk_card(outside) is None and "that you may see" in outside.warning[0].value
    inside = _history("cora", found[NEW_CASTLE])
    card = _risk_card(inside)
    assert card.value == f"{stored.risk:.0%} · {stored.band}"
    assert card.label == f"Churn risk within {model.horizon_days} days"
    assert f"by model v{model.version}" in _captions(inside)


def test_the_history_panel_shows_the_expected_next_12_months(scored, use_database):
    # the value model trained and scored as the operator; the panel's
    # line is the stored row, read as the user.
    from gcrm.models import value_score, value_store, value_train

    engine, found = scored
    value_store.save(value_train.train(engine), engine=engine)
    value_score.score(engine)
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT v.expected_revenue, v.scored_at, m.version FROM account_value v "
            "JOIN value_models m ON m.id = v.model_id WHERE v.account_id = :a"),
            {"a": found[KENT]}).one()
    dollars = float(stored.expected_revenue)  # whole dollars from $1,000, cents below
    shown = f"${dollars:,.0f}" if dollars >= 1000 else f"${dollars:,.2f}"
    line = (f"Expected next 12 months: {shown} (model v{stored.version}, scored "
            f"{stored.scored_at:%Y-%m-%d})")
    assert line in _captions(_history("ada", found[KENT]))
    # A manager outside the account's county sees no value either (row-level security).
    from gcrm.db.engine import engine_for
    from gcrm.models import value_account

    assert value_account.current(found[KENT], engine=engine_for("cora")) is None


def test_a_customer_who_churns_keeps_no_risk_of_an_older_model(scored):
    # As the value model's scores: v1 scored them, they churned, v2 (v1 stored again:
    # training is not what is tested) scores; their v1 risk is not left showing.
    engine, _ = scored
    with engine.begin() as conn:
        leaver = conn.execute(text(
            "SELECT r.account_id FROM account_risk r JOIN accounts a ON a.id = r.account_id "
            "WHERE a.status = 'customer' ORDER BY r.account_id LIMIT 1")).scalar_one()
        conn.execute(text(
            "UPDATE accounts SET status = 'churned', churned_at = (SELECT max(order_date) "
            "FROM sales) WHERE id = :a"), {"a": leaver})
        conn.execute(text(
            "INSERT INTO churn_models (version, cutoff, horizon_days, features, metrics, "
            "training_rows, database_identity, model) SELECT version + 1, cutoff, "
            "horizon_days, features, metrics, training_rows, database_identity, model "
            "FROM churn_models ORDER BY version DESC LIMIT 1"))
    assert risk.current(leaver, engine=engine) is not None
    assert churn_score.score(engine, threads=1).model_version == 2
    assert risk.current(leaver, engine=engine) is None
