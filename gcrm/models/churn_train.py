"""Train the churn model and validate it honestly, beside a plain RFM rule.

The recipe: features of the customers at monthly cutoffs (``churn_features.build``), the
label "churned within the horizon after the cutoff". The evaluation cutoff T is the
model's date (``as_of``, the last day with data unless given) minus the horizon, so its
window (T, T + horizon] is the last one whose outcome is known. Training uses cutoffs
whose windows end on or before T (no label overlaps the evaluated window; no feature
reads past its cutoff). The learner is scikit-learn's HistGradientBoostingClassifier
inside CalibratedClassifierCV (isotonic, 3 folds), random_state fixed.

On the evaluated window it reports ROC AUC, PR AUC, Brier score and a calibration table
(deciles of predicted risk: mean predicted vs observed), and the same for an RFM rule:
recency, frequency (orders in the last year) and monetary value (revenue in the last
year) scored 1-5 by quintiles of the training rows, summed (3-15), each sum's churn rate
in the training rows taken as its probability. The stored model is then refitted with
the evaluated window's rows too (the same recipe on every outcome known), for scoring.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sqlalchemy import Connection, Engine, text
from threadpoolctl import threadpool_limits

from gcrm.errors import InvalidInput
from gcrm.models import churn_features, sql

MIN_HISTORY_DAYS = 180      # features need this much history before the first cutoff
CUTOFF_STEP_DAYS = 30       # training cutoffs a month apart
MAX_CUTOFFS = 24            # at most two years of monthly cutoffs
MIN_CUSTOMERS = 200         # customers with an outcome in the evaluated window, at least
MIN_CHURNED = 20            # of whom churned, at least (and as many in the training rows)
RANDOM_STATE = 0
# Bands, as multiples of the base rate (the share of customers who churned within the
# horizon in the training rows): high at 3x or more, medium at 1.5x or more, else low.
BAND_MEDIUM, BAND_HIGH = 1.5, 3.0


@dataclass
class Training:
    """A trained, validated model and what it is made of."""

    model: CalibratedClassifierCV
    features: list[str]
    vocab: churn_features.Vocabulary
    as_of: dt.date
    evaluated_at: dt.date
    horizon_days: int
    cutoffs: list[dt.date]
    training_rows: int
    metrics: dict
    seconds: dict[str, float] = field(default_factory=dict)


def data_span(conn: Connection) -> tuple[dt.date | None, dt.date | None]:
    row = conn.execute(text(sql.DATA_SPAN)).one()
    return row.first_day, row.last_day


def plan_cutoffs(first_day: dt.date, last_day: dt.date, *, horizon_days: int,
                 as_of: dt.date | None = None, max_cutoffs: int = MAX_CUTOFFS
                 ) -> tuple[dt.date, dt.date, list[dt.date]]:
    """(as_of, evaluated cutoff T, training cutoffs oldest first), or a refusal."""
    as_of = as_of or last_day
    if as_of > last_day:
        raise InvalidInput(f"--as-of {as_of} is after the last day with data ({last_day}).")
    evaluated = as_of - dt.timedelta(days=horizon_days)
    latest_train = evaluated - dt.timedelta(days=horizon_days)
    earliest = first_day + dt.timedelta(days=MIN_HISTORY_DAYS)
    if latest_train < earliest:
        have = (as_of - first_day).days
        need = MIN_HISTORY_DAYS + 2 * horizon_days
        raise InvalidInput(
            f"A {horizon_days}-day horizon needs {need:,} days of data ({MIN_HISTORY_DAYS} "
            f"of history, a training window and an evaluated window of {horizon_days} days "
            f"each); the data runs {first_day} to {as_of}: {have:,} days. Use a horizon of "
            f"{max((have - MIN_HISTORY_DAYS) // 2, 0):,} days or less.")
    cutoffs, day = [], latest_train
    while day >= earliest and len(cutoffs) < max_cutoffs:
        cutoffs.append(day)
        day -= dt.timedelta(days=CUTOFF_STEP_DAYS)
    return as_of, evaluated, sorted(cutoffs)


def _learner() -> CalibratedClassifierCV:
    boosted = HistGradientBoostingClassifier(
        learning_rate=0.1, max_iter=150, max_leaf_nodes=15, min_samples_leaf=40,
        l2_regularization=1.0, early_stopping=False, random_state=RANDOM_STATE)
    return CalibratedClassifierCV(boosted, method="isotonic", cv=3)


class RfmRule:
    """The plain baseline: R, F and M scored 1-5 by training quintiles, summed; each sum's
    training churn rate is its probability."""

    def fit(self, X: pd.DataFrame, y: pd.Series) -> RfmRule:
        quantiles = [0.2, 0.4, 0.6, 0.8]
        self.edges_ = {c: np.nanquantile(X[c].to_numpy(dtype=float), quantiles)
                       for c in ("recency_days", "orders_365", "revenue_365")}
        score = self.score(X)
        self.rates_ = pd.Series(y.to_numpy(), index=score).groupby(level=0).mean()
        self.base_ = float(y.mean())
        return self

    def score(self, X: pd.DataFrame) -> np.ndarray:
        recency = X["recency_days"].fillna(np.inf).to_numpy(dtype=float)
        r = 5 - np.searchsorted(self.edges_["recency_days"], recency, side="left")
        f = 1 + np.searchsorted(self.edges_["orders_365"], X["orders_365"].to_numpy(float))
        m = 1 + np.searchsorted(self.edges_["revenue_365"], X["revenue_365"].to_numpy(float))
        return np.clip(r, 1, 5) + f + m

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return pd.Series(self.score(X)).map(self.rates_).fillna(self.base_).to_numpy()


def calibration_table(y: np.ndarray, predicted: np.ndarray, bins: int = 10) -> list[dict]:
    """Deciles of predicted risk: customers, mean predicted and observed churn."""
    frame = pd.DataFrame({"y": y.astype(float), "p": predicted})
    frame["decile"] = pd.qcut(frame["p"].rank(method="first"), bins, labels=False) + 1
    table = frame.groupby("decile").agg(customers=("y", "size"), predicted=("p", "mean"),
                                        observed=("y", "mean")).reset_index()
    return [{"decile": int(r.decile), "customers": int(r.customers),
             "predicted": round(float(r.predicted), 4), "observed": round(float(r.observed), 4)}
            for r in table.itertuples()]


def scores(y: np.ndarray, predicted: np.ndarray) -> dict:
    return {"roc_auc": round(float(roc_auc_score(y, predicted)), 4),
            "pr_auc": round(float(average_precision_score(y, predicted)), 4),
            "brier": round(float(brier_score_loss(y, predicted)), 5),
            "calibration": calibration_table(y, predicted)}


def _frames(conn: Connection, cutoffs: list[dt.date], *, horizon_days: int,
            vocab: churn_features.Vocabulary, sample: int,
            progress: Callable[[str, int, int], None] | None, stage: str):
    built, seconds = [], {}
    for i, cutoff in enumerate(cutoffs):
        frame = churn_features.build(conn, cutoff, horizon_days=horizon_days, vocab=vocab,
                                     sample=sample)
        built.append(frame)
        for family, s in frame.seconds.items():
            seconds[family] = seconds.get(family, 0.0) + s
        if progress:
            progress(stage, i + 1, len(cutoffs))
    return built, seconds


def train(engine: Engine, *, horizon_days: int = 90, as_of: dt.date | None = None,
          max_cutoffs: int = MAX_CUTOFFS, sample: int = 1, threads: int | None = None,
          progress: Callable[[str, int, int], None] | None = None) -> Training:
    """Build, validate and refit the churn model; refuses too little history or outcome.

    ``sample`` > 1 trains on one customer in ``sample`` (by account id); the evaluated
    window always holds every customer. ``threads`` caps the learner's threads (on a
    busy machine 1 is faster than oversubscribed cores); None: the library's default."""
    with threadpool_limits(limits=threads):
        return _train(engine, horizon_days=horizon_days, as_of=as_of,
                      max_cutoffs=max_cutoffs, sample=sample, progress=progress)


def _train(engine: Engine, *, horizon_days: int, as_of: dt.date | None, max_cutoffs: int,
           sample: int, progress: Callable[[str, int, int], None] | None) -> Training:
    if horizon_days < 1:
        raise InvalidInput(f"The horizon must be at least 1 day, not {horizon_days}.")
    if max_cutoffs < 1:
        raise InvalidInput(f"At least 1 training cutoff is needed, not {max_cutoffs}.")
    seconds: dict[str, float] = {}
    with engine.connect() as conn:
        first_day, last_day = data_span(conn)
        if first_day is None or last_day is None:
            raise InvalidInput("There are no sales, cases or contacts to learn from: load "
                               "some (gcrm load) or build the demo (gcrm demo).")
        as_of, evaluated, cutoffs = plan_cutoffs(first_day, last_day, horizon_days=horizon_days,
                                                 as_of=as_of, max_cutoffs=max_cutoffs)
        vocab = churn_features.vocabulary(conn, as_of)
        started = time.perf_counter()
        test = churn_features.build(conn, evaluated, horizon_days=horizon_days, vocab=vocab)
        _enough(test.y, f"the evaluated window ({evaluated} to {as_of})")
        train_frames, feature_seconds = _frames(
            conn, cutoffs, horizon_days=horizon_days, vocab=vocab, sample=sample,
            progress=progress, stage="features")
        seconds["features"] = time.perf_counter() - started
        seconds.update({f"features.{k}": v for k, v in feature_seconds.items()})
    X = pd.concat([f.X for f in train_frames], ignore_index=True)
    y = pd.concat([f.y for f in train_frames], ignore_index=True)
    _enough(y, f"the training rows ({len(cutoffs)} cutoffs, {cutoffs[0]} to {cutoffs[-1]})")
    features = list(test.X.columns)
    X = X.reindex(columns=features)

    started = time.perf_counter()
    model = _learner().fit(X.to_numpy(), y.to_numpy())
    seconds["training"] = time.perf_counter() - started
    predicted = model.predict_proba(test.X.to_numpy())[:, 1]
    rule = RfmRule().fit(X, y)
    base_rate = float(y.mean())
    metrics = {
        "evaluated": {"cutoff": str(evaluated), "until": str(as_of),
                      "customers": int(len(test.y)), "churned": int(test.y.sum())},
        "training": {"cutoffs": [str(c) for c in cutoffs], "rows": int(len(y)),
                     "churned": int(y.sum()), "sample": int(sample)},
        "base_rate": round(base_rate, 5),
        "model": scores(test.y.to_numpy(), predicted),
        "rfm": scores(test.y.to_numpy(), rule.predict_proba(test.X)),
        "bands": {"medium": round(BAND_MEDIUM * base_rate, 5),
                  "high": round(BAND_HIGH * base_rate, 5)},
    }
    if progress:
        progress("refit", 0, 1)
    started = time.perf_counter()
    final = _learner().fit(pd.concat([X, test.X.reset_index(drop=True)]).to_numpy(),
                           np.concatenate([y.to_numpy(), test.y.to_numpy()]))
    seconds["refit"] = time.perf_counter() - started
    if progress:
        progress("refit", 1, 1)
    return Training(final, features, vocab, as_of, evaluated, horizon_days,
                    [*cutoffs, evaluated], int(len(y) + len(test.y)), metrics, seconds)


def _enough(y: pd.Series, where: str) -> None:
    customers, churned = int(len(y)), int(y.sum())
    if customers < MIN_CUSTOMERS or churned < MIN_CHURNED:
        raise InvalidInput(
            f"Too few customers with an outcome in {where}: {customers:,} customers, "
            f"{churned:,} of them churned; at least {MIN_CUSTOMERS:,} customers and "
            f"{MIN_CHURNED:,} churned are needed. Use a longer horizon or more history.")
