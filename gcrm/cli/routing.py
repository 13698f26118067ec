"""``gcrm routing``: the rules that give new leads and cases an owner, teams, the default
queue, SLA clocks, and a run over whatever waits unrouted."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gcrm import routing
from gcrm.cli.errors import reports_errors

console = Console()
routing_app = typer.Typer(help="Work routing: rules giving new leads and service cases an "
                               "owner, teams, the default queue, SLA clocks.",
                          no_args_is_help=True)


@routing_app.command("rules")
@reports_errors
def rules() -> None:
    """The rules in priority order (1 first), then the default queue."""
    frame = routing.rules()
    if frame.empty:
        console.print("No routing rule yet: everything new waits in the default queue "
                      "(gcrm routing rule-add ...).")
    else:
        table = Table("id", "priority", "name", "for", "case type", "to", "pick")
        for row in frame.itertuples():
            to = {"territory": "the account's rep", "team": f"team {row.team}",
                  "rep": f"rep {row.rep}"}[row.method]
            table.add_row(str(row.id), str(row.priority), escape(row.name),
                          f"{row.applies_to}s", row.case_type or "any", escape(to),
                          row.pick.replace("_", "-") if row.method == "team" else "")
        console.print(table)
    queues = routing.queues()
    default = queues.loc[queues["is_default"], "name"]
    console.print(f"Default queue: {default.iloc[0] if len(default) else '(none)'}")


@routing_app.command("rule-add")
@reports_errors
def rule_add(name: str = typer.Argument(..., help="What the rule is, for people."),
             priority: int = typer.Option(..., help="Lower runs first; each unique."),
             applies_to: str = typer.Option(..., "--for", help="lead or case."),
             to: str = typer.Option(..., "--to", help="territory (the account's rep), team "
                                                       "or rep."),
             case_type: str = typer.Option(None, help="Only cases of this type."),
             team: str = typer.Option(None, help="The team (with --to team)."),
             rep: str = typer.Option(None, help="The rep's id or name (with --to rep)."),
             pick: str = typer.Option("round_robin", help="Within a team: round_robin or "
                                                          "capacity.")) -> None:
    """Add a rule. An unknown team or rep, or a priority in use, is refused."""
    rule_id = routing.add_rule(name, priority=priority, applies_to=applies_to, method=to,
                               case_type=case_type, team=team, rep=rep, pick=pick)
    console.print(f"Rule {rule_id} {name!r} stored at priority {priority}. New items route "
                  "by it as they load; `gcrm routing run` routes what waits now.")


@routing_app.command("rule-remove")
@reports_errors
def rule_remove(rule_id: int = typer.Argument(...)) -> None:
    """Remove a rule (what it routed keeps its owner)."""
    console.print(f"Removed rule {rule_id} {routing.remove_rule(rule_id)!r}.")


@routing_app.command("team")
@reports_errors
def team(name: str = typer.Argument(...),
         reps: str = typer.Option(..., help="Comma-separated rep ids or names."),
         description: str = typer.Option(None)) -> None:
    """Create a team, or add reps to it."""
    members = [r.strip() for r in reps.split(",") if r.strip()]
    routing.set_team(name, members, description=description)
    console.print(f"Team {name!r}: {', '.join(members)}.")


@routing_app.command("teams")
@reports_errors
def teams() -> None:
    """The teams and their reps."""
    frame = routing.teams()
    console.print(frame.to_string(index=False) if len(frame) else "No team yet.")


@routing_app.command("queue")
@reports_errors
def queue(name: str = typer.Argument(..., help="The queue where what no rule matches "
                                               "waits.")) -> None:
    """Set the default queue (created if new)."""
    routing.set_default_queue(name)
    console.print(f"Default queue: {name}.")


@routing_app.command("sla")
@reports_errors
def sla(case_type: str = typer.Argument(None, help="Set this case type's clocks; none: "
                                                   "list them."),
        first_response: float = typer.Option(None, help="Hours to the first response."),
        resolution: float = typer.Option(None, help="Hours to resolution.")) -> None:
    """Show the SLA clocks, or set one case type's."""
    if case_type is not None:
        routing.set_sla(case_type, first_response_hours=first_response,
                        resolution_hours=resolution)
    frame = routing.slas()
    console.print(frame.to_string(index=False) if len(frame) else
                  "No SLA clock yet (gcrm routing sla TYPE --first-response H "
                  "--resolution H).")


@routing_app.command("run")
@reports_errors
def run() -> None:
    """Route every lead and case that waits unrouted."""
    result = routing.route()
    if not result.total:
        console.print("Nothing waits unrouted.")
        return
    for rule, n in result.by_rule.items():
        console.print(f"{n:,} to {escape(rule)}")
    for kind, n in result.queued.items():
        console.print(f"{n:,} {kind}{'' if n == 1 else 's'} to the {result.queue} queue "
                      "(no rule matched)")


@routing_app.command("overdue")
@reports_errors
def overdue(limit: int = typer.Option(50, help="How many to list (oldest first).")) -> None:
    """Open cases past their SLA clocks, oldest first."""
    frame = routing.overdue()
    if frame.empty:
        console.print("No open case is past its clock.")
        return
    table = Table("case", "type", "opened", "owner", "past", "due")
    for row in frame.head(limit).itertuples():
        due = row.resolve_by if row.breached == "resolution" else row.respond_by
        table.add_row(row.external_id, row.case_type, f"{row.opened_at:%Y-%m-%d %H:%M}",
                      row.owner or f"queue {row.queue}", row.breached, f"{due:%Y-%m-%d %H:%M}")
    console.print(table)
    more = f" (the oldest {limit:,} listed)" if len(frame) > limit else ""
    console.print(f"{len(frame):,} overdue cases{more}.")
