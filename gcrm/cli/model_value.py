"""``gcrm model value``: train, score and show the customer value model (expected next
12 months per customer; see docs/models.md)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from gcrm import audit
from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar
from gcrm.db.engine import get_engine

console = Console()
value_app = typer.Typer(help="Expected value of each customer's next 12 months: train, "
                             "score, show.", no_args_is_help=True)


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f}%"


def metrics_tables(metrics: dict) -> list[Table]:
    """The model beside the naive baseline on the holdout, then deciles."""
    model, naive, ev = metrics["model"], metrics["baseline"], metrics["evaluated"]
    scores = Table(title=f"Holdout: {ev['customers']:,} customers on {ev['cutoff']}, what "
                         f"they spent to {ev['until']}")
    scores.add_column("measure")
    scores.add_column("model", justify="right")
    scores.add_column("last year repeats", justify="right")
    scores.add_row("MAE per customer", _money(model["mae"]), _money(naive["mae"]))
    scores.add_row("RMSE per customer", _money(model["rmse"]), _money(naive["rmse"]))
    scores.add_row("Total predicted", _money(model["total_predicted"]),
                   _money(naive["total_predicted"]))
    scores.add_row("Total actual", _money(model["total_actual"]),
                   _money(naive["total_actual"]))
    scores.add_row("Total error", _pct(model["total_error_pct"]),
                   _pct(naive["total_error_pct"]))
    scores.add_row("Purchase days MAE", f"{model['purchases_mae']:.2f}",
                   f"{naive['purchases_mae']:.2f}")
    deciles = Table(title="Deciles of the model's prediction: mean per customer")
    for name in ("decile", "customers", "model", "last year repeats", "actual"):
        deciles.add_column(name, justify="right")
    for d in metrics["deciles"]:
        deciles.add_row(str(d["decile"]), f"{d['customers']:,}", _money(d["model"]),
                        _money(d["baseline"]), _money(d["actual"]))
    return [scores, deciles]


@value_app.command("train")
@reports_errors
def train(
    as_of: str = typer.Option(None, "--as-of", help="The model's date (default: the last "
                                                    "day with sales); nothing after it is "
                                                    "read."),
    holdout_months: int = typer.Option(12, "--holdout-months",
                                       help="Validate on this many months before --as-of."),
) -> None:
    """Fit the value model, validate it beside 'last year repeats', store it (operator)."""
    from gcrm.cli.model import _date
    from gcrm.models import value_store, value_train

    engine = get_engine()
    with progress_bar() as report:
        training = value_train.train(engine, holdout_months=holdout_months,
                                     as_of=_date(as_of), progress=report)
    stored = value_store.save(training, engine=engine)
    metrics = training.metrics
    for table in metrics_tables(metrics):
        console.print(table)
    console.print(
        f"Customer value model version {stored.version} stored ({stored.library}, BG/NBD "
        f"+ Gamma-Gamma): as of {training.as_of}, validated on {training.holdout_days:,} "
        f"days after {training.evaluated_at}, refitted on {training.training_rows:,} "
        "customers.", highlight=False)
    audit.record("model.value.train", f"value_model:{stored.version}", {
        "as_of": str(training.as_of), "holdout_days": training.holdout_days,
        "mae": metrics["model"]["mae"], "baseline_mae": metrics["baseline"]["mae"],
        "training_rows": training.training_rows}, engine=engine)


@value_app.command("score")
@reports_errors
def score() -> None:
    """Write every current customer's expected next 12 months (operator)."""
    from gcrm.models import value_score

    engine = get_engine()
    with progress_bar() as report:
        result = value_score.score(engine, progress=report)
    skipped = (f"; {result.without_purchase:,} customers without a purchase yet are not "
               "scored" if result.without_purchase else "")
    console.print(
        f"Scored {result.customers:,} customers as of {result.cutoff} with customer value "
        f"model version {result.model_version}: expected next 12 months "
        f"{_money(result.expected_revenue)} from {result.expected_purchases:,.0f} purchase "
        f"days{skipped}.", highlight=False)
    audit.record("model.value.score", f"value_model:{result.model_version}", {
        "customers": result.customers, "cutoff": str(result.cutoff),
        "expected_revenue": round(result.expected_revenue, 2)}, engine=engine)


@value_app.command("show")
@reports_errors
def show() -> None:
    """The stored customer value model: version, dates, parameters, validation."""
    from gcrm.models import value_store

    stored = value_store.latest(get_engine())
    created = stored.created_at.strftime("%Y-%m-%d %H:%M")
    console.print(
        f"Customer value model version {stored.version} ({stored.library}), trained "
        f"{created} UTC, as of {stored.cutoff}, holdout {stored.holdout_days:,} days, "
        f"{stored.training_rows:,} customers.", highlight=False)
    for name, values in stored.parameters.items():
        console.print(f"{name}: " + ", ".join(f"{k} {v:.4g}" for k, v in values.items()),
                      highlight=False)
    for table in metrics_tables(stored.metrics):
        console.print(table)


__all__ = ["value_app"]
