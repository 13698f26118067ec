"""Plan a day of visits for one or several reps (``gcrm visits plan``).

The visits come from a target list (a campaign's members, e.g. at-risk customers) or are
named; each account keeps its own visit window and length (``visit_windows``) or takes
the day's defaults. Drive times are measured on the loaded road network that reaches the
reps' homes (``gcrm roads load``), or in a straight line at a stated speed where none
does, and the plan says which. The order is OR-Tools' (``spatial.routing``). Every visit
asked for ends either in a rep's day or in the plan's "left out" list with its reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.tradeareas.roads import network_in_box
from gcrm.visits import sql
from gcrm.visits.show import Plan, show
from gcrm.visits.times import clock_seconds, time_of
from spatial import routing
from spatial.tradearea._geodesy import describe_metres

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DayRules:
    """The day every rep works and what a visit takes unless its account says otherwise."""

    start: str = "08:30"
    end: str = "17:30"
    max_stops: int = 12
    visit_minutes: int = 30
    kmh: float = 30.0  # the straight-line speed, used only where no road network reaches
    snap_max_m: float = 500.0  # farther from the roads than this: off the network
    time_limit_s: float | None = None  # the solver's search (None: by the visits, <= 8 s)

    def check(self) -> tuple[int, int]:
        start, end = clock_seconds(self.start, "--start"), clock_seconds(self.end, "--end")
        if end <= start:
            raise InvalidInput(f"The day ends ({self.end}) before it starts ({self.start}).")
        for name, value in (("--max-stops", self.max_stops),
                            ("--visit-minutes", self.visit_minutes), ("--kmh", self.kmh),
                            ("the solver's time", self.time_limit_s or 1)):
            if not value > 0:
                raise InvalidInput(f"{name} must be above 0, not {value}.")
        return start, end


@dataclass
class _Ask:
    """One visit asked for, as asked, and what became of it so far."""

    asked: str
    account_id: int | None = None
    reason: str | None = None


def plan(day: dt.date, reps: Sequence[str], *, from_list: str | None = None,
         accounts: Sequence[str] = (), rules: DayRules = DayRules(),
         network: str | None = None, created_by: str | None = None,
         engine: Engine | None = None, progress: Progress | None = None) -> Plan:
    """Plan ``day`` for ``reps`` (ids or names) over the accounts of the target list
    ``from_list`` and/or ``accounts`` (external ids, or source:external_id). Stores the
    plan and returns it as ``show`` reads it back.

    Raises InvalidInput for an unknown rep, list or network, or a day that cannot be.
    """
    start, end = rules.check()
    if not reps:
        raise InvalidInput("Name at least one rep (--rep).")
    if from_list is None and not accounts:
        raise InvalidInput("Say which accounts to visit: --from-list NAME or --accounts.")
    report = progress or (lambda *_: None)
    engine = engine or get_engine()
    with engine.begin() as conn:
        report("reading", 0, 1)
        rep_rows = _reps(conn, reps)
        asks = _asked(conn, from_list, accounts)
        found = _accounts(conn, [a.account_id for a in asks if a.account_id is not None])
        report("reading", 1, 1)
        homed = rep_rows[rep_rows["lon"].notna()]
        notes = [f"{r.name} ({r.external_id}) has no home base to start from: not planned"
                 for r in rep_rows[rep_rows["lon"].isna()].itertuples()]
        visits = _visits(asks, found, rep_rows, homed, rules, start, end)
        chosen = network or _network_reaching(conn, homed, rules.snap_max_m)
        report("roads", 0, 1)
        matrix, on_roads = _matrix(conn, chosen, homed, visits, found, asks, rules)
        notes += [f"{r.name} ({r.external_id})'s home is off the road network {chosen!r}: "
                  "not planned" for r in homed[~homed["id"].isin(on_roads["id"])].itertuples()]
        homed = on_roads
        report("roads", 1, 1)
        visits = [v for v in visits if asks[v.key].reason is None]
        report("solving", 0, 1)
        solved = None
        if len(homed) and visits:
            days = [routing.RepDay(int(r.id), start, end, rules.max_stops)
                    for r in homed.itertuples()]
            solved = routing.VisitPlanner(visits, days, matrix.seconds, matrix.metres,
                                          time_limit_s=rules.time_limit_s).solve()
            for key, reason in solved.left_out_.items():
                asks[key].reason = reason
        report("solving", 1, 1)
        method = matrix.method if matrix is not None else (
            "road" if chosen else "straight line")  # nothing to measure: as it would have
        plan_id = _store(conn, day, matrix, method, chosen, rules, from_list, accounts,
                         created_by, homed, solved, asks, notes)
        served = sum(len(r.stops) for r in solved.routes_) if solved else 0
        audit.record("visits.plan", f"plan {plan_id}", {
            "day": str(day), "reps": list(rep_rows["external_id"]), "asked": len(asks),
            "planned": served, "method": method,
            "network": chosen}, actor=created_by, connection=conn)
    return show(plan_id, engine=engine)


# --- what was asked --------------------------------------------------------------------
def _reps(conn: Connection, keys: Sequence[str]) -> pd.DataFrame:
    rows = pd.DataFrame(conn.execute(text(sql.REPS), {"keys": list(keys)}).mappings().all(),
                        columns=["id", "external_id", "name", "lon", "lat", "active"])
    for key in keys:
        if not ((rows["external_id"] == key) | (rows["name"] == key)).any():
            raise InvalidInput(f"No rep has the id or name {key!r}.")
    return rows.drop_duplicates("id").reset_index(drop=True)


def _asked(conn: Connection, from_list: str | None, keys: Sequence[str]) -> list[_Ask]:
    asks: list[_Ask] = []
    if from_list is not None:
        campaign = conn.execute(text(sql.LIST_EXISTS), {"name": from_list}).scalar()
        if campaign is None:
            raise InvalidInput(f"No target list {from_list!r} (gcrm campaign list shows "
                               "them).")
        rows = conn.execute(text(sql.LIST_ACCOUNTS), {"campaign_id": campaign}).all()
        asks += [_Ask(external_id, int(i)) for i, external_id in rows]
    if keys:
        rows = conn.execute(text(sql.ACCOUNTS_BY_KEY), {"keys": list(keys)}).mappings().all()
        for key in keys:
            matches = [r for r in rows
                       if key in (r["external_id"], f"{r['source']}:{r['external_id']}")]
            if not matches:
                asks.append(_Ask(key, reason="no account has this id"))
            elif len(matches) > 1:
                sources = ", ".join(sorted(r["source"] for r in matches))
                asks.append(_Ask(key, reason=f"{len(matches)} accounts have this id (from "
                                             f"{sources}): ask for source:id"))
            else:
                asks.append(_Ask(key, int(matches[0]["id"])))
    seen: set[int] = set()
    for ask in asks:  # an account asked twice is visited once
        if ask.account_id in seen:
            ask.reason = "asked for twice: visited once"
        elif ask.account_id is not None:
            seen.add(ask.account_id)
    return asks


def _accounts(conn: Connection, ids: list[int]) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(text(sql.VISIT_ACCOUNTS), {"ids": ids}).mappings().all(),
                        columns=["id", "source", "external_id", "name", "status",
                                 "owner_rep_id", "lon", "lat", "erased", "address", "opens",
                                 "closes", "minutes"]).set_index("id", drop=False)


def _visits(asks: list[_Ask], found: pd.DataFrame, reps: pd.DataFrame, homed: pd.DataFrame,
            rules: DayRules, start: int, end: int) -> list[routing.Visit]:
    """A solver visit per account that may be visited (keyed by its place in ``asks``);
    the others get their reason."""
    names = {int(r.id): f"{r.name} ({r.external_id})" for r in reps.itertuples()}
    planned, with_home = set(names), set(int(i) for i in homed["id"])
    visits = []
    for key, ask in enumerate(asks):
        if ask.reason is not None:
            continue
        row = found.loc[ask.account_id]
        owner = None if pd.isna(row["owner_rep_id"]) else int(row["owner_rep_id"])
        if row["erased"]:
            ask.reason = "erased: its personal data was destroyed"
        elif pd.isna(row["lon"]):
            ask.reason = "its address is not located (geocode it: gcrm geocode)"
        elif owner is not None and owner not in planned:
            ask.reason = "owned by another rep, who is not in this plan"
        elif owner is not None and owner not in with_home:
            ask.reason = (f"its rep {names[owner]} has no home base to start from (give the "
                          "rep a home in the reps file)")
        elif owner is None and not with_home:
            ask.reason = "no rep in this plan has a home base to start from"
        if ask.reason is not None:
            continue
        opens = start if pd.isna(row["opens"]) else _seconds_of(row["opens"])
        closes = end if pd.isna(row["closes"]) else _seconds_of(row["closes"])
        minutes = rules.visit_minutes if pd.isna(row["minutes"]) else int(row["minutes"])
        visits.append(routing.Visit(key, opens, closes, minutes * 60,
                                    reps=None if owner is None else (owner,)))
    return visits


def _seconds_of(value: dt.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


# --- how far ---------------------------------------------------------------------------
def _network_reaching(conn: Connection, homed: pd.DataFrame, snap_max_m: float) -> str | None:
    """The loaded network with a road within ``snap_max_m`` of the most reps' homes."""
    near = []
    for rep in homed.itertuples():
        row = conn.execute(text(sql.NEAREST_NETWORK), {"network": None, "lon": rep.lon,
                                                       "lat": rep.lat}).first()
        if row is not None and row.metres <= snap_max_m:
            near.append(row.network)
    return max(set(near), key=near.count) if near else None


def _matrix(conn: Connection, network: str | None, homed: pd.DataFrame,
            visits: list[routing.Visit], found: pd.DataFrame, asks: list[_Ask],
            rules: DayRules) -> tuple[routing.TravelMatrix | None, pd.DataFrame]:
    """The matrix over the homes on the network, then the visits on it; the homes and
    visits off it get their reason (the homes' visits, when only that rep may make them)."""
    if network is not None and not conn.execute(text(sql.NETWORK_EXISTS),
                                                 {"network": network}).scalar():
        raise InvalidInput(f"No road network {network!r} is loaded (gcrm roads list).")
    points = found.loc[[asks[v.key].account_id for v in visits], ["lon", "lat"]]
    lon = np.r_[homed["lon"].to_numpy(float), points["lon"].to_numpy(float)]
    lat = np.r_[homed["lat"].to_numpy(float), points["lat"].to_numpy(float)]
    if not len(lon):
        return None, homed
    if network is None:
        return routing.straight_line_matrix(lon, lat, kmh=rules.kmh), homed
    span = max(np.ptp(lon), np.ptp(lat))
    margin = max(0.02, span / 4)
    nodes, edges = network_in_box(conn, network, lon.min() - margin, lat.min() - margin,
                                  lon.max() + margin, lat.max() + margin)
    if nodes is None:
        matrix = routing.TravelMatrix(np.full((len(lon),) * 2, np.inf),
                                      np.full((len(lon),) * 2, np.inf), "road",
                                      np.zeros(len(lon), bool), np.full(len(lon), np.inf))
    else:
        matrix = routing.road_matrix(nodes, edges, lon, lat, snap_max_m=rules.snap_max_m)
    n_homes = len(homed)
    off_home = ~matrix.on_network[:n_homes]
    for k, visit in enumerate(visits):
        if not matrix.on_network[n_homes + k]:
            asks[visit.key].reason = (
                f"the road network {network!r} does not reach it: its address is "
                f"{_far(matrix.snap_m[n_homes + k])} from the nearest road")
        elif visit.reps is not None and off_home[homed["id"].tolist().index(visit.reps[0])]:
            asks[visit.key].reason = (f"its rep's home is off the road network {network!r}")
    keep = np.r_[np.flatnonzero(~off_home),
                 n_homes + np.flatnonzero(matrix.on_network[n_homes:])]
    return _subset(matrix, keep), homed[~off_home].reset_index(drop=True)


def _far(metres: float) -> str:
    return "more than 50 km" if not np.isfinite(metres) else describe_metres(metres)


def _subset(matrix: routing.TravelMatrix, keep: np.ndarray) -> routing.TravelMatrix:
    """The matrix over the places ``keep`` only (their legs still drawn along the roads)."""
    block = np.ix_(keep, keep)
    return routing.TravelMatrix(
        matrix.seconds[block], matrix.metres[block], matrix.method,
        matrix.on_network[keep], matrix.snap_m[keep], matrix.kmh,
        _legs=lambda i, j: matrix.leg(int(keep[i]), int(keep[j])))


# --- storing ---------------------------------------------------------------------------
def _store(conn: Connection, day: dt.date, matrix, method: str, network, rules: DayRules,
           from_list, accounts, created_by, homed: pd.DataFrame, solved,
           asks: list[_Ask], notes: list[str]) -> int:
    params = {"start": rules.start, "end": rules.end, "max_stops": rules.max_stops,
              "visit_minutes": rules.visit_minutes, "snap_max_m": rules.snap_max_m,
              "time_limit_s": rules.time_limit_s, "accounts": list(accounts),
              "reps": [int(i) for i in homed["id"]], "notes": notes}
    source = " + ".join(filter(None, [f"the list '{from_list}'" if from_list else None,
                                      f"{len(accounts)} accounts named" if accounts else None]))
    plan_id = conn.execute(text(sql.INSERT_PLAN), {
        "day": day, "method": method, "network": network if method == "road" else None,
        "kmh": rules.kmh if method == "straight line" else None, "source": source,
        "params": json.dumps(params), "created_by": created_by}).scalar_one()
    n_homes = len(homed)
    index = {}  # visit key -> row of the matrix
    if solved is not None:
        for k, visit in enumerate(solved.visits):
            index[visit.key] = n_homes + k
        for r, route in enumerate(solved.routes_):
            last = index[route.stops[-1].visit] if route.stops else r
            conn.execute(text(sql.INSERT_ROUTE), {
                "plan_id": plan_id, "rep_id": route.rep, "leave": time_of(route.leave),
                "back": time_of(route.back), "drive_seconds": route.drive_seconds,
                "drive_m": route.drive_metres,
                "leg": shapely.to_wkb(matrix.leg(last, r)) if route.stops else None})
            previous = r
            for stop in route.stops:
                here = index[stop.visit]
                conn.execute(text(sql.INSERT_STOP), {
                    "plan_id": plan_id, "rep_id": route.rep, "seq": stop.order,
                    "account_id": asks[stop.visit].account_id,
                    "arrive": time_of(stop.arrive), "start": time_of(stop.start),
                    "depart": time_of(stop.depart), "drive_seconds": stop.drive_seconds,
                    "drive_m": stop.drive_metres,
                    "leg": shapely.to_wkb(matrix.leg(previous, here))})
                previous = here
    served = {s.visit for r in solved.routes_ for s in r.stops} if solved else set()
    for position, ask in enumerate(asks):
        if position in served:
            continue
        conn.execute(text(sql.INSERT_LEFT_OUT), {
            "plan_id": plan_id, "position": position, "account_id": ask.account_id,
            "asked": ask.asked, "reason": ask.reason or "not planned"})
    return plan_id
