"""Territory scenarios in PostGIS: design one, move an area, compare two, apply one.

A scenario groups the regions of one level into territories, one per rep. Designing
reads the areas with their workloads (accounts, revenue of the last 12 months) and the
active reps (homes, capacities), runs ``spatial.territory``, and stores the plan with
each territory's outline (the union of its areas). Applying makes every account in a
territory's areas owned by its rep, and writes an audit record.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text

from gcrm import audit, routing
from gcrm.db.engine import get_engine
from gcrm.errors import GcrmError, InvalidInput
from gcrm.territories import sql
from spatial import territory
from spatial.territory.graph import pieces

WORKLOADS = ("accounts", "revenue")


@dataclass
class Scenario:
    """A stored plan: per territory its areas and workloads against their targets
    (``table``), and the plan's figures (``summary``: max_imbalance, mean and min
    Polsby-Popper, contiguous, mean_km_to_home, accounts_moved against the current
    owners)."""

    name: str
    level: str
    table: pd.DataFrame
    summary: dict
    applied_at: dt.datetime | None = None  # when it was last applied, by whom, and how
    applied_by: str | None = None          # many accounts changed owner then
    applied_accounts: int | None = None


class WouldSplit(InvalidInput):
    """A move that would cut a territory into separate pieces: the planner must confirm it
    (``allow_split=True``)."""


def design(name: str, *, level: str, n_territories: int,
           balance_on: tuple[str, ...] = ("accounts",), tolerance: float = 0.05,
           keep_current: bool = False, random_state: int = 0, replace: bool = False,
           created_by: str | None = None, engine: Engine | None = None) -> Scenario:
    """Design ``n_territories`` over the regions of ``level`` and store it as ``name``.

    The first ``n_territories`` active reps (by id) get the territories; when each has a
    home, territories form around the homes, and capacities set the targets when each has
    one. keep_current: start from today's owners and move as few accounts as the
    tolerance allows.
    """
    unknown = sorted(set(balance_on) - set(WORKLOADS))
    if unknown or not balance_on:
        raise InvalidInput(f"Cannot balance on {', '.join(unknown) or 'nothing'}; choose "
                           f"from {', '.join(WORKLOADS)}.")
    if not 0 <= tolerance < 1:
        raise InvalidInput("tolerance is a share between 0 and 1 (0.05 for 5%).")
    engine = engine or get_engine()
    with engine.connect() as conn:
        areas = _areas(conn, level, owners=keep_current)
        reps = pd.DataFrame(conn.execute(text(sql.REPS)).mappings().all(),
                            columns=["id", "name", "lon", "lat", "capacity"])
    if n_territories < 1 or n_territories > len(areas):
        raise InvalidInput(f"{level} has {len(areas)} regions: choose between 1 and "
                           f"{len(areas)} territories, not {n_territories}.")
    reps = reps.head(n_territories)
    options: dict = {"tolerance": tolerance, "random_state": random_state}
    if len(reps) == n_territories and reps["lon"].notna().all():
        options["homes"] = gpd.GeoSeries(gpd.points_from_xy(reps["lon"], reps["lat"]),
                                         crs=4326)
    if len(reps) == n_territories and reps["capacity"].notna().all():
        options["capacities"] = reps["capacity"].to_numpy()
    if keep_current:
        index = {int(rep): i for i, rep in enumerate(reps["id"])}
        areas["current"] = [index.get(int(r), -1) if pd.notna(r) else -1
                            for r in areas["current_rep"]]
        if (areas["current"] < 0).all():
            raise InvalidInput("No account is owned by one of the first "
                               f"{n_territories} reps yet: there is no current plan to keep.")
        options.update(keep_current=True, current_column="current")
    for column in balance_on:
        if areas[column].sum() <= 0:
            raise InvalidInput(f"There is no {column} in {level} to balance on.")
    plan = territory.from_geodataframe(areas, list(balance_on), n_territories=n_territories,
                                       **options)
    codes = [f"T{i + 1:02d}" for i in range(n_territories)]
    params = {"level": level, "n_territories": n_territories, "balance_on": list(balance_on),
              "tolerance": tolerance, "keep_current": keep_current,
              "random_state": random_state}
    with engine.begin() as conn:
        if conn.execute(text(sql.SCENARIO), {"name": name}).first() is not None:
            if not replace:
                raise InvalidInput(f"A scenario {name!r} exists: choose another name, or "
                                   "replace it.")
            conn.execute(text(sql.DELETE_SCENARIO), {"name": name})
        scenario_id = conn.execute(text(sql.INSERT_SCENARIO), {
            "name": name, "level": level, "params": json.dumps(params),
            "created_by": created_by}).scalar_one()
        for i, code in enumerate(codes):
            rep = reps.iloc[i] if i < len(reps) else None
            conn.execute(text(sql.INSERT_TERRITORY), {
                "scenario_id": scenario_id, "code": code,
                "name": None if rep is None else str(rep["name"]),
                "rep_id": None if rep is None else int(rep["id"])})
        conn.execute(text(sql.INSERT_AREAS), {
            "scenario_id": scenario_id, "codes": [codes[t] for t in plan.labels_],
            "regions": areas["region_id"].astype(int).tolist()})
        conn.execute(text(sql.OUTLINES), {"scenario_id": scenario_id})
    return show(name, engine=engine)


def show(name: str, *, engine: Engine | None = None) -> Scenario:
    """The scenario ``name`` with its figures, computed from what is stored now."""
    with (engine or get_engine()).connect() as conn:
        scenario = _scenario(conn, name)
        areas = _areas(conn, scenario.level)
        plan = dict(conn.execute(text(sql.PLAN), {"scenario_id": scenario.id}).all())
        teams = pd.DataFrame(conn.execute(text(sql.TERRITORIES),
                                          {"scenario_id": scenario.id}).mappings().all())
        changing = conn.execute(text(sql.OWNER_CHANGES),
                                {"scenario_id": scenario.id}).scalar_one()
    codes = teams["code"].tolist()
    labels = np.array([codes.index(plan[c]) if c in plan else -1 for c in areas["code"]])
    if (labels < 0).any():
        raise GcrmError(f"Scenario {name!r} leaves {(labels < 0).sum()} regions of "
                        f"{scenario.level} without a territory (regions loaded since?).")
    graph = territory.area_graph(areas)
    homes = None
    if teams["lon"].notna().all():
        points = gpd.GeoSeries(gpd.points_from_xy(teams["lon"], teams["lat"]), crs=4326)
        points = points.to_crs(graph.crs)
        homes = np.column_stack([points.x, points.y])
    capacities = teams["capacity"].to_numpy() if teams["capacity"].notna().all() else None
    table, summary = territory.plan_metrics(
        labels, areas[list(WORKLOADS)], geometries=graph.geometries,
        neighbours=graph.neighbours, centroids=graph.centroids, homes=homes,
        capacities=capacities)
    balanced = scenario.params.get("balance_on") or ["accounts"]
    summary["max_imbalance"] = float(max(table[f"{c}_deviation"].abs().max()
                                         for c in balanced))  # what the plan balances
    # Exactly the accounts apply() would hand to another rep now (same SQL predicate).
    summary["accounts_moved"] = int(changing)
    table.insert(0, "code", codes)
    table.insert(1, "rep", teams["rep"].tolist())
    return Scenario(name, scenario.level, table.drop(columns="territory"), summary,
                    applied_at=scenario.applied_at, applied_by=scenario.applied_by,
                    applied_accounts=scenario.applied_accounts)


def move(name: str, area: str, to: str, *, allow_split: bool = False,
         engine: Engine | None = None) -> Scenario:
    """Move region ``area`` (its code) into territory ``to`` (T01, T02, ...).

    A move that cuts its old territory (or leaves the new one) in more pieces than before
    raises :class:`WouldSplit`, naming them, and changes nothing, unless ``allow_split``.
    """
    engine = engine or get_engine()
    with engine.begin() as conn:
        scenario = _scenario(conn, name)
        teams = [r.code for r in conn.execute(text(sql.TERRITORIES),
                                              {"scenario_id": scenario.id})]
        if to not in teams:
            raise InvalidInput(f"No territory {to!r} in {name!r}; choose from "
                               f"{', '.join(teams)}.")
        plan = dict(conn.execute(text(sql.PLAN), {"scenario_id": scenario.id}).all())
        if area not in plan:
            raise InvalidInput(f"No {scenario.level} {area!r} in scenario {name!r}.")
        source = plan[area]
        if source == to:
            raise InvalidInput(f"{area} is in {to} already: choose another territory.")
        if not allow_split:
            split = _split_by_move(conn, scenario.level, plan, area, to)
            if split:
                raise WouldSplit(
                    f"Moving {area} from {source} to {to} would cut {' and '.join(split)} "
                    "into separate pieces. Confirm to move it anyway, or choose an area on "
                    "the territory's edge.")
        moved = conn.execute(text(sql.MOVE), {"scenario_id": scenario.id, "territory": to,
                                              "area": area, "level": scenario.level})
        if moved.rowcount != 1:
            raise InvalidInput(f"No {scenario.level} {area!r} in scenario {name!r}.")
        conn.execute(text(sql.OUTLINES), {"scenario_id": scenario.id})
        conn.execute(text(sql.EMPTY_OUTLINES), {"scenario_id": scenario.id})
    return show(name, engine=engine)


def compare(first: str, second: str, *, engine: Engine | None = None) -> pd.DataFrame:
    """The two scenarios' figures side by side, and how many areas differ."""
    if first == second:
        raise InvalidInput("Compare two different scenarios.")
    engine = engine or get_engine()
    a, b = show(first, engine=engine), show(second, engine=engine)
    if a.level != b.level:
        raise InvalidInput(f"{first!r} is by {a.level} and {second!r} by {b.level}: "
                           "compare scenarios of one level.")
    with engine.connect() as conn:
        plans = [dict(conn.execute(text(sql.PLAN),
                                   {"scenario_id": _scenario(conn, n).id}).all())
                 for n in (first, second)]
        reps = [{r.code: r.rep_id for r in conn.execute(
                    text(sql.TERRITORIES), {"scenario_id": _scenario(conn, n).id})}
                for n in (first, second)]
    differ = sum(1 for code in plans[0] if plans[0][code] != plans[1].get(code)
                 and _rep_of(plans[0][code], reps[0]) != _rep_of(plans[1].get(code), reps[1]))
    rows = {first: a.summary, second: b.summary}
    frame = pd.DataFrame(rows)
    frame.loc["areas_with_another_rep"] = [0, differ]
    return frame


def apply(name: str, *, actor: str | None = None, engine: Engine | None = None) -> int:
    """Make the territories' reps own every account in their areas; returns how many
    accounts changed owner (what ``show(name).summary["accounts_moved"]`` said just before).
    Their open cases held by the owner before follow them to the new one. Audited
    (``territory.apply``, with the cases moved); the scenario records when, by whom and
    how many."""
    with (engine or get_engine()).begin() as conn:
        scenario = _scenario(conn, name)
        moves = [tuple(r) for r in conn.execute(text(sql.APPLY),
                                                {"scenario_id": scenario.id})]
        changed = len(moves)
        cases = routing.cases_follow(conn, moves)  # open cases follow their accounts
        conn.execute(text(sql.APPLIED), {"scenario_id": scenario.id,
                                         "actor": actor or audit.operator_name(),
                                         "changed": changed})
        audit.record("territory.apply", name, {"scenario_id": scenario.id,
                                               "level": scenario.level,
                                               "accounts_changed": changed,
                                               "open_cases_moved": len(cases),
                                               "cases": cases[:1000]},
                     actor=actor, connection=conn)
    return changed


def scenarios(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every scenario: name, level, territories, who made it, when, when applied."""
    with (engine or get_engine()).connect() as conn:
        result = conn.execute(text(sql.SCENARIOS))
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def plan_areas(name: str, *, engine: Engine | None = None) -> gpd.GeoDataFrame:
    """The areas of scenario ``name``: code, name, territory, rep, geometry (EPSG:4326)."""
    with (engine or get_engine()).connect() as conn:
        scenario = _scenario(conn, name)
        frame = pd.DataFrame(conn.execute(text(sql.PLAN_MAP),
                                          {"scenario_id": scenario.id}).mappings().all(),
                             columns=["code", "name", "territory", "rep", "wkb"])
    geometry = shapely.from_wkb([bytes(g) for g in frame.pop("wkb")]) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


def rep_homes(name: str, *, engine: Engine | None = None) -> pd.DataFrame:
    """The reps of scenario ``name`` with their homes: territory, rep, lon, lat."""
    with (engine or get_engine()).connect() as conn:
        scenario = _scenario(conn, name)
        rows = conn.execute(text(sql.TERRITORIES), {"scenario_id": scenario.id}).mappings()
        frame = pd.DataFrame(rows.all())
    return frame.rename(columns={"code": "territory"})[["territory", "rep", "lon", "lat"]]


def _split_by_move(conn: Connection, level: str, plan: dict, area: str, to: str) -> list[str]:
    """The territories (of ``area``'s and ``to``) that would be in more pieces after moving
    ``area`` to ``to`` than now."""
    frame = pd.DataFrame(conn.execute(text(sql.AREA_SHAPES), {"level": level}).all(),
                         columns=["code", "wkb"])
    areas = gpd.GeoDataFrame(frame[["code"]], crs=4326,
                             geometry=shapely.from_wkb([bytes(g) for g in frame["wkb"]]))
    neighbours = territory.area_graph(areas).neighbours
    codes = areas["code"].tolist()
    before = np.array([plan.get(c) for c in codes], dtype=object)
    after = before.copy()
    after[codes.index(area)] = to
    return [team for team in (before[codes.index(area)], to)
            if pieces(np.flatnonzero(after == team), neighbours)
            > pieces(np.flatnonzero(before == team), neighbours)]


def _rep_of(code, reps: dict):
    return reps.get(code) if code is not None else None


def _scenario(conn: Connection, name: str):
    row = conn.execute(text(sql.SCENARIO), {"name": name}).first()
    if row is None:
        known = ", ".join(r.name for r in conn.execute(text(sql.SCENARIOS))) or "none yet"
        raise InvalidInput(f"No territory scenario {name!r}; there are: {known}.")
    return row


def _areas(conn: Connection, level: str, *, owners: bool = False) -> gpd.GeoDataFrame:
    """The regions of ``level`` with their workloads (accounts, revenue of the last 12
    months), from the regional cube when it holds the level (as last built), else from the
    facts; with ``owners`` also ``current_rep``, who owns most of each area's accounts now."""
    if not conn.execute(text(sql.LEVEL_EXISTS), {"level": level}).scalar_one():
        levels = ", ".join(conn.execute(text(sql.LEVELS)).scalars()) or "none loaded"
        raise InvalidInput(f"No region level {level!r}; choose from {levels}.")
    columns = ["region_id", "code", "name", "wkb", "accounts", "revenue"]
    if conn.execute(text(sql.CUBE_HAS_LEVEL), {"level": level}).scalar_one():
        frame = pd.DataFrame(conn.execute(text(sql.AREAS_FROM_CUBE),
                                          {"level": level}).mappings().all(), columns=columns)
        if owners:
            current = dict(conn.execute(text(sql.CURRENT_OWNERS), {"level": level}).all())
            frame["current_rep"] = frame["region_id"].map(current)
    else:
        frame = pd.DataFrame(conn.execute(text(sql.AREAS), {"level": level}).mappings().all(),
                             columns=[*columns, "current_rep"])
    geometry = shapely.from_wkb([bytes(g) for g in frame.pop("wkb")]) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
