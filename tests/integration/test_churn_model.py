"""The churn model on the Delaware demo world (3,000 accounts; its churned customers file
more cases, more complaints and lower satisfaction before they leave, and a trouble area
around Dover loses customers in the last year): features ignore everything after their
cutoff; the model beats a plain RFM rule on the same window, is calibrated within 0.05
per decile, and names service and regional churn among its drivers; a manager sees risks
in their county only; scoring on Dask writes the same scores, and a worker that dies for
good leaves the earlier ones; an erased person is scored and exposes nothing; refusals say
what would work."""

import datetime as dt

import pandas as pd
import pytest
from distributed import get_task_stream
from dying_workers import KillOnTask, dying_for_good
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from gcrm import privacy
from gcrm.access import users
from gcrm.cli import app
from gcrm.errors import EngineUnavailable, InvalidInput
from gcrm.models import churn_features, churn_score, churn_train, store

NEW_CASTLE = "DE-NEW_CASTLE"
CUTOFF = dt.date(2026, 8, 1)
SERVICE = ("satisfaction", "cases", "complaints", "days_since_case")


@pytest.fixture(scope="module")
def demo(delaware):
    users.add_user("cora", "manager", password="manager password",
                   regions=[f"county:{NEW_CASTLE}"], engine=delaware)
    users.add_user("ana", "analyst", password="analyst password", engine=delaware)
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
    return CliRunner().invoke(app, list(args))


def test_scoring_without_a_model_says_how_to_train_one(cli_env):
    assert cli_env.connect().execute(text("SELECT count(*) FROM churn_models")).scalar() == 0
    result = _cli("model", "churn", "score")
    assert result.exit_code == 1
    assert "train one with gcrm model churn train" in " ".join(result.output.split())


@pytest.fixture(scope="module")
def trained(cli_env):
    """`gcrm model churn train` then `score`, as the operator."""
    trained = _cli("model", "churn", "train", "--horizon", "90d", "--threads", "1")
    assert trained.exit_code == 0, trained.output
    scored = _cli("model", "churn", "score", "--threads", "1")
    assert scored.exit_code == 0, scored.output
    return {"train": " ".join(trained.output.split()), "score": " ".join(scored.output.split()),
            "model": store.latest(cli_env)}


def _row(conn, account_id: int, vocab) -> pd.Series:
    return churn_features.build(conn, CUTOFF, horizon_days=90, vocab=vocab).X.loc[account_id]


def test_a_sale_case_or_contact_after_the_cutoff_changes_no_feature(demo):
    with demo.connect() as conn:
        vocab = churn_features.vocabulary(conn, CUTOFF)
        account = conn.execute(text(
            "SELECT id FROM accounts WHERE status = 'customer' AND customer_since < :c "
            "ORDER BY id LIMIT 1"), {"c": CUTOFF}).scalar_one()
        before = _row(conn, account, vocab)
        late, late_ts = CUTOFF + dt.timedelta(days=1), "2026-08-02 00:00:00+00"
        conn.execute(text(
            "INSERT INTO sales (source, external_id, account_id, order_date, amount, "
            "quantity, product_category, channel) VALUES ('t', 'late', :a, :d, 5000, 1, "
            "'apparel', 'web')"), {"a": account, "d": late})
        conn.execute(text(
            "INSERT INTO service_cases (source, external_id, account_id, opened_at, closed_at, "
            "case_type, channel, status, satisfaction) VALUES ('t', 'late', :a, :ts, :ts, "
            "'complaint', 'phone', 'closed', 1)"), {"a": account, "ts": late_ts})
        conn.execute(text(
            "INSERT INTO interactions (source, external_id, account_id, occurred_at, channel) "
            "VALUES ('t', 'late', :a, :ts, 'phone')"), {"a": account, "ts": late_ts})
        after = _row(conn, account, vocab)
        pd.testing.assert_series_equal(before, after)
        # The same facts dated on the cutoff day do change the features.
        conn.execute(text("UPDATE sales SET order_date = :d WHERE source = 't'"),
                     {"d": CUTOFF})
        conn.execute(text("UPDATE service_cases SET opened_at = opened_at - interval '1 day', "
                          "closed_at = closed_at - interval '1 minute' WHERE source = 't'"))
        on_the_day = _row(conn, account, vocab)
        assert on_the_day["recency_days"] == 0 and on_the_day["orders_total"] == (
            before["orders_total"] + 1)
        assert on_the_day["complaints_total"] == before["complaints_total"] + 1
        conn.rollback()  # the inserts were never committed


def test_the_model_beats_the_rfm_rule_on_the_same_window_and_is_calibrated(trained):
    metrics = trained["model"].metrics
    model, rfm = metrics["model"], metrics["rfm"]
    assert metrics["evaluated"]["cutoff"] == "2026-08-01"
    assert metrics["evaluated"]["churned"] >= churn_train.MIN_CHURNED
    # No training label overlaps the evaluated window.
    assert max(metrics["training"]["cutoffs"]) <= "2026-05-03"
    assert model["roc_auc"] >= rfm["roc_auc"] + 0.15 and model["roc_auc"] >= 0.75
    assert model["pr_auc"] > rfm["pr_auc"] and model["brier"] < rfm["brier"]
    deciles = model["calibration"]
    assert len(deciles) == 10 and sum(d["customers"] for d in deciles) == (
        metrics["evaluated"]["customers"])
    assert max(abs(d["predicted"] - d["observed"]) for d in deciles) <= 0.05
    # The CLI printed both, side by side, and what it stored.
    out = trained["train"]
    assert "ROC AUC" in out and "RFM rule" in out and "Calibration" in out
    assert f"{model['roc_auc']:.3f}" in out and f"{rfm['roc_auc']:.3f}" in out
    assert "Churn model version 1 stored: horizon 90 days, as of 2026-10-30" in out


def test_every_customer_is_scored_with_service_and_region_among_the_top_drivers(trained, demo):
    with demo.connect() as conn:
        customers = conn.execute(text(
            "SELECT count(*) FROM accounts WHERE status = 'customer'")).scalar()
        risks = pd.read_sql(text("SELECT risk, band, drivers FROM account_risk"), conn)
    assert len(risks) == customers and f"Scored {customers:,} customers" in trained["score"]
    assert set(risks["band"]) == {"low", "medium", "high"}
    assert risks["drivers"].map(len).eq(3).all()
    high = risks[risks["band"] == "high"]
    top = pd.Series([d["feature"] for ds in high["drivers"] for d in ds]).value_counts()
    assert any(top.index[:3].str.startswith(SERVICE)), top.head()
    assert any(top.index[:5].str.contains("churn_rate")), top.head()
    # High risk is higher risk.
    assert high["risk"].min() >= risks.loc[risks["band"] == "low", "risk"].max()


def _scores(engine) -> list[tuple]:
    """Every stored score and the month's copy the cube reads (scored_at left out)."""
    with engine.connect() as conn:
        return (conn.execute(text("SELECT account_id, model_id, risk, band, drivers::text "
                                  "FROM account_risk ORDER BY account_id")).all()
                + conn.execute(text("SELECT account_id, month, model_id, risk, band, "
                                    "revenue_365 FROM account_risk_months "
                                    "ORDER BY account_id, month")).all())


def test_scoring_on_dask_even_past_a_killed_worker_writes_this_process_s_scores(
        trained, demo, dask_client, tmp_path, monkeypatch):
    expected = _scores(demo)   # scored in this process, all customers at once
    monkeypatch.setattr(churn_score, "CHUNK", 500)  # 1,382 customers: three tasks
    flag = tmp_path / "killed"
    dask_client.register_plugin(KillOnTask("score_rows", once_flag=str(flag)),
                                name="die-once-score")
    try:
        with get_task_stream(client=dask_client) as stream:
            scoring = churn_score.score(demo, run_on="dask", client=dask_client)
    finally:
        dask_client.unregister_worker_plugin("die-once-score")
    assert flag.exists()                      # a worker died on a chunk, which ran again
    assert _scores(demo) == expected
    assert sum(str(t["key"]).startswith("score_rows") for t in stream.data) >= 3
    assert f"{scoring.customers:,} customers" in trained["score"]


def test_a_worker_dying_for_good_mid_scoring_keeps_the_earlier_scores(trained, demo):
    before = _scores(demo)
    died = "scoring churn risk on Dask: a Dask worker died while running it"
    with dying_for_good("score_rows") as client, pytest.raises(EngineUnavailable, match=died):
        churn_score.score(demo, run_on="dask", client=client)
    assert _scores(demo) == before


def test_show_prints_the_stored_model(trained):
    result = _cli("model", "churn", "show")
    out = " ".join(result.output.split())
    assert result.exit_code == 0
    assert "Churn model version 1" in out and "horizon 90 days" in out
    assert f"{trained['model'].training_rows:,} training rows" in out
    assert "satisfaction_mean" in out


@pytest.fixture(scope="module")
def cora(demo):
    user = users.get_user("cora", engine=demo)
    engine = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    yield engine
    engine.dispose()


def test_a_manager_sees_risks_only_in_their_county(trained, cora, demo):
    with cora.connect() as conn:
        seen = set(conn.execute(text("SELECT account_id FROM account_risk")).scalars())
    with demo.connect() as conn:
        in_county = set(conn.execute(text(
            "SELECT ra.entity_id FROM region_assignments ra JOIN regions r "
            "ON r.id = ra.region_id WHERE ra.entity = 'account' AND r.level = 'county' "
            "AND r.code = :c"), {"c": NEW_CASTLE}).scalars())
        everyone = conn.execute(text("SELECT count(*) FROM account_risk")).scalar()
    assert seen and seen <= in_county and len(seen) < everyone
    # Nor may they read the models or write risks.
    for statement in ("SELECT metrics FROM churn_models",
                      "UPDATE account_risk SET risk = 0"):
        with cora.connect() as conn, pytest.raises(ProgrammingError) as caught:
            conn.execute(text(statement))
        assert isinstance(caught.value.orig, InsufficientPrivilege)


def test_an_analyst_reads_the_models_metadata_and_every_risk_but_not_the_model(trained, demo):
    user = users.get_user("ana", engine=demo)
    ana = create_engine(demo.url, connect_args={"options": f"-c role={user.pg_role}"})
    try:
        with ana.connect() as conn:
            version, horizon = conn.execute(text(
                "SELECT version, horizon_days FROM churn_models")).one()
            risks = conn.execute(text("SELECT count(*) FROM account_risk")).scalar()
        assert (version, horizon) == (1, 90)
        with demo.connect() as conn:
            assert risks == conn.execute(text("SELECT count(*) FROM account_risk")).scalar()
        for column in ("model", "database_identity"):
            with ana.connect() as conn, pytest.raises(ProgrammingError) as caught:
                conn.execute(text(f"SELECT {column} FROM churn_models"))
            assert isinstance(caught.value.orig, InsufficientPrivilege)
        with ana.connect() as conn, pytest.raises(ProgrammingError):
            conn.execute(text("DELETE FROM account_risk"))
    finally:
        ana.dispose()


def test_an_erased_person_is_scored_and_exposes_nothing(trained, cli_env):
    with cli_env.connect() as conn:
        person = conn.execute(text(
            "SELECT a.id, a.name, a.email, a.phone, a.street FROM accounts a "
            "JOIN account_risk r ON r.account_id = a.id WHERE a.status = 'customer' "
            "AND a.kind = 'person' AND a.street <> '' ORDER BY r.risk DESC LIMIT 1")).one()
    privacy.erase(person.id, engine=cli_env)
    again = _cli("model", "churn", "score", "--threads", "1")
    assert again.exit_code == 0, again.output
    with cli_env.connect() as conn:
        row = conn.execute(text("SELECT r.*, r.drivers::text AS words FROM account_risk r "
                                "WHERE account_id = :a"), {"a": person.id}).mappings().one()
    assert 0 <= row["risk"] <= 1 and len(row["drivers"]) == 3
    for personal in (person.name, person.email, person.phone, person.street):
        assert personal not in row["words"]
    assert set(row.keys()) == {"account_id", "model_id", "scored_at", "risk", "band",
                               "drivers", "words"}


def test_too_little_history_or_outcome_is_refused_with_the_numbers(trained, demo):
    with pytest.raises(InvalidInput, match=r"needs 1,180 days of data .* 1,094 days\. Use a "
                                           r"horizon of 457 days or less"):
        churn_train.train(demo, horizon_days=500)
    with pytest.raises(InvalidInput, match=r"Too few customers with an outcome in the "
                                           r"evaluated window .* of them churned; at least "
                                           r"200 customers and 20 churned are needed"):
        churn_train.train(demo, horizon_days=14, as_of=dt.date(2024, 12, 31), threads=1)
    result = _cli("model", "churn", "train", "--horizon", "two months")
    assert result.exit_code == 1 and "say 90d, 12w or 3m" in result.output


def test_a_model_from_another_database_is_never_applied(trained, cli_env):
    with cli_env.begin() as conn:
        conn.execute(text("UPDATE churn_models SET database_identity = 'elsewhere/1/gcrm'"))
    try:
        with pytest.raises(InvalidInput, match="trained on another database"):
            churn_score.score(cli_env)
        result = _cli("model", "churn", "score")
        assert result.exit_code == 1 and "never applied here" in " ".join(result.output.split())
    finally:
        with cli_env.begin() as conn:
            identity = store.database_identity(conn)
            conn.execute(text("UPDATE churn_models SET database_identity = :i"),
                         {"i": identity})
