"""``gcrm vocab``: the company's own lists (case types, interaction channels, segments,
product categories, sales channels): see them, add values, close or open a list, rename
a value."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from gcrm import vocab
from gcrm.cli.errors import reports_errors

console = Console()
vocab_app = typer.Typer(
    help="The company's own lists: case types, channels, segments, product categories. "
         "Loads record new values in an open list; a closed list refuses them.",
    no_args_is_help=True)

FIELD_HELP = f"The list: {', '.join(vocab.VOCABULARIES)}."


@vocab_app.command("list")
@reports_errors
def list_(field: str = typer.Argument(None, help=FIELD_HELP + " Default: every list.")) -> None:
    """Every list (open or closed, how many values), or one list's values."""
    if field is None:
        table = Table("state", "values", "what", "changed by")
        table.add_column("list", no_wrap=True)
        table.columns.insert(0, table.columns.pop())
        for row in vocab.summary().itertuples():
            table.add_row(row.field, _state(row.closed), f"{row.values:,}",
                          row.description or "", row.changed_by or "")
        console.print(table)
        console.print("`gcrm vocab list LIST` shows a list's values.")
        return
    spec = vocab.vocabulary(field)
    frame = vocab.values(spec.name)
    frame = frame.astype(object).where(frame.notna(), None)
    closed = vocab.summary().set_index("field").loc[spec.name, "closed"]
    table = Table("label", "added by", "added at", "how",
                  title=f"{spec.noun.capitalize()} ({_state(closed)}, {len(frame):,} values)")
    table.add_column("value", no_wrap=True)
    table.columns.insert(0, table.columns.pop())
    for row in frame.itertuples():
        table.add_row(row.value, row.label or "", row.added_by or "", _when(row.added_at),
                      row.origin)
    console.print(table)
    if closed:
        console.print(f"Closed: loads refuse other values. `gcrm vocab add {spec.name} VALUE` "
                      f"adds one; `gcrm vocab open {spec.name}` opens the list.")
    else:
        console.print(f"Open: loads record new values. `gcrm vocab close {spec.name}` makes "
                      "loads refuse values the list lacks.")


@vocab_app.command("add")
@reports_errors
def add(field: str = typer.Argument(..., help=FIELD_HELP),
        value: str = typer.Argument(..., help="The value, as stored (e.g. review)."),
        label: str = typer.Option(None, help="Text shown for it (e.g. 'Product review').")
        ) -> None:
    """Add VALUE to a list (or set its label)."""
    spec = vocab.vocabulary(field)
    new = vocab.add(spec.name, value, label=label)
    shown = vocab.normalised(spec.name, value)
    console.print(f"{'Added' if new else 'Already there:'} {shown!r} "
                  f"{'to' if new else 'in'} {spec.noun}"
                  f"{' (label ' + repr(label) + ')' if label else ''}.", highlight=False)


@vocab_app.command("close")
@reports_errors
def close(field: str = typer.Argument(..., help=FIELD_HELP)) -> None:
    """Close a list: loads refuse values it lacks (the rest of a file still loads)."""
    listed = vocab.close(field)
    console.print(f"{listed.vocabulary.noun.capitalize()} closed at {len(listed.values):,} "
                  f"values: {listed.quoted()}.", highlight=False)


@vocab_app.command("open")
@reports_errors
def open_(field: str = typer.Argument(..., help=FIELD_HELP)) -> None:
    """Open a list: loads record the new values they bring."""
    listed = vocab.reopen(field)
    console.print(f"{listed.vocabulary.noun.capitalize()} open: loads record new values.",
                  highlight=False)


@vocab_app.command("rename")
@reports_errors
def rename(field: str = typer.Argument(..., help=FIELD_HELP),
           old: str = typer.Argument(..., help="The value as it is now."),
           new: str = typer.Argument(..., help="Its new name (merged if it exists).")) -> None:
    """Rename a value, in the list and in every stored row (the cube follows at its next
    build)."""
    rows = vocab.rename(field, old, new)
    console.print(f"Renamed {old!r} to {new!r}: {rows:,} stored rows changed. Rebuild the "
                  "cube (`gcrm cube build --incremental`) for its figures to follow.",
                  highlight=False)


def _state(closed: bool) -> str:
    return "closed" if closed else "open"


def _when(value) -> str:
    return "" if value is None or value != value else f"{value:%Y-%m-%d %H:%M}"
