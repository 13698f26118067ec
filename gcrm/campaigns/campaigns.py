"""Campaigns: a target list saved with its members, responses loaded later, and the
response rate by region and by churn risk band at targeting.

``create`` stores the campaign with the filter that built it and its members in one
transaction (the same SQL as the list, so the members are exactly the people the list
showed, all with consent), each with their churn risk and band at that moment.
``load_responses`` reads a file of responses (``source``, ``external_id`` of the account,
``responded_at``, ``response``); a row that is not a member, has no date or an unreadable
one is refused with the reason, and the rest are recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.campaigns import sql
from gcrm.campaigns.targets import TargetFilter, resolve
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput


@dataclass
class Responses:
    """What a responses file did: rows read, responses recorded, rows refused (with the
    file's line number and why)."""

    campaign: str
    read: int
    recorded: int
    rejected: list[tuple[int, str]] = field(default_factory=list)


def create(name: str, where: TargetFilter, *, created_by: str | None = None,
           engine: Engine | None = None) -> int:
    """Save the list ``where`` reaches as campaign ``name``; returns its members. Audited
    (``campaign.create`` with the count)."""
    if not name or not name.strip():
        raise InvalidInput("Give the campaign a name.")
    engine = engine or get_engine()
    with engine.begin() as conn:
        if conn.execute(text(sql.CAMPAIGN), {"name": name}).first() is not None:
            raise InvalidInput(f"A campaign {name!r} exists: choose another name.")
        params = resolve(conn, where)
        campaign_id = conn.execute(text(sql.INSERT_CAMPAIGN), {
            "name": name, "channel": where.channel,
            "params": json.dumps(where.describe()), "created_by": created_by}).scalar_one()
        members = conn.execute(text(sql.INSERT_MEMBERS),
                               {**params, "campaign_id": campaign_id}).rowcount
        if members == 0:
            raise InvalidInput("This list reaches nobody: widen the filter before saving it "
                               "as a campaign.")
        audit.record("campaign.create", name, {"members": members,
                                               "filter": where.describe()},
                     actor=created_by, connection=conn)
    return members


def campaigns(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every campaign: name, channel, members, responded, response rate, who, when."""
    with (engine or get_engine()).connect() as conn:
        result = conn.execute(text(sql.CAMPAIGNS))
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def load_responses(name: str, path: Path, *, engine: Engine | None = None) -> Responses:
    """Record the responses in ``path`` (CSV or XLSX) for campaign ``name``."""
    path = Path(path)
    try:
        frame = (pd.read_excel(path, dtype=str) if path.suffix.lower() == ".xlsx"
                 else pd.read_csv(path, dtype=str, keep_default_na=False))
    except FileNotFoundError:
        raise InvalidInput(f"No file {path}.") from None
    except Exception as error:  # noqa: BLE001 - any reader error is the file's problem
        raise InvalidInput(f"Cannot read {path.name}: {error}") from None
    frame = frame.fillna("")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    needed = {"external_id", "responded_at"}
    if not needed <= set(frame.columns):
        raise InvalidInput(f"{path.name} needs the columns external_id and responded_at "
                           "(source and response are optional); it has "
                           f"{', '.join(frame.columns)}.")
    engine = engine or get_engine()
    with engine.begin() as conn:
        campaign = _campaign(conn, name)
        members = conn.execute(text(sql.MEMBERS_BY_KEY), {"campaign_id": campaign.id}).all()
        by_key = {(m.source, m.external_id): m.account_id for m in members}
        erased = {m.account_id for m in members if m.erased}
        by_id = {}
        for m in members:
            by_id.setdefault(m.external_id, []).append(m.account_id)
        found: dict[int, tuple] = {}
        rejected = []
        for line, row in enumerate(frame.to_dict("records"), start=2):
            external = str(row.get("external_id") or "").strip()
            source = str(row.get("source") or "").strip()
            if source:
                account = by_key.get((source, external))
            else:
                candidates = by_id.get(external, [])
                account = candidates[0] if len(candidates) == 1 else None
                if len(candidates) > 1:
                    rejected.append((line, f"{external!r} is in several sources: add a "
                                           "source column"))
                    continue
            if account is None:
                rejected.append((line, f"{external or '(empty)'!r} is not a member of "
                                       f"campaign {name!r}"))
                continue
            if account in erased:
                rejected.append((line, f"{external!r} was erased: nothing more is kept "
                                       "about them"))
                continue
            at = pd.to_datetime(str(row.get("responded_at") or ""), errors="coerce", utc=True)
            if pd.isna(at):
                rejected.append((line, f"responded_at {row.get('responded_at')!r} is not a "
                                       "date (write 2026-11-23 or 2026-11-23T10:00)"))
                continue
            response = str(row.get("response") or "").strip() or "responded"
            found[account] = (at.to_pydatetime(), response)  # a later line wins
        if found:
            conn.execute(text(sql.RECORD_RESPONSES), {
                "campaign_id": campaign.id, "accounts": list(found),
                "ats": [v[0] for v in found.values()],
                "responses": [v[1] for v in found.values()]})
        audit.record("campaign.responses", name, {"read": len(frame),
                                                  "recorded": len(found),
                                                  "rejected": len(rejected)},
                     connection=conn)
    return Responses(name, len(frame), len(found), rejected)


def response_rates(name: str, level: str, *, engine: Engine | None = None
                   ) -> gpd.GeoDataFrame:
    """Campaign ``name``'s members by region of ``level``: members, responded, rate."""
    with (engine or get_engine()).connect() as conn:
        campaign = _campaign(conn, name)
        frame = pd.DataFrame(conn.execute(text(sql.RATES), {
            "campaign_id": campaign.id, "level": level}).mappings().all(),
            columns=["code", "name", "members", "responded", "response_rate", "wkb"])
    geometry = shapely.from_wkb([bytes(g) for g in frame.pop("wkb")]) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


def response_by_risk(name: str, *, engine: Engine | None = None) -> pd.DataFrame:
    """Campaign ``name``'s members by their churn risk band when targeted (high, medium,
    low, then "not scored"): members, responded, rate. The members the caller may see;
    the rows add up to the campaign's totals."""
    with (engine or get_engine()).connect() as conn:
        campaign = _campaign(conn, name)
        result = conn.execute(text(sql.RISK_BANDS), {"campaign_id": campaign.id})
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def _campaign(conn: Connection, name: str):
    row = conn.execute(text(sql.CAMPAIGN), {"name": name}).first()
    if row is None:
        known = ", ".join(r.name for r in conn.execute(text(sql.CAMPAIGNS))) or "none yet"
        raise InvalidInput(f"No campaign {name!r}; there are: {known}.")
    return row
