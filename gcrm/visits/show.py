"""Read a stored visit plan back: its reps' days, the stops in order, what was left out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import shapely
from sqlalchemy import Engine, text

from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.visits import sql


@dataclass(frozen=True)
class Plan:
    """A stored plan. ``routes``: a row per rep's day (leave, back, stops, drive minutes
    and km, the drive home as ``home_leg``). ``stops``: a row per visit in order (the
    account, its address, arrive, start, depart, the drive to it and its ``leg``).
    ``left_out``: each visit asked for and not planned, with its reason."""

    id: int
    day: dt.date
    method: str
    network: str | None
    kmh: float | None
    source: str
    created_by: str | None
    created_at: dt.datetime
    params: dict
    routes: pd.DataFrame
    stops: pd.DataFrame
    left_out: pd.DataFrame

    @property
    def travel(self) -> str:
        """How drive times were measured, in words."""
        if self.method == "road":
            return f"drive times on the roads of the network {self.network!r}"
        return (f"straight-line distances at {self.kmh:g} km/h: no loaded road network "
                "reaches these reps' homes (gcrm roads load)")

    @property
    def notes(self) -> list[str]:
        return list(self.params.get("notes", []))


def show(plan_id: int, *, engine: Engine | None = None) -> Plan:
    """The stored plan ``plan_id``; InvalidInput when there is none."""
    with (engine or get_engine()).connect() as conn:
        head = conn.execute(text(sql.PLAN), {"plan_id": plan_id}).mappings().first()
        if head is None:
            raise InvalidInput(f"No visit plan {plan_id} (gcrm visits list shows them).")
        routes = pd.DataFrame(conn.execute(text(sql.ROUTES), {"plan_id": plan_id})
                              .mappings().all(),
                              columns=["rep_id", "rep", "rep_name", "leave", "back",
                                       "drive_seconds", "drive_m", "home_leg", "home_lon",
                                       "home_lat"])
        stops = pd.DataFrame(conn.execute(text(sql.STOPS), {"plan_id": plan_id})
                             .mappings().all(),
                             columns=["rep_id", "seq", "account_id", "source", "external_id",
                                      "name", "address", "lon", "lat", "arrive", "start",
                                      "depart", "drive_seconds", "drive_m", "leg"])
        left_out = pd.DataFrame(conn.execute(text(sql.LEFT_OUT), {"plan_id": plan_id})
                                .mappings().all(),
                                columns=["position", "account_id", "asked", "name", "reason"])
    reps = routes.set_index("rep_id")["rep"]
    stops.insert(0, "rep", stops["rep_id"].map(reps))
    for frame, column in ((routes, "home_leg"), (stops, "leg")):
        frame[column] = [None if w is None else shapely.from_wkb(bytes(w))
                         for w in frame[column]]
    routes.insert(5, "stops", routes["rep_id"].map(stops.groupby("rep_id").size())
                  .fillna(0).astype(int))
    return Plan(id=int(head["id"]), day=head["day"], method=head["method"],
                network=head["network"], kmh=head["kmh"], source=head["source"],
                created_by=head["created_by"], created_at=head["created_at"],
                params=dict(head["params"] or {}), routes=routes, stops=stops,
                left_out=left_out.drop(columns="position"))


def plans(*, day: dt.date | None = None, engine: Engine | None = None) -> pd.DataFrame:
    """The stored plans, newest first: day, reps, stops, left out, how measured."""
    with (engine or get_engine()).connect() as conn:
        return pd.DataFrame(conn.execute(text(sql.PLANS), {"day": day}).mappings().all(),
                            columns=["id", "day", "method", "network", "source",
                                     "created_by", "created_at", "reps", "stops", "left_out"])
