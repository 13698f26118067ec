"""One account's current churn risk, read as the signed-in user.

The account's row of the last scoring (``account_risk``, written by ``gcrm model churn
score``, which replaces every earlier model's rows: none when the account is no longer a
customer): risk (0-1), band, the top three drivers as stored, when it
was scored, and the model's version and horizon when the caller may read them in
``churn_models`` (every role: managers only those columns and a few more, migration 0022,
never the models' company-wide metrics). Row-level security decides which accounts the
caller sees; nothing is filtered here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, text

from gcrm.db.engine import get_engine
from gcrm.models import churn_features, sql

# How a driver's value reads (the unit the history panel formats it in); features not
# named here are counts (orders, cases, contacts by channel or category, days).
UNITS = {
    "revenue_365": "currency", "revenue_trend_90": "currency",
    "zip_churn_rate_365": "share", "county_churn_rate_365": "share",
    "satisfaction_mean": "score 1-5", "satisfaction_min": "score 1-5",
    "resolution_hours": "hours", "zip_complaints_per_customer_365": "rate",
}
FLAG_PREFIXES = ("segment_", "kind_")  # one column per value: 1 when the account has it


@dataclass(frozen=True)
class Driver:
    feature: str
    label: str  # the feature in words ("days since the last order")
    contribution: float  # log-odds it adds to the risk
    value: float | None  # the feature's value when scored (None: nothing to measure from)
    unit: str  # "currency", "share", "score 1-5", "hours", "rate", "flag" or "count"


@dataclass(frozen=True)
class AccountRisk:
    account_id: int
    risk: float  # 0-1
    band: str  # low, medium, high
    drivers: list[Driver]
    scored_at: dt.datetime
    model_version: int | None  # None when the caller may not read churn_models
    horizon_days: int | None


def unit(feature: str) -> str:
    """How ``feature``'s value reads (see UNITS)."""
    if feature.startswith(FLAG_PREFIXES):
        return "flag"
    return UNITS.get(feature, "count")


def _driver(stored: dict) -> Driver:
    feature = stored["feature"]
    return Driver(feature, stored.get("label") or churn_features.label(feature),
                  float(stored["contribution"]), stored.get("value"), unit(feature))


def current(account_id: int, *, engine: Engine | None = None) -> AccountRisk | None:
    """Account ``account_id``'s current risk, or None when it was never scored or the
    caller may not see it."""
    with (engine or get_engine()).connect() as conn:
        row = conn.execute(text(sql.ACCOUNT_RISK), {"account_id": int(account_id)}
                           ).mappings().first()
        if row is None:
            return None
        model = None
        if conn.execute(text(sql.READS_MODELS)).scalar_one():
            model = conn.execute(text(sql.MODEL_OF_RISK), {"model_id": row["model_id"]}
                                 ).first()
    return AccountRisk(int(row["account_id"]), float(row["risk"]), row["band"],
                       [_driver(d) for d in row["drivers"]], row["scored_at"],
                       model.version if model else None,
                       model.horizon_days if model else None)
