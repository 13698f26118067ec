"""One account's expected next 12 months, read as the signed-in user.

The account's row of the last scoring (``account_value``, written by ``gcrm model value
score``, which replaces every earlier model's rows: none when the account is no longer a
customer): expected revenue and purchase days, the probability the
customer is still active, when it was scored, and the model's version when the caller
may read ``value_models`` (managers may not: migration 0025 keeps the models' company-wide
metrics from them). Row-level security decides which accounts the caller sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, text

from gcrm.db.engine import get_engine
from gcrm.models import value_sql


@dataclass(frozen=True)
class AccountValue:
    account_id: int
    expected_revenue: float  # next 12 months
    expected_purchases: float  # purchase days, next 12 months
    probability_alive: float
    scored_at: dt.datetime
    model_version: int | None  # None when the caller may not read value_models


def current(account_id: int, *, engine: Engine | None = None) -> AccountValue | None:
    """Account ``account_id``'s expected value, or None when it was never scored or the
    caller may not see it."""
    with (engine or get_engine()).connect() as conn:
        row = conn.execute(text(value_sql.ACCOUNT_VALUE), {"account_id": int(account_id)}
                           ).mappings().first()
        if row is None:
            return None
        version = None
        if conn.execute(text(value_sql.READS_MODELS)).scalar_one():
            version = conn.execute(text(value_sql.MODEL_OF_VALUE),
                                   {"model_id": row["model_id"]}).scalar()
    return AccountValue(int(row["account_id"]), float(row["expected_revenue"]),
                        float(row["expected_purchases"]), float(row["probability_alive"]),
                        row["scored_at"], version)
