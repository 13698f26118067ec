"""``gcrm cost-to-serve``: what a service case of each type and a contact through each
channel cost (the rates the cube's cost to serve and margin are priced at): see them, set
one, reset one."""

from __future__ import annotations

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from gcrm import costs
from gcrm.cli.errors import reports_errors

console = Console()
costs_app = typer.Typer(
    help="Cost-to-serve rates: per service case by type, per contact by channel (admins set "
         "them; the cube's cost_to_serve, margin and unprofitable_share follow at its next "
         "build).", no_args_is_help=True)

KIND_HELP = "case (a service case, by case type) or contact (a contact, by channel)."
ITEM_HELP = "The case type or channel (gcrm vocab list case_type / interaction_channel), " \
            "or '*' for any without a rate of its own."


@costs_app.command("show")
@reports_errors
def show() -> None:
    """Every rate, and which case types and channels take the default ('*')."""
    frame = costs.rates()
    table = Table("kind", "case type or channel", "rate", "set by", "set at")
    for row in frame.itertuples():
        item = "* (any other)" if row.item == "*" else row.item
        by = "default: takes *" if row.defaulted else (row.changed_by or "")
        when = "" if pd.isna(row.changed_at) else f"{row.changed_at:%Y-%m-%d %H:%M}"
        table.add_row(row.kind, item, f"${row.rate:,.2f}", by, when)
    console.print(table)
    defaulted = frame[frame["defaulted"]]
    if len(defaulted):
        listed = ", ".join(f"{r.kind} {r.item}" for r in defaulted.itertuples())
        console.print(f"Without a rate of their own (priced at their kind's *): {listed}.",
                      highlight=False)
    console.print("Rates seeded by 'migration 0024' are placeholders: set the company's own "
                  "with `gcrm cost-to-serve set KIND ITEM RATE` (admins), then "
                  "`gcrm cube build`.", highlight=False)


# A rate like -5 reaches the command (which says why it is refused), not the option parser.
@costs_app.command("set", context_settings={"ignore_unknown_options": True})
@reports_errors
def set_(kind: str = typer.Argument(..., help=KIND_HELP),
         item: str = typer.Argument(..., help=ITEM_HELP),
         rate: str = typer.Argument(..., help="Dollars and cents, e.g. 25 or 12.50.")) -> None:
    """Set what one case of a type or one contact through a channel costs."""
    was = costs.set_rate(kind, item, rate)
    now = costs.rates().set_index(["kind", "item"]).loc[(kind.strip().lower(),
                                                         item.strip().lower()), "rate"]
    before = "the default" if was is None else f"${was:,.2f}"
    console.print(f"{kind.strip().lower()} {item.strip().lower()}: ${now:,.2f} (was {before})."
                  " The cube's next build (`gcrm cube build`) prices facts at it.",
                  highlight=False)


@costs_app.command("reset")
@reports_errors
def reset(kind: str = typer.Argument(..., help=KIND_HELP),
          item: str = typer.Argument(..., help=ITEM_HELP)) -> None:
    """Put a rate back to its placeholder (a type or channel without one takes '*')."""
    now = costs.reset_rate(kind, item)
    console.print(f"{kind.strip().lower()} {item.strip().lower()}: ${now:,.2f}. The cube's "
                  "next build (`gcrm cube build`) prices facts at it.", highlight=False)
