"""``gcrm model churn``: train, score and show the churn model (see docs/models.md)."""

from __future__ import annotations

import datetime as dt
import re

import typer
from rich.console import Console
from rich.table import Table

from gcrm import audit
from gcrm.cli.errors import reports_errors
from gcrm.cli.model_value import value_app
from gcrm.cli.progress import progress_bar
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput

console = Console()
model_app = typer.Typer(help="Models learned from the database's own facts.",
                        no_args_is_help=True)
churn_app = typer.Typer(help="Churn risk per customer: train, score, show.",
                        no_args_is_help=True)
model_app.add_typer(churn_app, name="churn")
model_app.add_typer(value_app, name="value")

THREADS = typer.Option(None, help="Threads for the learner (default: the library's; 1 is "
                                  "faster on a busy machine).")


def horizon_days(value: str) -> int:
    """'90d', '90', '12w' or '3m' (30-day months) as days."""
    match = re.fullmatch(r"\s*(\d+)\s*([dwm]?)\s*", value or "")
    if not match:
        raise InvalidInput(f"--horizon {value!r} is not a number of days: say 90d, 12w or 3m.")
    days = int(match.group(1)) * {"": 1, "d": 1, "w": 7, "m": 30}[match.group(2)]
    if days < 1:
        raise InvalidInput("--horizon must be at least 1 day.")
    return days


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--as-of {value!r} is not a date: say 2026-10-31.") from None


def _pct(value: float) -> str:
    return f"{value:.1%}"


def metrics_tables(metrics: dict) -> list[Table]:
    """The model beside the RFM rule: scores, then calibration by decile."""
    model, rfm = metrics["model"], metrics["rfm"]
    scores = Table(title="Evaluated window: customers on {cutoff}, churned by {until}".format(
        **metrics["evaluated"]))
    scores.add_column("measure")
    scores.add_column("model", justify="right")
    scores.add_column("RFM rule", justify="right")
    scores.add_row("ROC AUC", f"{model['roc_auc']:.3f}", f"{rfm['roc_auc']:.3f}")
    scores.add_row("PR AUC", f"{model['pr_auc']:.3f}", f"{rfm['pr_auc']:.3f}")
    scores.add_row("Brier score", f"{model['brier']:.4f}", f"{rfm['brier']:.4f}")
    calibration = Table(title="Calibration: deciles of predicted risk")
    for name in ("decile", "customers", "model predicted", "observed", "RFM predicted",
                 "observed"):
        calibration.add_column(name, justify="right")
    for m, r in zip(model["calibration"], rfm["calibration"], strict=True):
        calibration.add_row(str(m["decile"]), f"{m['customers']:,}", _pct(m["predicted"]),
                            _pct(m["observed"]), _pct(r["predicted"]), _pct(r["observed"]))
    return [scores, calibration]


@churn_app.command("train")
@reports_errors
def train(
    horizon: str = typer.Option("90d", help="Churn within this long after a cutoff: 90d, "
                                            "12w, 3m."),
    as_of: str = typer.Option(None, "--as-of", help="The model's date (default: the last "
                                                    "day with data); nothing after it is "
                                                    "read."),
    sample: int = typer.Option(1, help="Train on one customer in N (by id) for very large "
                                       "databases; the evaluated window keeps every one."),
    cutoffs: int = typer.Option(24, help="Monthly training cutoffs before the evaluated "
                                          "window, at most (fewer: faster)."),
    threads: int = THREADS,
) -> None:
    """Train the churn model, validate it beside an RFM rule, and store it (operator)."""
    from gcrm.models import churn_train, store

    days, when = horizon_days(horizon), _date(as_of)
    engine = get_engine()
    with progress_bar() as report:
        training = churn_train.train(engine, horizon_days=days, as_of=when, sample=sample,
                                     max_cutoffs=cutoffs, threads=threads, progress=report)
    stored = store.save(training, engine=engine)
    metrics = training.metrics
    for table in metrics_tables(metrics):
        console.print(table)
    ev, tr = metrics["evaluated"], metrics["training"]
    console.print(
        f"Churn model version {stored.version} stored: horizon {days:,} days, as of "
        f"{training.as_of}; trained on {tr['rows']:,} customer-months ({tr['churned']:,} "
        f"churned) from {len(tr['cutoffs']):,} cutoffs, {tr['cutoffs'][0]} to "
        f"{tr['cutoffs'][-1]}, evaluated on {ev['customers']:,} customers "
        f"({ev['churned']:,} churned); refitted on {training.training_rows:,} rows.",
        highlight=False)
    audit.record("model.churn.train", f"churn_model:{stored.version}", {
        "horizon_days": days, "as_of": str(training.as_of),
        "roc_auc": metrics["model"]["roc_auc"], "rfm_roc_auc": metrics["rfm"]["roc_auc"],
        "training_rows": training.training_rows}, engine=engine)


@churn_app.command("score")
@reports_errors
def score(threads: int = THREADS,
          run_on: str = typer.Option(
              None, "--engine", help="local (this process) or dask (chunks of customers on "
                                     "the scheduler of GCRM_DASK_SCHEDULER, one thread per "
                                     "task unless --threads); default: dask when that is "
                                     "set, else local.")) -> None:
    """Write every current customer's risk, band and top three drivers (operator)."""
    from gcrm.models import churn_score

    engine = get_engine()
    with progress_bar() as report:
        result = churn_score.score(engine, threads=threads, progress=report, run_on=run_on)
    bands = result.bands
    console.print(
        f"Scored {result.customers:,} customers as of {result.cutoff} with churn model "
        f"version {result.model_version}: {bands['high']:,} high, {bands['medium']:,} "
        f"medium, {bands['low']:,} low risk (drivers: {result.drivers_method}).",
        highlight=False)
    audit.record("model.churn.score", f"churn_model:{result.model_version}", {
        "customers": result.customers, "bands": bands, "cutoff": str(result.cutoff)},
        engine=engine)


@churn_app.command("show")
@reports_errors
def show() -> None:
    """The stored churn model: version, dates, features, metrics."""
    from gcrm.models import store

    stored = store.latest(get_engine())
    metrics = stored.metrics
    created = stored.created_at.strftime("%Y-%m-%d %H:%M")
    console.print(
        f"Churn model version {stored.version}, trained {created} UTC, as of "
        f"{stored.cutoff}, horizon {stored.horizon_days:,} days, {stored.training_rows:,} "
        f"training rows, {len(stored.features['columns']):,} features.", highlight=False)
    bands = metrics["bands"]
    console.print(f"Bands: high at {_pct(bands['high'])} or more, medium at "
                  f"{_pct(bands['medium'])} or more (base rate {_pct(metrics['base_rate'])}).",
                  highlight=False)
    for table in metrics_tables(metrics):
        console.print(table)
    console.print("Features: " + ", ".join(stored.features["columns"]), highlight=False)
