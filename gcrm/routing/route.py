"""Give every new lead and service case an owner: the active rules in priority order, each
taking the items it matches that no earlier rule gave away; whatever is left waits in the
default queue, never nowhere.

A ``territory`` rule gives an item to the rep owning its account's area (the account's
owner, else the rep of the territory holding its region in the latest applied scenario),
in one statement; items whose area has no rep are left to the next rule. A ``rep`` rule
gives all it matches to its rep. A ``team`` rule shares them among the team's active
members: in turn from where it last stopped (``round_robin``), or each to the member with
the fewest open items for their capacity, skipping members at capacity (``capacity``);
when every member is full, the rest go on to the next rule.

Runs after every load of cases or accounts (``gcrm load``), and on demand
(``gcrm routing run``). Audited with what each rule took.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.routing import sql
from gcrm.routing.rules import default_queue

# Per kind of item: what waits, giving it to reps, to the rep owning its area, to the queue.
UNROUTED = {"case": sql.UNROUTED_CASES, "lead": sql.UNROUTED_LEADS}
GIVE = {"case": sql.GIVE_CASES, "lead": sql.GIVE_LEADS}
GIVE_BY_AREA = {"case": sql.GIVE_CASES_BY_AREA, "lead": sql.GIVE_LEADS_BY_AREA}
QUEUE = {"case": sql.QUEUE_CASES, "lead": sql.QUEUE_LEADS}


@dataclass
class Routed:
    """What a run gave: items per rule (by name), and how many went to the default queue."""

    by_rule: dict[str, int] = field(default_factory=dict)
    queued: dict[str, int] = field(default_factory=dict)  # kind -> count
    queue: str = ""

    @property
    def total(self) -> int:
        return sum(self.by_rule.values()) + sum(self.queued.values())


def route(*, engine: Engine | None = None, actor: str | None = None) -> Routed:
    """Route everything unrouted, in one transaction."""
    with (engine or get_engine()).begin() as conn:
        return route_in(conn, actor=actor)


def route_in(conn: Connection, kinds: tuple[str, ...] = ("case", "lead"), *,
             actor: str | None = None) -> Routed:
    """Route the unrouted items of ``kinds`` inside ``conn``'s transaction (a load's: a
    cases load routes cases, an accounts load leads). A kind with nothing waiting is not
    touched."""
    kinds = tuple(k for k in kinds if conn.execute(text(sql.ANY_UNROUTED[k])).scalar())
    result = Routed(queue=default_queue(conn) if kinds else "")
    for rule in conn.execute(text(sql.ACTIVE_RULES)).all():
        if rule.applies_to not in kinds:
            continue
        if rule.method == "territory":  # one statement: the rep owning each area
            given = conn.execute(text(GIVE_BY_AREA[rule.applies_to]), {
                "rule_id": int(rule.id), "case_type": rule.case_type}).rowcount
            _count(result, rule.name, given)
            continue
        items = [int(i) for i in conn.execute(text(UNROUTED[rule.applies_to]),
                                              {"case_type": rule.case_type}).scalars()]
        if not items:
            continue
        ids, reps = _owners(conn, rule, items)
        if ids:
            conn.execute(text(GIVE[rule.applies_to]),
                         {"ids": ids, "reps": reps, "rule_id": int(rule.id)})
            _count(result, rule.name, len(ids))
    for kind in kinds:
        left = conn.execute(text(QUEUE[kind]), {"queue": result.queue}).rowcount
        if left:
            result.queued[kind] = left
    if result.total:
        audit.record("routing.run", result.queue, {"by_rule": result.by_rule,
                                                   "queued": result.queued},
                     actor=actor, connection=conn)
    return result


def _count(result: Routed, rule: str, given: int) -> None:
    if given:
        result.by_rule[rule] = result.by_rule.get(rule, 0) + given


def _owners(conn: Connection, rule, items: list[int]) -> tuple[list[int], list[int]]:
    """The items a ``rep`` or ``team`` rule takes and the rep each goes to."""
    if rule.method == "rep":
        return items, [int(rule.rep_id)] * len(items)
    members = conn.execute(text(sql.TEAM_MEMBERS), {"team": rule.team}).all()
    if not members:
        return [], []
    if rule.pick == "round_robin":
        order = [int(m.id) for m in members]
        start = (order.index(rule.last_rep_id) + 1) if rule.last_rep_id in order else 0
        reps = [order[(start + k) % len(order)] for k in range(len(items))]
        conn.execute(text(sql.LAST_PICKED), {"rep_id": reps[-1], "rule_id": int(rule.id)})
        return items, reps
    return _by_capacity(conn, members, items)


def _by_capacity(conn: Connection, members, ids: list[int]) -> tuple[list[int], list[int]]:
    """Each item to the member with the lowest open items / capacity (no capacity: 1),
    never past a member's capacity; ties to the lower rep id."""
    open_items = dict(conn.execute(text(sql.OPEN_ITEMS),
                                   {"ids": [int(m.id) for m in members]}).all())
    heap = []
    for m in members:
        capacity = m.capacity if m.capacity and m.capacity > 0 else None
        load = open_items.get(m.id, 0)
        if capacity is None or load < capacity:
            heapq.heappush(heap, (load / (capacity or 1.0), int(m.id), load, capacity))
    given_ids, given_reps = [], []
    for item in ids:
        if not heap:
            break
        _, rep_id, load, capacity = heapq.heappop(heap)
        given_ids.append(int(item))
        given_reps.append(rep_id)
        load += 1
        if capacity is None or load < capacity:
            heapq.heappush(heap, (load / (capacity or 1.0), rep_id, load, capacity))
    return given_ids, given_reps
