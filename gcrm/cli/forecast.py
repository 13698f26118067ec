"""``gcrm forecast``: monthly forecasts per region with intervals, reconciled and
backtested (see docs/models.md, "Forecast per region")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from gcrm import tablefile
from gcrm.access import user_engine
from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar
from gcrm.errors import InvalidInput
from gcrm.models.forecast import FLOWS
from gcrm.models.forecast import forecast as run_forecast
from gcrm.models.forecast_export import FORMATS as OUT_FORMATS
from gcrm.models.forecast_export import export

console = Console()


@reports_errors
def forecast(
    measure: str = typer.Option(..., help=f"A measure that adds up: {', '.join(FLOWS)}."),
    level: str = typer.Option(..., help="Region level fitted (county, zip...); the levels "
                                        "above it are the sums of its regions."),
    months: int = typer.Option(6, help="Months ahead, 1 to 24."),
    where: list[str] = typer.Option(None, help="LEVEL=CODE or DIMENSION=VALUE, e.g. "
                                               "state=PA (repeatable)."),
    out: Path = typer.Option(None, help="FILE.csv or FILE.parquet: the whole frame; its "
                                        "metadata in FILE.<ext>.meta.json."),
    as_of: str = typer.Option(None, "--as-of", help="Last month of history to use, e.g. "
                                                    "2025-10 (default: the last complete "
                                                    "month)."),
    seed: int = typer.Option(0, help="Seed of the simulated paths (same seed, same "
                                     "intervals)."),
    as_user: str = typer.Option(None, "--as", help="Run as this gcrm user: their regions "
                                                   "apply (default: the operator)."),
) -> None:
    """Forecast a measure per region, month by month, with 80% and 95% intervals."""
    if out is not None:
        tablefile.format_of(out, OUT_FORMATS)  # a wrong suffix is refused before the fit
    engine = user_engine(as_user) if as_user else None
    with progress_bar() as report:
        frame, meta = run_forecast(measure, level=level, months=months,
                                   where=_where(where), as_of=as_of, random_state=seed,
                                   progress=report,
                                   engine=engine)
    _print(frame, meta)
    if out is not None:
        sidecar = export(frame, meta, out, actor=as_user, engine=engine)
        console.print(f"Written to {out} (metadata in {sidecar}).", highlight=False)


def _print(frame: pd.DataFrame, meta: dict) -> None:
    money = meta["unit"] == "currency"
    history = meta["history"]
    counts = ", ".join(f"{n:,} {m}" for m, n in meta["model_counts"].items())
    console.print(f"{meta['measure']} by {meta['level']}: {meta['months']} months ahead "
                  f"({meta['forecast_months'][0]} to {meta['forecast_months'][-1]}), from "
                  f"{history['months']} months of history ({history['first']} to "
                  f"{history['last']}). Models: {counts}.", highlight=False)
    ahead = frame[frame["kind"] == "forecast"]
    top = ahead["level"].iloc[-1]  # the highest level: the totals
    shown = ahead[ahead["level"] == top]
    codes = list(dict.fromkeys(shown["code"]))[:5]
    table = Table(title=f"{top} forecast" + (f" (first {len(codes)})" if len(codes) < len(
        dict.fromkeys(shown["code"])) else ""), title_justify="left")
    for column in ("region", "month", "forecast", "80% interval", "95% interval"):
        table.add_column(column, justify="left" if column in ("region", "month") else
                         "right")
    for row in shown[shown["code"].isin(codes)].itertuples():
        table.add_row(row.name, row.month, _number(row.forecast, money),
                      f"{_number(row.lo80, money)} - {_number(row.hi80, money)}",
                      f"{_number(row.lo95, money)} - {_number(row.hi95, money)}")
    console.print(table)
    test = meta["backtest"]
    if test:
        console.print(f"Backtest: {test['held_out'][0]} to {test['held_out'][-1]} held out, "
                      f"fitted on {test['fitted_on']}.", highlight=False)
        for level, score in test["levels"].items():
            if score["mase_model"] is None:
                console.print(f"  {level}: no region with a varying history to score.")
                continue
            console.print(
                f"  {level} ({_regions(score['regions'])}): MASE {score['mase_model']:.2f} "
                f"vs seasonal naive {score['mase_baseline']:.2f}; better in "
                f"{score['better_than_baseline']:,} of {score['scored']:,}; inside the "
                f"80% interval {score['coverage80']:.0%}, the 95% {score['coverage95']:.0%}",
                highlight=False)
    if len(meta["levels"]) > 1:
        console.print(f"Reconciled: {', '.join(meta['levels'][1:])} = the sums of "
                      f"{meta['level']} (to the cent).", highlight=False)


def _number(value, money: bool) -> str:
    return f"${value:,.0f}" if money else f"{value:,.0f}"


def _where(items: list[str] | None) -> dict | None:
    if not items:
        return None
    where: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InvalidInput(f"--where {item!r}: write LEVEL=CODE or DIMENSION=VALUE, "
                               "e.g. state=PA.")
        where.setdefault(key.strip(), []).append(value.strip())
    return where


def _regions(n: int) -> str:
    return f"{n:,} region{'' if n == 1 else 's'}"
