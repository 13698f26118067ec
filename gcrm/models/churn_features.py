"""Features per customer as of a cutoff date, from the account's own history only.

One SQL query per feature family (``gcrm.models.sql``), each reading facts dated on or
before the cutoff; the families are joined on the account id here. Counts an account has
none of are 0; a recency, satisfaction or resolution time it has nothing to measure from
stays missing (the learner handles missing values). The label (churned within the
horizon after the cutoff) comes with the base family only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from gcrm.models import sql

# Missing means "nothing to measure from", kept as NaN; every other missing value is 0.
KEEP_MISSING = ("recency_days", "satisfaction_mean", "satisfaction_min", "resolution_hours",
                "days_since_case", "days_since_contact", "tenure_days",
                "zip_churn_rate_365", "zip_complaints_per_customer_365",
                "county_churn_rate_365")
FAMILIES = ("base", "sales", "cases", "contacts", "region")
LABELS = {
    "recency_days": "days since the last order", "orders_total": "orders (all)",
    "orders_365": "orders in the last year", "revenue_365": "revenue in the last year",
    "orders_90": "orders in the last 90 days",
    "orders_trend_90": "orders, last 90 days minus the 90 before",
    "revenue_trend_90": "revenue, last 90 days minus the 90 before",
    "tenure_days": "days as a customer", "cases_total": "service cases (all)",
    "cases_365": "service cases in the last year", "cases_90": "service cases in 90 days",
    "complaints_total": "complaints (all)", "complaints_365": "complaints in the last year",
    "cases_open": "open service cases", "satisfaction_mean": "mean satisfaction",
    "satisfaction_min": "lowest satisfaction", "resolution_hours": "hours to resolve a case",
    "days_since_case": "days since the last case", "contacts_total": "contacts (all)",
    "contacts_365": "contacts in the last year", "days_since_contact":
    "days since the last contact", "zip_churn_rate_365": "ZIP area's churn in the last year",
    "zip_complaints_per_customer_365": "ZIP area's complaints per customer",
    "county_churn_rate_365": "county's churn in the last year",
}


@dataclass(frozen=True)
class Vocabulary:
    """The values pivoted into columns (fixed at training, reused when scoring)."""

    sales_channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    contact_channels: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("person", "business")

    def as_dict(self) -> dict:
        return {k: list(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        return cls(**{k: tuple(v) for k, v in data.items()})


@dataclass
class FeatureFrame:
    """Features (one row per customer at the cutoff, indexed by account id) and labels."""

    cutoff: dt.date
    X: pd.DataFrame
    y: pd.Series
    seconds: dict[str, float] = field(default_factory=dict)


def until(cutoff: dt.date) -> dt.datetime:
    """The first instant after the cutoff day (UTC): timestamps before it are "by then"."""
    return dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def vocabulary(conn: Connection, cutoff: dt.date) -> Vocabulary:
    """The pivot values as of ``cutoff`` (most frequent first)."""
    params = {"cutoff": cutoff, "until": until(cutoff)}
    found = {name: tuple(conn.execute(text(q), params).scalars())
             for name, q in sql.VOCABULARY.items()}
    segments = tuple(conn.execute(text(
        "SELECT DISTINCT coalesce(segment, '') FROM accounts WHERE status <> 'prospect' "
        "ORDER BY 1")).scalars())
    return Vocabulary(**found, segments=segments)


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_") or "other"


def _pivot(column: str, prefix: str, values: tuple[str, ...], where: str = "") -> tuple[str, dict]:
    parts, params = [], {}
    for i, value in enumerate(values):
        params[f"{prefix}_{i}"] = value
        parts.append(f",\n       count(*) FILTER (WHERE {column} = :{prefix}_{i}{where}) "
                     f"AS {prefix}_{_slug(value)}")
    return "".join(parts), params


def build(conn: Connection, cutoff: dt.date, *, horizon_days: int, vocab: Vocabulary,
          sample: int = 1, timer: Callable[[str, float], None] | None = None) -> FeatureFrame:
    """Every feature family of every customer at ``cutoff``, and the label."""
    import time

    params = {"cutoff": cutoff, "until": until(cutoff), "horizon": horizon_days,
              "sample": max(int(sample), 1)}
    year = " AND s.order_date > CAST(:cutoff AS date) - 365"
    channels, p1 = _pivot("s.channel", "orders_channel", vocab.sales_channels, year)
    categories, p2 = _pivot("s.product_category", "orders_category", vocab.categories, year)
    contact, p3 = _pivot("i.channel", "contacts_channel", vocab.contact_channels,
                         " AND i.occurred_at >= :until - interval '365 days'")
    queries = {
        "base": (sql.BASE, {}),
        "sales": (sql.SALES.format(population=sql.POPULATION, channels=channels,
                                   categories=categories), {**p1, **p2}),
        "cases": (sql.CASES.format(population=sql.POPULATION), {}),
        "contacts": (sql.CONTACTS.format(population=sql.POPULATION, channels=contact), p3),
        "region": (sql.REGION, {}),
    }
    frames, seconds = {}, {}
    for family, (query, extra) in queries.items():
        started = time.perf_counter()
        result = conn.execute(text(query), {**params, **extra})
        frames[family] = pd.DataFrame(result.fetchall(), columns=list(result.keys())
                                      ).set_index("account_id")
        seconds[family] = time.perf_counter() - started
        if timer:
            timer(family, seconds[family])
    base = frames.pop("base")
    y = base.pop("churned").astype(bool)
    X = base.join(list(frames.values()), how="left")
    for segment in vocab.segments:
        X[f"segment_{_slug(segment)}"] = (X["segment"] == segment).astype(np.int8)
    for kind in vocab.kinds:
        X[f"kind_{_slug(kind)}"] = (X["kind"] == kind).astype(np.int8)
    X = X.drop(columns=["segment", "kind"]).apply(pd.to_numeric, errors="coerce")
    counts = [c for c in X.columns if c not in KEEP_MISSING]
    X[counts] = X[counts].fillna(0)
    return FeatureFrame(cutoff, X.astype(float).sort_index(), y.sort_index(), seconds)


def label(feature: str) -> str:
    """A feature's name in words."""
    if feature in LABELS:
        return LABELS[feature]
    for prefix, words in (("orders_channel_", "orders by {} in the last year"),
                          ("orders_category_", "{} orders in the last year"),
                          ("contacts_channel_", "{} contacts in the last year"),
                          ("segment_", "segment {}"), ("kind_", "a {}")):
        if feature.startswith(prefix):
            return words.format(feature[len(prefix):].replace("_", " "))
    return feature.replace("_", " ")
