"""Score every current customer with the stored churn model: risk, band, top drivers.

Features are built as of the last day with data (the same SQL as training). Drivers are
shap's TreeExplainer contributions of each fitted booster inside the calibrated model
(log-odds units, averaged over the calibration folds); a customer's drivers are the three
features that raise their risk most. Rows go to ``account_risk`` by COPY, replacing every
earlier score (of this model and of earlier ones: someone no longer a customer keeps no
risk), as the operator (app roles read them through row-level security); the same
transaction keeps them as the scores of the month of scoring (``account_risk_months``,
with each customer's revenue over the 365 days before: the cube's risk family), replacing
that month's earlier ones. An erased person is scored from the facts erasure keeps
(sales, cases, region); their row holds an id, a number, a band and feature names,
nothing about them.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text
from threadpoolctl import threadpool_limits

from gcrm.db.copy import copy_rows
from gcrm.engines import client_for, on_dask, to_every_worker
from gcrm.errors import InvalidInput
from gcrm.models import churn_features, sql, store
from gcrm.models.churn_train import data_span

CHUNK = 50_000  # customers explained and written at a time (bounded memory)
# Up to this many customers, drivers are exact Tree SHAP values; beyond, shap's fast
# approximation (``approximate=True``: Saabas, the path of each tree) keeps scoring a
# million customers within minutes. The method used is reported with the scores.
EXACT_LIMIT = 200_000


@dataclass
class Scoring:
    model_version: int
    cutoff: dt.date
    customers: int
    bands: dict[str, int]
    drivers_method: str = "tree shap"
    seconds: dict[str, float] = field(default_factory=dict)


def band(risk: np.ndarray, thresholds: dict) -> np.ndarray:
    return np.where(risk >= thresholds["high"], "high",
                    np.where(risk >= thresholds["medium"], "medium", "low"))


def contributions(model, X: np.ndarray, *, approximate: bool = False) -> np.ndarray:
    """Per-row feature contributions (log-odds), averaged over the calibration folds."""
    import shap

    total = np.zeros(X.shape, dtype=float)
    folds = model.calibrated_classifiers_
    for fold in folds:
        values = shap.TreeExplainer(fold.estimator).shap_values(
            X, approximate=approximate, check_additivity=False)
        total += np.asarray(values, dtype=float).reshape(X.shape)
    return total / len(folds)


def drivers(values: np.ndarray, features: list[str], top: int = 3,
            X: np.ndarray | None = None) -> list[list[dict]]:
    """Each row's ``top`` features by contribution, largest first, with the feature's
    value (from ``X``; None when it had nothing to measure from) for the history panel."""
    order = np.argsort(-values, axis=1)[:, :top]

    def value(i: int, j: int) -> float | None:
        if X is None or np.isnan(X[i, j]):
            return None
        return round(float(X[i, j]), 4)

    return [[{"feature": features[j], "label": churn_features.label(features[j]),
              "contribution": round(float(values[i, j]), 4), "value": value(i, j)}
             for j in row] for i, row in enumerate(order)]


def keep_month(conn, month: dt.date, model_id: int, ids: np.ndarray, risk: np.ndarray,
               bands: np.ndarray, revenue: np.ndarray) -> None:
    """The scores as those of ``month`` (its first day) in ``account_risk_months``,
    replacing that month's earlier ones: the cube's risk family reads them, with each
    customer's revenue over the 365 days before scoring (the revenue_365 feature)."""
    conn.execute(text(sql.DELETE_RISK_MONTH), {"month": month})
    copy_rows(conn, sql.COPY_RISK_MONTH, zip(
        ids.tolist(), [month] * len(ids), [model_id] * len(ids),
        np.round(risk, 6).tolist(), bands.tolist(), np.round(revenue, 2).tolist(),
        strict=True))


def score_rows(model, rows: np.ndarray, columns: list[str], thresholds: dict, *,
               approximate: bool, threads: int | None = None) -> tuple:
    """Risk, band and the top three drivers (JSON) of each row of ``rows``: what a chunk of
    customers gets, here or on a Dask worker (each row's answer depends on that row only,
    so any cut into chunks gives the same scores)."""
    with threadpool_limits(limits=threads):
        risk = model.predict_proba(rows)[:, 1]
        top = drivers(contributions(model, rows, approximate=approximate), columns, X=rows)
    return risk, band(risk, thresholds), [json.dumps(d) for d in top]


def score(engine: Engine, *, threads: int | None = None,
          progress: Callable[[str, int, int], None] | None = None,
          run_on: str | None = None, client=None) -> Scoring:
    """Write the risk of every customer as of the last day with data.

    ``run_on``: ``"local"`` (this process, the default) or ``"dask"`` (chunks of customers
    scored on the scheduler of ``GCRM_DASK_SCHEDULER``, or ``client``; the default when
    that variable is set). The features come from PostGIS either way and the scores written
    are the same (docs/scale.md, "Churn scoring on Dask").
    """
    with client_for(run_on, client) as client:
        if client is not None:  # each task limits its own threads
            return _score(engine, threads=threads, progress=progress, client=client)
        with threadpool_limits(limits=threads):
            return _score(engine, threads=None, progress=progress, client=None)


def _score(engine: Engine, *, threads, progress, client) -> Scoring:
    stored = store.latest(engine, with_model=True)
    columns = stored.features["columns"]
    vocab = churn_features.Vocabulary.from_dict(stored.features["vocabulary"])
    seconds = {}
    with engine.connect() as conn:
        _, last_day = data_span(conn)
        started = time.perf_counter()
        frame = churn_features.build(conn, last_day, horizon_days=stored.horizon_days,
                                     vocab=vocab)
        seconds["features"] = time.perf_counter() - started
    if frame.X.empty:
        raise InvalidInput(f"There are no customers on {last_day} to score.")
    X = frame.X.reindex(columns=columns).to_numpy()
    ids = frame.X.index.to_numpy()
    approximate = len(X) > EXACT_LIMIT
    chunks = [slice(start, start + CHUNK) for start in range(0, len(X), CHUNK)]
    thresholds = stored.metrics["bands"]
    risk, bands = np.empty(len(X)), np.empty(len(X), dtype=object)
    seconds["risk and drivers"] = seconds["write"] = 0.0
    if client is None:
        answers = ((part, score_rows(stored.model, X[part], columns, thresholds,
                                     approximate=approximate)) for part in chunks)
    else:
        answers = _on_dask(client, stored.model, X, chunks, columns, thresholds,
                           approximate, threads)
    with engine.begin() as conn:
        conn.execute(text(sql.DELETE_RISKS))
        started, done = time.perf_counter(), 0
        for part, (chunk_risk, chunk_bands, chunk_drivers) in answers:
            t1 = time.perf_counter()
            seconds["risk and drivers"] += t1 - started
            risk[part], bands[part] = chunk_risk, chunk_bands
            copy_rows(conn, sql.COPY_RISKS, zip(
                ids[part].tolist(), [stored.id] * len(chunk_risk),
                np.round(chunk_risk, 6).tolist(), chunk_bands.tolist(), chunk_drivers,
                strict=True))
            done += len(chunk_risk)
            started = time.perf_counter()
            seconds["write"] += started - t1
            if progress:
                progress("scoring", done, len(X))
        # the month's scores for the cube (gcrm.cube's risk family)
        t0 = time.perf_counter()
        keep_month(conn, last_day.replace(day=1), stored.id, ids, risk, bands.astype(str),
                   frame.X["revenue_365"].fillna(0).to_numpy())
        seconds["write"] += time.perf_counter() - t0
    counts = pd.Series(bands).value_counts()
    return Scoring(stored.version, last_day, int(len(X)),
                   {b: int(counts.get(b, 0)) for b in ("low", "medium", "high")},
                   "shap approximate (Saabas)" if approximate else "tree shap", seconds)


def _on_dask(client, model, X: np.ndarray, chunks: list[slice], columns: list[str],
             thresholds: dict, approximate: bool, threads: int | None):
    """``(chunk, answer)`` pairs as the workers finish: the model goes to every worker
    once; each task carries its rows, so a task whose worker died runs again elsewhere."""
    from distributed import as_completed

    with on_dask("scoring churn risk on Dask"):
        fitted = to_every_worker(client, model)
        futures = {client.submit(score_rows, fitted, X[part], columns, thresholds,
                                 approximate=approximate, threads=threads or 1): part
                   for part in chunks}
        for future in as_completed(futures):
            yield futures[future], future.result()
