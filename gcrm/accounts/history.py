"""One account's history: profile, sales over time, orders, service cases and contacts,
read as the signed-in user (masked for roles without personal data)."""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, text

from gcrm.accounts import sql
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput


@dataclass
class AccountHistory:
    profile: dict  # id, external_id, source, name, status, segment, contact, owner, ...
    sales_by_month: pd.DataFrame  # month ('2026-03'), revenue, orders
    orders: pd.DataFrame  # order_date, amount, quantity, category, channel, store (newest first)
    cases: pd.DataFrame  # opened_at, closed_at, case_type, status, satisfaction, hours_to_close
    interactions: pd.DataFrame  # occurred_at, channel, outcome, rep, notes (newest first)


def history(account_id: int, *, limit: int = 500, engine: Engine | None = None
            ) -> AccountHistory:
    """Everything about account ``account_id`` the user may see (the newest ``limit``
    orders, cases and contacts)."""
    account_id = _account_id(account_id)
    with (engine or get_engine()).connect() as conn:
        profile = conn.execute(text(sql.PROFILE), {"id": account_id}).mappings().first()
        if profile is None:
            raise InvalidInput(f"No account #{account_id} that you may see.")

        def frame(query: str) -> pd.DataFrame:
            result = conn.execute(text(query), {"id": account_id, "limit": limit})
            return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))

        return AccountHistory(dict(profile), frame(sql.SALES_BY_MONTH), frame(sql.ORDERS),
                              frame(sql.CASES), frame(sql.INTERACTIONS))


BIGGEST_ID = 2**63 - 1  # accounts.id is a bigint


def _account_id(value) -> int:
    """``value`` as an account id (an integer, or its digits as text), or a clear error
    rather than the database driver's."""
    whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    digits = isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value, re.ASCII)
    number = int(value) if whole or digits else None
    if number is None or not 1 <= number <= BIGGEST_ID:
        raise InvalidInput(f"{value!r} is not an account id: ids are whole numbers from 1 to "
                           f"{BIGGEST_ID:,} (gcrm's own id, not the source's external id).")
    return number
