"""``gcrm territory``: design territory scenarios, move areas, compare, apply."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from gcrm import territories
from gcrm.cli.errors import reports_errors

console = Console()
territory_app = typer.Typer(help="Territory scenarios: design, move, compare, apply.",
                            no_args_is_help=True)


@territory_app.command("design")
@reports_errors
def design(
    level: str = typer.Option(..., help="Region level the territories are made of."),
    reps: int = typer.Option(..., help="Number of territories (the first N active reps)."),
    name: str = typer.Option(..., help="Scenario name."),
    balance_on: str = typer.Option("accounts", help="accounts and/or revenue, comma "
                                                    "separated."),
    tolerance: float = typer.Option(0.05, help="Allowed deviation from each target."),
    keep_current: bool = typer.Option(False, "--keep-current",
                                      help="Move as few accounts as the tolerance allows."),
    seed: int = typer.Option(0, help="Same seed, same plan."),
    replace: bool = typer.Option(False, "--replace", help="Replace a scenario of that name."),
) -> None:
    """Design balanced, contiguous territories and store them as a scenario."""
    scenario = territories.design(
        name, level=level, n_territories=reps,
        balance_on=tuple(v.strip() for v in balance_on.split(",") if v.strip()),
        tolerance=tolerance, keep_current=keep_current, random_state=seed, replace=replace)
    _print(scenario)


@territory_app.command("show")
@reports_errors
def show(name: str = typer.Argument(..., help="Scenario name.")) -> None:
    """A scenario's territories and figures."""
    _print(territories.show(name))


@territory_app.command("move")
@reports_errors
def move(area: str = typer.Argument(..., help="Region code to move."),
         to: str = typer.Argument(..., help="Territory code (T01, T02, ...)."),
         scenario: str = typer.Option(..., help="Scenario name."),
         allow_split: bool = typer.Option(
             False, "--allow-split",
             help="Move even when it cuts a territory into separate pieces.")) -> None:
    """Move one area to another territory; prints the new figures. A move that would cut a
    territory in pieces is refused unless --allow-split."""
    _print(territories.move(scenario, area, to, allow_split=allow_split))


@territory_app.command("compare")
@reports_errors
def compare(first: str, second: str) -> None:
    """Two scenarios' figures side by side."""
    frame = territories.compare(first, second)
    table = Table("", first, second)
    for label, row in frame.iterrows():
        table.add_row(str(label), *(_fmt(v) for v in row))
    console.print(table)


@territory_app.command("apply")
@reports_errors
def apply(name: str = typer.Argument(..., help="Scenario name.")) -> None:
    """Make each territory's rep own the accounts in its areas (audited)."""
    changed = territories.apply(name)
    console.print(f"Applied {name}: {changed:,} accounts changed owner.")


@territory_app.command("list")
def list_scenarios() -> None:
    """Every scenario."""
    console.print(territories.scenarios().to_string(index=False))


def _print(scenario) -> None:
    table = Table("territory", "rep", "areas", "accounts", "deviation", "revenue",
                  "deviation", "Polsby-Popper", "km to home")
    for row in scenario.table.to_dict("records"):
        table.add_row(row["code"], str(row["rep"] or ""), f"{row['areas']:,}",
                      f"{row['accounts']:,.0f}", f"{row['accounts_deviation']:+.1%}",
                      f"{row['revenue']:,.0f}", f"{row['revenue_deviation']:+.1%}",
                      f"{row['polsby_popper']:.2f}",
                      f"{row.get('mean_km_to_home', float('nan')):.0f}")
    console.print(table)
    s = scenario.summary
    console.print(f"{scenario.name} ({scenario.level}): max imbalance "
                  f"{s['max_imbalance']:.1%}, Polsby-Popper mean {s['mean_polsby_popper']:.2f} "
                  f"(min {s['min_polsby_popper']:.2f}), contiguous {s['contiguous']}, "
                  f"{s.get('accounts_moved', 0):,.0f} accounts would change owner.")
    if scenario.applied_at is not None:
        console.print(f"Applied {scenario.applied_at:%Y-%m-%d %H:%M} by "
                      f"{scenario.applied_by or 'unknown'}: {scenario.applied_accounts or 0:,} "
                      "accounts changed owner then.")


def _fmt(value) -> str:
    return f"{value:,.3f}" if isinstance(value, float) else str(value)
