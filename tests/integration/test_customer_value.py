"""The customer value model on the Delaware demo world (3,000 accounts, three years of
sales): validated on the last 12 months it beats the naive "last year repeats" baseline
per customer and in total; its summary ignores every sale after the cutoff; too little
history and a model from another database are refused; scoring without a model says how
to train one; a manager sees values in their county only; an erased person is scored and
exposes nothing."""

import datetime as dt

import pytest
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from gcrm import privacy
from gcrm.access import users
from gcrm.cli import app
from gcrm.errors import InvalidInput
from gcrm.models import sql, store, value_account, value_score, value_summary, value_train

NEW_CASTLE = "DE-NEW_CASTLE"
CUTOFF = dt.date(2025, 10, 1)


@pytest.fixture(scope="module")
def demo(delaware):
    users.add_user("cora", "manager", password="manager password",
                   regions=[f"county:{NEW_CASTLE}"], engine=delaware)
    return delaware


@pytest.fixture(scope="module")
def cli_env(demo):
    from gcrm.config import get_settings
    from gcrm.db.engine import reset_engines

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GCRM_DATABASE_URL", demo.url.render_as_string(hide_password=False))
        get_settings.cache_clear()
        reset_engines()
        yield demo
    get_settings.cache_clear()
    reset_engines()


def _cli(*args):
    result = CliRunner().invoke(app, list(args))
    return result, " ".join(result.output.split())


def test_scoring_without_a_model_says_how_to_train_one(cli_env):
    result, out = _cli("model", "value", "score")
    assert result.exit_code == 1
    assert "no customer value model yet" in out and "gcrm model value train" in out


@pytest.fixture(scope="module")
def trained(cli_env):
    """`gcrm model value train` then `score`, as the operator."""
    result, train_out = _cli("model", "value", "train")
    assert result.exit_code == 0, result.output
    result, score_out = _cli("model", "value", "score")
    assert result.exit_code == 0, result.output
    with cli_env.connect() as conn:
        metrics, last_day = conn.execute(text(
            "SELECT metrics, (SELECT max(order_date) FROM sales) FROM value_models")).one()
    return {"train": train_out, "score": score_out, "metrics": metrics, "last_day": last_day}


def test_the_holdout_beats_last_year_repeats_per_customer_and_in_total(trained):
    metrics, last_day = trained["metrics"], trained["last_day"]
    evaluated, model, naive = metrics["evaluated"], metrics["model"], metrics["baseline"]
    # Validated on the 12 months up to the last sale, on every customer with a purchase.
    assert evaluated["until"] == str(last_day)
    assert evaluated["cutoff"] == str(last_day.replace(year=last_day.year - 1))
    assert evaluated["customers"] >= value_train.MIN_CUSTOMERS
    # Better than the baseline per customer (MAE, RMSE), and on this world within 5% in
    # total where the baseline, repeating every customer's last year, is further off
    # (not so on the 1M bench world: docs/models.md, At scale).
    assert model["mae"] < naive["mae"] and model["rmse"] < naive["rmse"]
    assert abs(model["total_error_pct"]) <= 5 < abs(naive["total_error_pct"])
    assert model["total_actual"] == naive["total_actual"] > 0
    # Its deciles rank customers: the top decile spends far more than the bottom one.
    deciles = metrics["deciles"]
    assert sum(d["customers"] for d in deciles) == evaluated["customers"]
    assert deciles[-1]["actual"] > 10 * deciles[0]["actual"]
    # The CLI printed both side by side, and what it stored; show prints it again.
    out = trained["train"]
    assert "last year repeats" in out and "MAE per customer" in out
    assert f"${model['mae']:,.0f}" in out and f"${naive['mae']:,.0f}" in out
    assert "Customer value model version 1 stored (pymc-marketing" in out
    result, shown = _cli("model", "value", "show")
    assert result.exit_code == 0 and "Customer value model version 1" in shown
    assert f"${naive['rmse']:,.0f}" in shown and "bg_nbd:" in shown


def test_every_current_customer_with_a_purchase_is_scored(trained, demo):
    with demo.connect() as conn:
        customers = conn.execute(text(
            "SELECT count(*) FROM accounts a WHERE a.status = 'customer' "
            "AND EXISTS (SELECT 1 FROM sales s WHERE s.account_id = a.id)")).scalar()
        scored, total, prospects = conn.execute(text(
            "SELECT count(*), sum(expected_revenue), count(*) FILTER (WHERE a.status <> "
            "'customer') FROM account_value v JOIN accounts a ON a.id = v.account_id")).one()
    assert scored == customers and prospects == 0
    assert f"Scored {customers:,} customers" in trained["score"]
    assert f"${total:,.0f}" in trained["score"]


def _summary(conn, account: int):
    return value_summary.build(conn, CUTOFF).rfm.loc[account]


def test_a_sale_after_the_cutoff_changes_no_summary_value(demo):
    with demo.connect() as conn:
        account = conn.execute(text(
            "SELECT s.account_id FROM sales s JOIN accounts a ON a.id = s.account_id "
            "WHERE a.status = 'customer' AND s.order_date < :c ORDER BY s.account_id "
            "LIMIT 1"), {"c": CUTOFF}).scalar_one()
        before = _summary(conn, account)
        conn.execute(text(
            "INSERT INTO sales (source, external_id, account_id, order_date, amount) "
            "VALUES ('t', 'late', :a, :d, 5000)"), {"a": account,
                                                     "d": CUTOFF + dt.timedelta(days=1)})
        assert _summary(conn, account).equals(before)
        # The same sale on the cutoff day does count: one more purchase day, recency = T.
        conn.execute(text("UPDATE sales SET order_date = :d WHERE source = 't'"),
                     {"d": CUTOFF})
        on_the_day = _summary(conn, account)
        assert on_the_day["frequency"] == before["frequency"] + 1
        assert on_the_day["recency"] == on_the_day["T"] == before["T"]
        conn.rollback()


def test_the_value_models_customers_at_a_cutoff_are_the_churn_models(demo):
    # One rule (gcrm.models.sql.CUSTOMER_AT) for both: summarised or counted without a
    # purchase, every customer of the churn model's population and no one else.
    with demo.connect() as conn:
        population = set(conn.execute(text(sql.BASE), {
            "cutoff": CUTOFF, "horizon": 90, "sample": 1}).scalars())
        summary = value_summary.build(conn, CUTOFF)
    assert set(summary.rfm.index) <= population
    assert len(summary.rfm) + summary.customers_without_purchase == len(population)


def test_too_little_history_is_refused_with_the_numbers(demo):
    with demo.connect() as conn:
        first, last = conn.execute(text(
            "SELECT min(order_date), max(order_date) FROM sales")).one()
    have = (last - first).days
    with pytest.raises(InvalidInput, match=rf"needs .* days of sales .* the sales run "
                                           rf"{first} to {last}: {have:,} days\. Use a "
                                           r"holdout of \d+ months or less"):
        value_train.train(demo, holdout_months=30)
    with pytest.raises(InvalidInput, match=r"is after the last day with sales"):
        value_train.train(demo, as_of=last + dt.timedelta(days=1))
    # A date before the first sale, or too early for any holdout, says which dates work
    # (was: "the sales run ... -304 days. Use a holdout of 0 months or less").
    earliest = value_train._earliest_as_of(first)
    with pytest.raises(InvalidInput, match=rf"--as-of 2000-01-01 is before the first sale "
                                           rf"\({first}\).* Use a date from {earliest} to "
                                           rf"{last}\.$"):
        value_train.train(demo, as_of=dt.date(2000, 1, 1))
    with pytest.raises(InvalidInput, match=rf"No holdout fits: use an --as-of from {earliest}"):
        value_train.train(demo, as_of=first + dt.timedelta(days=100))
    assert value_train.plan(first, last, holdout_months=1, as_of=earliest)[0] == earliest


def test_a_model_from_another_database_is_never_applied(trained, cli_env):
    with cli_env.begin() as conn:
        conn.execute(text("UPDATE value_models SET database_identity = 'elsewhere/1/gcrm'"))
    try:
        with pytest.raises(InvalidInput, match="trained on another database"):
            value_score.score(cli_env)
        result, out = _cli("model", "value", "score")
        assert result.exit_code == 1 and "never applied here" in out
    finally:
        with cli_env.begin() as conn:
            conn.execute(text("UPDATE value_models SET database_identity = :i"),
                         {"i": store.database_identity(conn)})


def test_a_manager_sees_values_only_in_their_county(trained, demo):
    user = users.get_user("cora", engine=demo)
    cora = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    try:
        with cora.connect() as conn:
            seen = set(conn.execute(text("SELECT account_id FROM account_value")).scalars())
        with demo.connect() as conn:
            in_county = set(conn.execute(text(
                "SELECT ra.entity_id FROM region_assignments ra JOIN regions r "
                "ON r.id = ra.region_id WHERE ra.entity = 'account' AND r.level = 'county' "
                "AND r.code = :c"), {"c": NEW_CASTLE}).scalars())
            everyone = conn.execute(text("SELECT count(*) FROM account_value")).scalar()
        assert seen and seen <= in_county and len(seen) < everyone
        for statement in ("SELECT metrics FROM value_models",
                          "UPDATE account_value SET expected_revenue = 0"):
            with cora.connect() as conn, pytest.raises(ProgrammingError) as caught:
                conn.execute(text(statement))
            assert isinstance(caught.value.orig, InsufficientPrivilege)
    finally:
        cora.dispose()


def test_an_erased_person_is_scored_and_exposes_nothing(trained, demo):
    with demo.connect() as conn:
        person = conn.execute(text(
            "SELECT a.id FROM accounts a JOIN account_value v ON v.account_id = a.id "
            "WHERE a.status = 'customer' AND a.kind = 'person' AND a.street <> '' "
            "ORDER BY v.expected_revenue DESC LIMIT 1")).scalar_one()
    privacy.erase(person, engine=demo)
    value_score.score(demo)
    with demo.connect() as conn:
        row = conn.execute(text("SELECT * FROM account_value WHERE account_id = :a"),
                           {"a": person}).mappings().one()
    assert row["expected_revenue"] > 0 and 0 <= row["probability_alive"] <= 1
    assert set(row.keys()) == {"account_id", "model_id", "scored_at", "expected_revenue",
                               "expected_purchases", "probability_alive"}


def test_a_customer_who_churns_keeps_no_value_of_an_older_model(trained, demo):
    """Scored by v1, a customer churns; v2 (here v1's posteriors stored again: training
    is not what is tested) scores: their value is gone, not v1's left showing."""
    with demo.begin() as conn:
        leaver = conn.execute(text(
            "SELECT v.account_id FROM account_value v JOIN accounts a ON a.id = v.account_id "
            "WHERE a.status = 'customer' ORDER BY v.account_id LIMIT 1")).scalar_one()
        conn.execute(text(
            "UPDATE accounts SET status = 'churned', churned_at = (SELECT max(order_date) "
            "FROM sales) WHERE id = :a"), {"a": leaver})
        conn.execute(text(
            "INSERT INTO value_models (version, cutoff, holdout_days, parameters, metrics, "
            "training_rows, library, database_identity, model) SELECT version + 1, cutoff, "
            "holdout_days, parameters, metrics, training_rows, library, database_identity, "
            "model FROM value_models ORDER BY version DESC LIMIT 1"))
    assert value_account.current(leaver, engine=demo) is not None
    scoring = value_score.score(demo)
    assert scoring.model_version == 2
    assert value_account.current(leaver, engine=demo) is None
    with demo.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM account_value v JOIN value_models m ON m.id = v.model_id "
            "WHERE m.version = 1")).scalar() == 0
