"""Target lists: prospects and lapsed customers to reach next, inside trade areas or chosen
regions, by segment, region context and score, and never anyone without consent.

A list always comes from the ``marketing_contacts`` view (consent per channel, erased
people left out), so no filter can add a person who said no. The score, when a Huff build
is named, is the probability that the person's region patronises the build's sites (or the
chosen ones): who is most likely to come.

A list can keep the customers at churn risk (``min_risk``, ``risk_band``: a retention
campaign). The risk is the newest churn model's (``gcrm model churn score``), read as the
caller (row-level security), and only when that model was trained on this database. Every
list carries each person's risk and band (empty: not scored), and a campaign keeps them as
they were when it was made.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, text

from gcrm import audit
from gcrm.campaigns import sql
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.vocab.fields import WHY_FIXED

CHANNELS = ("email", "phone", "sms", "mail")
STATUSES = ("prospect", "churned", "customer")
FORMATS = ("csv", "xlsx")
OPERATORS = (">=", "<=", ">", "<", "=")
RISK_BANDS = ("low", "medium", "high")  # lowest first: a band keeps itself and those above
COLUMNS = ["account_id", "source", "external_id", "channel", "name", "email", "phone",
           "street", "unit", "city", "region", "postcode", "country", "segment", "status",
           "score", "risk", "risk_band"]
# A list carries the contact details of its channel only: an email list no phone numbers.
CONTACT = {"email": ("email",), "phone": ("phone",), "sms": ("phone",),
           "mail": ("street", "unit", "city", "postcode")}
_DETAILS = ("email", "phone", "street", "unit", "city", "postcode")


@dataclass
class TargetFilter:
    """Who a list reaches. ``statuses``: prospects and lapsed (churned) customers by
    default. ``trade_areas``: a build's name, narrowed by ``sites`` (codes) and ``band``
    ("3 km", "60%", ...). ``regions``: region codes at any level. ``context``: conditions such
    as ``share_apartments>=0.3`` on the context of the person's region at
    ``context_level``. ``score_build``: a Huff build whose probability is the score, with
    ``min_score``. ``min_risk`` (0-1) and ``risk_band`` (low, medium, high: that band and
    those above): the customer's churn risk, from the newest scored churn model."""

    channel: str = "email"
    statuses: tuple[str, ...] = ("prospect", "churned")
    trade_areas: str | None = None
    sites: tuple[str, ...] = ()
    band: str | None = None
    regions: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    context_level: str | None = None
    score_build: str | None = None
    min_score: float | None = None
    min_risk: float | None = None
    risk_band: str | None = None

    def describe(self) -> dict:
        """The filter as stored with a campaign."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in asdict(self).items() if v not in ((), None)}


def targets(where: TargetFilter, *, limit: int | None = None,
            engine: Engine | None = None) -> pd.DataFrame:
    """The people ``where`` reaches, best score first (``limit``: at most that many)."""
    with (engine or get_engine()).connect() as conn:
        params = resolve(conn, where)
        rows = conn.execute(text(sql.TARGETS), {**params, "limit": limit}).mappings().all()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.drop(columns=[c for c in _DETAILS if c not in CONTACT[where.channel]])


def count(where: TargetFilter, *, engine: Engine | None = None) -> int:
    """How many people ``where`` reaches (the live count of the marketer's page)."""
    with (engine or get_engine()).connect() as conn:
        return int(conn.execute(text(sql.COUNT), resolve(conn, where)).scalar_one())


def export(where: TargetFilter, out: Path, *, format: str | None = None,
           actor: str | None = None, engine: Engine | None = None) -> int:
    """Write the list to CSV or XLSX; returns how many people were written. Audited
    (``export.targets``, with the count and the filter, never the people)."""
    out = Path(out)
    format = format or out.suffix.lstrip(".").lower() or "csv"
    if format not in FORMATS:
        raise InvalidInput(f"Unknown format {format!r}; choose from {', '.join(FORMATS)}.")
    engine = engine or get_engine()
    frame = targets(where, engine=engine)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Recorded first: a file may fail to be written, but none is written unrecorded.
    audit.record("export.targets", out.name, {"rows": len(frame), "filter": where.describe()},
                 actor=actor, engine=engine)
    write(frame, out, format)
    return len(frame)


def write(frame: pd.DataFrame, out, format: str) -> None:
    """A target list as CSV or XLSX (to a path or a binary buffer)."""
    if format == "csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_excel(out, index=False, sheet_name="targets")


def resolve(conn: Connection, where: TargetFilter) -> dict:
    """The filter as SQL parameters; raises InvalidInput naming anything unknown."""
    if where.channel not in CHANNELS:
        raise InvalidInput(f"Unknown channel {where.channel!r}; choose from "
                           f"{', '.join(CHANNELS)}: {WHY_FIXED['consent_channel']}.")
    unknown = sorted(set(where.statuses) - set(STATUSES))
    if unknown or not where.statuses:
        raise InvalidInput(f"Unknown status {', '.join(unknown) or '(none given)'}; choose "
                           f"from {', '.join(STATUSES)}.")
    params: dict = {"channel": where.channel, "statuses": list(where.statuses),
                    "segments": list(where.segments) or None, "area_ids": None,
                    "region_ids": None, "context_keys": None, "context_ops": None,
                    "context_values": None, "context_level": where.context_level,
                    "huff_build_id": None, "score_site_ids": None, "score_level": None,
                    "min_score": where.min_score, "risk_model_id": None,
                    "min_risk": where.min_risk, "risk_bands": None}
    if (where.sites or where.band) and not (where.trade_areas or where.score_build):
        raise InvalidInput("Sites and a band narrow trade areas or a score: name the trade "
                           "areas (or a Huff build to score with) too.")
    site_ids = _site_ids(conn, where.sites) if where.sites else None
    if where.trade_areas:
        _build(conn, where.trade_areas)
        ids = conn.execute(text(sql.TRADE_AREA_IDS), {
            "build": where.trade_areas, "sites": list(where.sites) or None,
            "band": where.band}).scalars().all()
        if not ids:
            raise InvalidInput(f"Trade areas {where.trade_areas!r} have no area for "
                               f"{', '.join(where.sites) or 'any site'}"
                               f"{f' in band {where.band!r}' if where.band else ''}.")
        params["area_ids"] = list(ids)
    if where.regions:
        params["region_ids"] = [_region_id(conn, code) for code in where.regions]
    if where.context:
        if not where.context_level:
            raise InvalidInput("Say which level's context the conditions read "
                               "(context_level, e.g. zip).")
        keys, ops, values = zip(*(_condition(c) for c in where.context), strict=True)
        known = set(conn.execute(text(sql.CONTEXT_KEYS),
                                 {"level": where.context_level}).scalars())
        missing = sorted(set(keys) - known)
        if missing:
            raise InvalidInput(f"No context {', '.join(missing)} on {where.context_level!r}; "
                               f"known: {', '.join(sorted(known)) or 'none loaded'}.")
        params.update(context_keys=list(keys), context_ops=list(ops),
                      context_values=list(values))
    if where.min_score is not None and not where.score_build:
        raise InvalidInput("A minimum score needs a Huff build to score with (score_build).")
    if where.score_build:
        build = _build(conn, where.score_build)
        if build.method != "huff":
            raise InvalidInput(f"{where.score_build!r} is a {build.method} build: scores come "
                               "from a Huff build.")
        params["huff_build_id"] = build.id
        params["score_site_ids"] = site_ids
        params["score_level"] = (build.params or {}).get("level")
    params.update(_risk(conn, where))
    return params


def _risk(conn: Connection, where: TargetFilter) -> dict:
    """The churn model whose risks the list reads and carries, and the risk filter; a risk
    filter without usable scores is refused with what to run."""
    wanted = where.min_risk is not None or where.risk_band is not None
    if where.min_risk is not None and not 0 <= where.min_risk <= 1:
        raise InvalidInput(f"A minimum churn risk of {where.min_risk:g} is not a probability: "
                           "give a number from 0 to 1 (0.4 means 40%).")
    if where.risk_band is not None and where.risk_band not in RISK_BANDS:
        raise InvalidInput(f"Unknown risk band {where.risk_band!r}; choose from "
                           f"{', '.join(RISK_BANDS)} (a band keeps itself and those above).")
    model = conn.execute(text(sql.RISK_MODEL)).first()
    if model is None or not model.trained_here:
        if wanted:
            raise InvalidInput(
                "No churn risk scored yet: the operator runs `gcrm model churn score` (after "
                "`gcrm model churn train`)." if model is None else
                "The churn risks here were scored by a model trained on another database; "
                "they are never used. The operator trains and scores one here: `gcrm model "
                "churn train`, then `gcrm model churn score`.")
        return {"risk_model_id": None}
    if wanted and "customer" not in where.statuses:
        raise InvalidInput("Churn risk is scored for current customers only: add customer "
                           "to the statuses (status customer) to keep those at risk.")
    bands = (list(RISK_BANDS[RISK_BANDS.index(where.risk_band):])
             if where.risk_band is not None else None)
    return {"risk_model_id": model.model_id, "risk_bands": bands}


def _condition(condition: str) -> tuple[str, str, float]:
    match = re.fullmatch(r"\s*([A-Za-z_][\w.]*)\s*(>=|<=|>|<|=)\s*(\S+)\s*", condition)
    try:
        if match is None:
            raise ValueError
        return match.group(1), match.group(2), float(match.group(3))
    except ValueError:
        raise InvalidInput(f"Cannot read the condition {condition!r}: write it as "
                           "name>=number (operators: >=, <=, >, <, =).") from None


def _region_id(conn: Connection, code: str) -> int:
    """A region by code, or by level:code when the code exists at several levels."""
    level, _, bare = code.rpartition(":") if ":" in code else (None, "", code)
    found = conn.execute(text(sql.REGION_IDS), {"codes": [bare], "level": level or None}).all()
    if not found:
        raise InvalidInput(f"Unknown region {code!r}.")
    if len(found) > 1:
        raise InvalidInput(f"{bare} is a region at several levels ("
                           f"{', '.join(sorted(r.level for r in found))}): write "
                           f"{' or '.join(f'{r.level}:{bare}' for r in found)}.")
    return found[0].id


def _site_ids(conn: Connection, codes) -> list[int]:
    found = conn.execute(text(sql.SITE_IDS), {"codes": list(codes)}).all()
    missing = sorted(set(codes) - {r.external_id for r in found})
    if missing:
        raise InvalidInput(f"Unknown site(s): {', '.join(missing)}.")
    return [r.id for r in found]


def _build(conn: Connection, name: str):
    row = conn.execute(text(sql.BUILD), {"name": name}).first()
    if row is None:
        raise InvalidInput(f"No trade areas {name!r}: build them first "
                           "(gcrm tradearea build).")
    return row

