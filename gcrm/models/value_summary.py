"""Each customer's purchase history as of a cutoff, summarised for the repeat-purchase
model: frequency (repeat purchase days), recency and age (T) in days, and the mean spend
of the repeat purchase days (pymc-marketing's ``rfm_summary``, the lifetimes definition).

PostGIS adds a customer's order lines up per day (``VALUE_DAYS``, only days on or before
the cutoff, only customers at the cutoff), streamed out by COPY; the library summarises
those days. What happened after the cutoff is read by ``holdout`` alone, which the
validation compares the predictions with; the summary never sees it.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import ClientCursor
from sqlalchemy import Connection, text

from gcrm.models import value_sql

COLUMNS = ("frequency", "recency", "T", "monetary_value")


@dataclass
class Summary:
    """One row per customer with a purchase by the cutoff (indexed by account id)."""

    cutoff: dt.date
    rfm: pd.DataFrame  # frequency, recency, T, monetary_value (days, currency)
    last_year: pd.DataFrame  # revenue, purchases in the ``baseline_days`` up to the cutoff
    customers_without_purchase: int = 0  # customers at the cutoff with no sale by then
    seconds: dict[str, float] = field(default_factory=dict)


def clv():
    """pymc-marketing's ``clv`` module, imported without its import-time chatter (arviz's
    refactoring notice, pytensor's BLAS advice): they say nothing about our results."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pymc_marketing import clv as module
    return module


def _copy_out(conn: Connection, query: str, params: dict) -> pd.DataFrame:
    """A query's rows as a frame, streamed by COPY (10M rows in seconds, not minutes)."""
    raw = conn.connection.driver_connection
    bound = ClientCursor(raw).mogrify(query, params)
    buffer = io.BytesIO()
    with raw.cursor() as cursor, cursor.copy(f"COPY ({bound}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    schema = pa.schema([("account_id", pa.int64()), ("day", pa.date32()),
                        ("amount", pa.float64())])
    table = pa_csv.read_csv(buffer, read_options=pa_csv.ReadOptions(
        column_names=schema.names), convert_options=pa_csv.ConvertOptions(
        column_types=schema))
    return table.to_pandas(date_as_object=False)


def purchase_days(conn: Connection, cutoff: dt.date) -> pd.DataFrame:
    """account_id, day, amount: each customer's order lines added up per day, on or
    before ``cutoff`` only."""
    return _copy_out(conn, value_sql.VALUE_DAYS, {"cutoff": cutoff})


def summarise(days: pd.DataFrame, cutoff: dt.date, *, baseline_days: int = 365) -> Summary:
    """The library's summary of ``days`` as of ``cutoff``, and each customer's revenue and
    purchase days in the ``baseline_days`` up to it (the naive baseline's input)."""
    rfm = clv().utils.rfm_summary(
        days, "account_id", "day", monetary_value_col="amount",
        observation_period_end=pd.Timestamp(cutoff), time_unit="D")
    rfm = rfm.rename(columns={"customer_id": "account_id"}).set_index("account_id")
    since = pd.Timestamp(cutoff - dt.timedelta(days=baseline_days))
    recent = days[days["day"] > since]
    last_year = recent.groupby("account_id").agg(revenue=("amount", "sum"),
                                                 purchases=("day", "size"))
    last_year = last_year.reindex(rfm.index, fill_value=0)
    return Summary(cutoff, rfm[list(COLUMNS)].sort_index(), last_year.sort_index())


def build(conn: Connection, cutoff: dt.date, *, baseline_days: int = 365) -> Summary:
    """The summary of every customer at ``cutoff`` with a purchase by then."""
    import time

    started = time.perf_counter()
    days = purchase_days(conn, cutoff)
    read = time.perf_counter() - started
    summary = summarise(days, cutoff, baseline_days=baseline_days)
    summary.seconds = {"read": read, "summarise": time.perf_counter() - started - read}
    customers = conn.execute(text(value_sql.CUSTOMERS_AT), {"cutoff": cutoff}).scalar_one()
    summary.customers_without_purchase = int(customers) - len(summary.rfm)
    return summary


def holdout(conn: Connection, cutoff: dt.date, days: int, accounts: pd.Index) -> pd.DataFrame:
    """What ``accounts`` bought in (cutoff, cutoff + days]: revenue and purchase days (0
    for those who bought nothing)."""
    result = conn.execute(text(value_sql.HOLDOUT), {"cutoff": cutoff, "days": int(days)})
    frame = pd.DataFrame(result.fetchall(), columns=["account_id", "revenue", "purchases"])
    frame = frame.set_index("account_id").astype(float)
    return frame.reindex(accounts, fill_value=0.0).astype({"purchases": np.int64})
