"""``gcrm visits``: plan a rep's day of visits, show and export plans, load visit windows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gcrm import visits
from gcrm.cli.errors import reports_errors
from gcrm.cli.progress import progress_bar
from gcrm.errors import InvalidInput
from gcrm.visits.export import FORMATS
from gcrm.visits.times import clock, day_words

console = Console()
visits_app = typer.Typer(help="A rep's day of visits: plan it on the roads, show it, export "
                              "it (CSV, GPX, PDF).", no_args_is_help=True)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--date must be a date as YYYY-MM-DD, not {value!r}.") from None


@visits_app.command("plan")
@reports_errors
def plan(rep: list[str] = typer.Option(..., "--rep", help="A rep's id or name; repeat for "
                                                          "several reps' days."),
         date: str = typer.Option(..., "--date", help="The day planned, YYYY-MM-DD."),
         from_list: str = typer.Option(None, "--from-list",
                                       help="Visit the accounts of this target list "
                                            "(gcrm campaign list)."),
         accounts: str = typer.Option(None, "--accounts",
                                      help="Comma-separated account ids (or source:id)."),
         max_stops: int = typer.Option(12, help="The most visits in a rep's day."),
         start: str = typer.Option("08:30", help="When a rep may leave home (HH:MM)."),
         end: str = typer.Option("17:30", help="When a rep must be home again (HH:MM)."),
         visit_minutes: int = typer.Option(30, help="A visit's length where the account "
                                                    "has no window of its own."),
         kmh: float = typer.Option(30.0, help="The straight-line speed, used only where no "
                                              "road network reaches the reps' homes."),
         network: str = typer.Option(None, help="The road network (default: the one "
                                                "reaching the reps' homes)."),
         seconds: float = typer.Option(None, "--solver-seconds",
                                       help="How long the solver searches (default: 2 s for "
                                            "a dozen visits, up to 8 s from 90).")) -> None:
    """Choose and order a day's visits for one or several reps, from home and back."""
    named = [a.strip() for a in (accounts or "").split(",") if a.strip()]
    rules = visits.DayRules(start=start, end=end, max_stops=max_stops,
                            visit_minutes=visit_minutes, kmh=kmh, time_limit_s=seconds)
    with progress_bar() as report:
        result = visits.plan(_day(date), rep, from_list=from_list, accounts=named,
                             rules=rules, network=network, progress=report)
    _print(result)


@visits_app.command("show")
@reports_errors
def show(plan_id: int = typer.Argument(..., help="The plan's number (gcrm visits list).")
         ) -> None:
    """A stored plan: each rep's stops in order, and what was left out and why."""
    _print(visits.show(plan_id))


@visits_app.command("list")
@reports_errors
def list_plans(date: str = typer.Option(None, "--date", help="Only this day's plans.")) -> None:
    """The stored plans, newest first."""
    frame = visits.plans(day=_day(date) if date else None)
    if frame.empty:
        console.print("No visit plan yet (gcrm visits plan).")
        return
    table = Table("plan", "day", "reps", "visits", "left out", "measured", "from", "by")
    for row in frame.itertuples():
        table.add_row(str(row.id), str(row.day), str(row.reps), str(row.stops),
                      str(row.left_out), row.network or row.method, escape(row.source),
                      row.created_by or "")
    console.print(table)


@visits_app.command("export")
@reports_errors
def export(plan_id: int = typer.Argument(...),
           out: Path = typer.Option(..., "--out", help="The file to write (.csv, .gpx, .pdf)."),
           format: str = typer.Option(None, help=f"{', '.join(FORMATS)} (default: from the "
                                                 "file's ending).")) -> None:
    """Write a plan for the road: CSV, GPX for a phone's navigation app, or printable PDF."""
    kind = (format or out.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise InvalidInput(f"Cannot tell the format of {out.name}: use --format "
                           f"{' or '.join(FORMATS)}.")
    out.write_bytes(visits.export(plan_id, kind))
    console.print(f"Wrote plan {plan_id} as {kind.upper()} to {out}.")


@visits_app.command("windows")
@reports_errors
def windows(path: Path = typer.Argument(..., help="CSV: account, opens, closes, minutes.")
            ) -> None:
    """Load when accounts may be visited (HH:MM to HH:MM) and how long a visit takes."""
    loaded = visits.load_windows(path)
    console.print(f"Stored {loaded.stored:,} visit windows from {path.name}.")
    for line, reason in loaded.rejected:
        console.print(f"  line {line} refused: {escape(reason)}", highlight=False)


def _print(plan: visits.Plan) -> None:
    console.print(f"[bold]Plan {plan.id}[/] for {day_words(plan.day)}, measured with "
                  f"{escape(plan.travel)}.", highlight=False)
    for route in plan.routes.itertuples():
        table = Table("#", "arrive", "visit", "account", "name", "address", "drive",
                      title=f"{route.rep_name} ({route.rep}): leave {clock(route.leave)}, "
                            f"back {clock(route.back)}, {route.stops} visits, "
                            f"{route.drive_seconds / 60:,.0f} min and "
                            f"{route.drive_m / 1000:,.1f} km of driving",
                      title_justify="left")
        stops = plan.stops[plan.stops["rep"] == route.rep]
        for row in stops.itertuples():
            table.add_row(str(row.seq), clock(row.arrive),
                          f"{clock(row.start)}-{clock(row.depart)}",
                          f"{row.source}:{row.external_id}", escape(row.name or ""),
                          escape(row.address or ""),
                          f"{row.drive_seconds / 60:,.0f} min, {row.drive_m / 1000:,.1f} km")
        console.print(table)
    for note in plan.notes:
        console.print(f"Note: {escape(note)}", highlight=False)
    if not plan.left_out.empty:
        console.print(f"[bold]Left out ({len(plan.left_out):,})[/]")
        for row in plan.left_out.itertuples():
            named = f" ({row.name})" if isinstance(row.name, str) else ""
            console.print(f"  {escape(row.asked)}{escape(named)}: {escape(row.reason)}",
                          highlight=False)
