"""The routing set-up an admin keeps: rules in priority order, teams of reps, the queues
(one the default, where what no rule matches waits) and the SLA clocks per case type.

Every change is checked before it is stored (a rule naming an unknown team or rep, or a
priority already taken, is refused with the reason) and audited. Reading is for every
gcrm role; changing is for admins and the operator (the grants of migration 0029 decide).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import pandas as pd
from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.routing import sql

APPLIES_TO = {"lead": "new leads (prospects)", "case": "new service cases"}
METHODS = {"territory": "the rep owning the account's area",
           "team": "a team, round-robin or by capacity", "rep": "one named rep"}
PICKS = {"round_robin": "in turn", "capacity": "the fewest open items for the rep's capacity"}


def add_rule(name: str, *, priority: int, applies_to: str, method: str,
             case_type: str | None = None, team: str | None = None, rep: str | None = None,
             pick: str = "round_robin", created_by: str | None = None,
             engine: Engine | None = None) -> int:
    """Store a rule; returns its id. Raises InvalidInput (nothing stored) for an unknown
    team or rep, a priority in use, or a combination that cannot be."""
    for value, known, what in ((applies_to, APPLIES_TO, "applies to"),
                               (method, METHODS, "method"), (pick, PICKS, "pick")):
        if value not in known:
            raise InvalidInput(f"A rule's {what} is one of {', '.join(known)}, not {value!r}.")
    if not name.strip():
        raise InvalidInput("A rule needs a name people will recognise.")
    if case_type and applies_to != "case":
        raise InvalidInput("Only a rule for cases can name a case type.")
    if method == "team" and not team:
        raise InvalidInput("A team rule names its team (--team).")
    if method == "rep" and not rep:
        raise InvalidInput("A rep rule names its rep (--rep).")
    engine = engine or get_engine()
    with engine.begin() as conn:
        taken = conn.execute(text(sql.PRIORITY_TAKEN), {"priority": priority}).scalar()
        if taken is not None:
            raise InvalidInput(f"Priority {priority} is the rule {taken!r}'s: choose another.")
        if team is not None and not conn.execute(text(sql.TEAM_EXISTS),
                                                 {"team": team}).scalar():
            raise InvalidInput(f"No team {team!r}: add it first (gcrm routing team {team} "
                               "--reps ...).")
        rep_id = _rep_id(conn, rep) if rep is not None else None
        rule_id = conn.execute(text(sql.INSERT_RULE), {
            "priority": priority, "name": name.strip(), "applies_to": applies_to,
            "case_type": case_type or None, "method": method,
            "team": team if method == "team" else None,
            "rep_id": rep_id if method == "rep" else None, "pick": pick,
            "created_by": created_by}).scalar_one()
        audit.record("routing.rule_add", name, {
            "priority": priority, "applies_to": applies_to, "case_type": case_type,
            "method": method, "team": team, "rep": rep, "pick": pick},
            actor=created_by, connection=conn)
    return int(rule_id)


def remove_rule(rule_id: int, *, actor: str | None = None,
                engine: Engine | None = None) -> str:
    """Delete a rule (what it routed keeps its owner); returns its name."""
    with (engine or get_engine()).begin() as conn:
        name = conn.execute(text(sql.DELETE_RULE), {"id": rule_id}).scalar()
        if name is None:
            raise InvalidInput(f"No routing rule {rule_id} (gcrm routing rules lists them).")
        audit.record("routing.rule_remove", name, {"id": rule_id}, actor=actor,
                     connection=conn)
    return name


def rules(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every rule in priority order."""
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.RULES)).mappings().all(),
                            columns=["id", "priority", "name", "applies_to", "case_type",
                                     "method", "team", "rep", "pick", "active", "created_by",
                                     "created_at"])


def set_team(team: str, reps: Sequence[str], *, description: str | None = None,
             actor: str | None = None, engine: Engine | None = None) -> None:
    """Create ``team`` (or add to it) with ``reps`` (ids or names); an unknown rep is
    refused and nothing is stored."""
    if not team.strip():
        raise InvalidInput("A team needs a name.")
    with (engine or get_engine()).begin() as conn:
        ids = [_rep_id(conn, rep) for rep in reps]
        conn.execute(text(sql.UPSERT_TEAM), {"team": team, "description": description})
        for rep_id in ids:
            conn.execute(text(sql.ADD_MEMBER), {"team": team, "rep_id": rep_id})
        audit.record("routing.team", team, {"reps": list(reps)}, actor=actor,
                     connection=conn)


def teams(*, engine: Engine | None = None) -> pd.DataFrame:
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.TEAMS)).mappings().all(),
                            columns=["name", "description", "reps", "members"])


def set_default_queue(name: str, *, actor: str | None = None,
                      engine: Engine | None = None) -> None:
    """Make ``name`` (created if new) the queue where what no rule matches goes."""
    if not name.strip():
        raise InvalidInput("A queue needs a name.")
    with (engine or get_engine()).begin() as conn:
        conn.execute(text(sql.ADD_QUEUE), {"name": name})
        conn.execute(text(sql.CLEAR_DEFAULT))
        conn.execute(text(sql.MAKE_DEFAULT), {"name": name})
        audit.record("routing.default_queue", name, actor=actor, connection=conn)


def queues(*, engine: Engine | None = None) -> pd.DataFrame:
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.QUEUES)).mappings().all(),
                            columns=["name", "is_default"])


FALLBACK_QUEUE = "unassigned"  # the default queue a new database starts with


def default_queue(conn: Connection) -> str:
    """The default queue's name; when none is set (the migration sets one, so only a
    database emptied by hand lacks it), "unassigned" is made the default: what no rule
    matches never goes nowhere."""
    name = conn.execute(text(sql.DEFAULT_QUEUE)).scalar()
    if name is None:
        conn.execute(text(sql.ADD_QUEUE), {"name": FALLBACK_QUEUE})
        conn.execute(text(sql.MAKE_DEFAULT), {"name": FALLBACK_QUEUE})
        name = FALLBACK_QUEUE
    return name


def set_sla(case_type: str, *, first_response_hours, resolution_hours,
            actor: str | None = None, engine: Engine | None = None) -> None:
    """The hours a case of ``case_type`` may wait for its first response and resolution."""
    first, resolve = _hours(first_response_hours), _hours(resolution_hours)
    if resolve < first:
        raise InvalidInput(f"Resolution ({resolve} h) cannot come before the first response "
                           f"({first} h).")
    with (engine or get_engine()).begin() as conn:
        conn.execute(text(sql.UPSERT_SLA), {"case_type": case_type,
                                            "first_response_hours": first,
                                            "resolution_hours": resolve})
        audit.record("routing.sla", case_type, {"first_response_hours": str(first),
                                                "resolution_hours": str(resolve)},
                     actor=actor, connection=conn)


def slas(*, engine: Engine | None = None) -> pd.DataFrame:
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.SLAS)).mappings().all(),
                            columns=["case_type", "first_response_hours",
                                     "resolution_hours"])


def rep_ids(*, engine: Engine | None = None) -> list[str]:
    """The active reps' ids, sorted: what a rule or a team may name."""
    with (engine or get_engine()).connect() as conn:
        return list(conn.execute(text(sql.REP_IDS)).scalars())


def _rep_id(conn: Connection, key: str) -> int:
    found = conn.execute(text(sql.REP_BY_KEY), {"key": key}).scalars().all()
    if not found:
        raise InvalidInput(f"No rep has the id or name {key!r}.")
    if len(found) > 1:
        raise InvalidInput(f"{len(found)} reps are called {key!r}: name the rep by id.")
    return int(found[0])


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"Hours must be a number, not {value!r}.") from None
    if not hours > 0 or hours > Decimal("999999"):
        raise InvalidInput(f"Hours must be above 0 (and below a million), not {value}.")
    return hours
