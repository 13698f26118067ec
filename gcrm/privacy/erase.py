"""Erasure: a person who asks to be forgotten is gone everywhere gcrm keeps them.

``erase`` anonymises the account (name, email, phone, street, unit, district removed;
consent withdrawn; the point generalised to a ~1 km grid; the source id, often an email or
a phone number, replaced by a keyed hash that a reload of the source still matches: see
``gcrm.ingest.sql.erased_ids``), clears the notes of their
interactions and their campaign responses, drops their addresses from the geocode cache
and the raw rows of theirs that a load refused, and records what it did in the audit log
without the erased data. Sales, cases and the region assignment stay, so every total and
every regional figure is unchanged. Afterwards the touched tables are vacuumed, so the
old row versions do not linger in the data files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from gcrm import audit
from gcrm.db.engine import get_engine
from gcrm.errors import GcrmError
from gcrm.privacy import sql
from gcrm.regions.grid import FINE_LEVELS
from spatial.geocoding import parse_addresses


@dataclass
class Erasure:
    account_id: int
    already: bool = False
    changed: dict[str, int] = field(default_factory=dict)


def erase(account_id: int | None = None, *, source: str | None = None,
          external_id: str | None = None, actor: str | None = None,
          engine: Engine | None = None) -> Erasure:
    """Erase one person, by ``account_id`` or by ``source`` + ``external_id``."""
    if account_id is None and not (source and external_id):
        raise GcrmError("Say whom to erase: an account id, or a source and an external id.")
    engine = engine or get_engine()
    with engine.begin() as conn:
        conn.execute(text(sql.ENSURE_KEY))
        row = conn.execute(text(sql.FIND_ACCOUNT), {
            "id": account_id, "source": source, "external_id": external_id}).mappings().first()
        if row is None:
            who = account_id if account_id is not None else f"{source}/{external_id}"
            raise GcrmError(f"No account {who}; nothing was changed.")
        if row["erased_at"] is not None:
            return Erasure(row["id"], already=True)
        params = {"id": row["id"]}
        changed = {"accounts": conn.execute(text(sql.ANONYMISE_ACCOUNT), params).rowcount}
        conn.execute(text(sql.KEEP_ASSIGNMENT), params)
        conn.execute(text(sql.FORGET_FINE_CELLS), {**params, "fine": FINE_LEVELS})
        changed["interactions"] = conn.execute(text(sql.CLEAR_NOTES), params).rowcount
        changed["campaign_members"] = conn.execute(text(sql.CLEAR_RESPONSES), params).rowcount
        changed["geocode_cache"] = conn.execute(
            text(sql.FORGET_CACHE), {"keys": _address_keys(row)}).rowcount
        changed["load_rejects"] = conn.execute(
            text(sql.FORGET_REJECTS), {"needles": _needles(row)}).rowcount
        audit.record("privacy.erase", f"account:{row['id']}", {"changed": changed},
                     actor=actor, connection=conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(sql.VACUUM))
    return Erasure(row["id"], changed=changed)


def _address_keys(row) -> list[str]:
    """The geocode-cache keys this person's address had (with and without the unit)."""
    if not row["street"]:
        return []
    # The same parsing the geocoder used, so the keys are the ones it cached.
    units = [row["unit"], None]
    parsed = parse_addresses([row["street"]] * 2, units=units, cities=[row["city"]] * 2,
                             regions=[row["region"]] * 2, postcodes=[row["postcode"]] * 2)
    return sorted({p.key for p in parsed})


def _needles(row) -> list[str]:
    """Strings that identify this person inside a raw rejected row."""
    values = [row["email"], row["phone"]]
    if row["source"] and row["external_id"]:
        values.append(f'"{row["external_id"]}"')
    if row["street"] and row["name"]:
        values += [row["name"], row["street"]]
    return [v for v in values if v and len(v) >= 5]
