"""Score every current customer with the stored customer value model: expected revenue
and purchase days in the next 12 months, and the probability they are still active.

Each customer's summary is built as of the last day with data (sales, cases, contacts,
churn dates: the churn scores' day), with the same SQL and library summary as training;
the stored posteriors are put back on the library's models (``value_store.from_bytes``) and
predict. Customers at that day with no purchase yet have no repeat-purchase history to
score and are counted, not scored. Rows go to ``account_value`` by COPY, replacing
every earlier score (of this model and of earlier ones: someone no longer a customer
keeps no value) in the same transaction, as the operator (app roles read them through
row-level security). An erased person is scored from the sales erasure keeps; their row
holds an id and three numbers.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine, text

from gcrm.db.copy import copy_rows
from gcrm.errors import InvalidInput
from gcrm.models import value_sql, value_store, value_summary
from gcrm.models.churn_train import data_span
from gcrm.models.value_train import SCORE_DAYS

CHUNK = 100_000  # rows written at a time


@dataclass
class ValueScoring:
    model_version: int
    cutoff: dt.date
    customers: int
    without_purchase: int
    expected_revenue: float
    expected_purchases: float
    seconds: dict[str, float] = field(default_factory=dict)


def score(engine: Engine, *, progress: Callable[[str, int, int], None] | None = None
          ) -> ValueScoring:
    """Write every current customer's expected next 12 months."""
    stored = value_store.latest(engine, with_model=True)
    seconds = {}
    with engine.connect() as conn:
        # As of the last day anything is known (sales, cases, contacts, churn dates), as
        # the churn scores are: a customer who left after the last sale is not current.
        _, last_day = data_span(conn)
        if last_day is None:
            raise InvalidInput("There are no sales to score customers from.")
        started = time.perf_counter()
        summary = value_summary.build(conn, last_day)
        seconds["summary"] = time.perf_counter() - started
    if summary.rfm.empty:
        raise InvalidInput(f"There are no customers with a purchase on {last_day} to score.")
    started = time.perf_counter()
    fitted = value_store.from_bytes(stored.model, summary.rfm, stored.parameters)
    predicted = fitted.predict(summary.rfm, SCORE_DAYS)
    seconds["predict"] = time.perf_counter() - started
    ids = predicted.index.to_numpy()
    revenue = np.round(np.maximum(predicted["expected_revenue"].to_numpy(), 0), 2)
    purchases = np.round(np.maximum(predicted["expected_purchases"].to_numpy(), 0), 4)
    alive = np.round(predicted["probability_alive"].to_numpy(), 4)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(value_sql.DELETE_VALUES))
        for start in range(0, len(ids), CHUNK):
            part = slice(start, start + CHUNK)
            copy_rows(conn, value_sql.COPY_VALUES, zip(
                ids[part].tolist(), [stored.id] * len(ids[part]), revenue[part].tolist(),
                purchases[part].tolist(), alive[part].tolist(), strict=True))
            if progress:
                progress("scoring", min(start + CHUNK, len(ids)), len(ids))
    seconds["write"] = time.perf_counter() - started
    return ValueScoring(stored.version, last_day, int(len(ids)),
                        summary.customers_without_purchase, float(revenue.sum()),
                        float(purchases.sum()), seconds)
