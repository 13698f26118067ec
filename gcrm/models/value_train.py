"""Fit the customer value model and validate it on a holdout period, beside the naive
"last year repeats" baseline.

The model: pymc-marketing's BG/NBD (``clv.BetaGeoModel``: how many purchase days a
customer makes, and whether they are still active) and Gamma-Gamma
(``clv.GammaGammaModel``: what a purchase day is worth to them), both fitted by maximum a
posteriori (``method="map"``) on the library's RFM summary in days. A customer's
expected revenue over a period is their expected purchase days times their expected
spend per purchase day (the library's CLV without discounting).

Validation: T is the model's date (``as_of``, the last day with sales unless given) minus
the holdout (12 months unless given). The model is fitted on the summary as of T and
predicts each customer's revenue in (T, as_of]; the baseline predicts they spend what
they spent in the same length of time up to T. Both are compared with what each
customer really spent: MAE and RMSE per customer, total predicted vs actual, and a
decile table (deciles of the model's prediction). The stored model is then refitted on
the summary as of ``as_of`` (every purchase known), for scoring.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine, text

from gcrm.errors import InvalidInput
from gcrm.models import value_sql, value_summary

MIN_CALIBRATION_DAYS = 365  # history before T, at least (the baseline needs a year too)
MIN_CUSTOMERS = 200  # customers with a purchase by T, at least
MIN_REPEAT = 50  # of whom bought on two days or more (the spend model's data), at least
SCORE_DAYS = 365  # scores are the next 12 months
LIBRARY = "pymc-marketing"


@dataclass
class Fitted:
    """The two fitted library models and their parameters (kept and read back as bytes by
    ``gcrm.models.value_store``)."""

    purchases: object  # clv.BetaGeoModel
    spend: object  # clv.GammaGammaModel
    parameters: dict

    def predict(self, rfm: pd.DataFrame, days: int) -> pd.DataFrame:
        """expected_purchases, expected_spend, expected_revenue, probability_alive per
        customer over the next ``days``."""
        data = rfm.reset_index().rename(columns={"account_id": "customer_id"})
        data["monetary_value"] = data["monetary_value"].where(data["frequency"] > 0, 0.0)

        def mean(values) -> np.ndarray:
            return values.mean(("chain", "draw")).to_numpy()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            purchases = mean(self.purchases.expected_purchases(data=data, future_t=days))
            alive = mean(self.purchases.expected_probability_alive(data=data))
            spend = mean(self.spend.expected_customer_spend(data=data))
        return pd.DataFrame({"expected_purchases": purchases, "expected_spend": spend,
                             "expected_revenue": purchases * spend,
                             "probability_alive": np.clip(alive, 0, 1)}, index=rfm.index)


@dataclass
class Training:
    fitted: Fitted
    as_of: dt.date
    evaluated_at: dt.date  # T
    holdout_days: int
    training_rows: int
    metrics: dict
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def library(self) -> str:
        from importlib.metadata import version

        return f"{LIBRARY} {version(LIBRARY)}"


def library_frame(rfm: pd.DataFrame) -> pd.DataFrame:
    return rfm.reset_index().rename(columns={"account_id": "customer_id"})


def bgnbd_rows(data: pd.DataFrame) -> pd.DataFrame:
    return data[["customer_id", "frequency", "recency", "T"]]


def spend_rows(data: pd.DataFrame) -> pd.DataFrame:
    repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    return repeat[["customer_id", "monetary_value", "frequency"]]


def fit(rfm: pd.DataFrame) -> Fitted:
    """BG/NBD and Gamma-Gamma fitted (MAP) on the summary ``rfm``."""
    clv = value_summary.clv()
    data = library_frame(rfm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        purchases = clv.BetaGeoModel(data=bgnbd_rows(data))
        purchases.fit(method="map", progressbar=False)
        spend = clv.GammaGammaModel(data=spend_rows(data))
        spend.fit(method="map", progressbar=False)
    parameters = {"bg_nbd": _point(purchases), "gamma_gamma": _point(spend)}
    return Fitted(purchases, spend, parameters)


def _point(model) -> dict:
    posterior = model.idata.posterior
    return {name: round(float(posterior[name].mean()), 6) for name in posterior.data_vars
            if posterior[name].ndim == 2}


def _earliest_as_of(first_day: dt.date) -> dt.date:
    """The first date a 1-month holdout fits: a year of sales to fit on, then the month."""
    earliest = first_day + dt.timedelta(days=MIN_CALIBRATION_DAYS) + relativedelta(months=1)
    while (earliest - relativedelta(months=1) - first_day).days < MIN_CALIBRATION_DAYS:
        earliest += dt.timedelta(days=1)  # month ends: at most a few days
    return earliest


def plan(first_day: dt.date | None, last_day: dt.date | None, *, holdout_months: int,
         as_of: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(as_of, T), or a refusal naming the days there are and the days needed."""
    if first_day is None or last_day is None:
        raise InvalidInput("There are no sales to learn from: load some (gcrm load sales) "
                           "or build the demo (gcrm demo).")
    if holdout_months < 1:
        raise InvalidInput(f"--holdout-months must be at least 1, not {holdout_months}.")
    as_of = as_of or last_day
    if as_of > last_day:
        raise InvalidInput(f"--as-of {as_of} is after the last day with sales ({last_day}).")
    earliest = _earliest_as_of(first_day)
    if as_of < first_day:
        dates = (f"Use a date from {earliest} to {last_day}." if earliest <= last_day else
                 f"The sales ({first_day} to {last_day}) are too short to fit and validate "
                 "on: load more history.")
        raise InvalidInput(f"--as-of {as_of} is before the first sale ({first_day}): the "
                           f"model learns from the sales up to its date. {dates}")
    evaluated = as_of - relativedelta(months=holdout_months)
    holdout_days = (as_of - evaluated).days
    if (evaluated - first_day).days < MIN_CALIBRATION_DAYS:
        have = (as_of - first_day).days
        need = MIN_CALIBRATION_DAYS + holdout_days
        fits = (have - MIN_CALIBRATION_DAYS) * 12 // 365
        advice = (f"Use a holdout of {fits:,} month{'s' if fits > 1 else ''} or less, or "
                  "load more history." if fits >= 1 else
                  f"No holdout fits: use an --as-of from {earliest} (a 1-month holdout), "
                  "or load more history.")
        raise InvalidInput(
            f"A {holdout_months}-month holdout needs {need:,} days of sales "
            f"({MIN_CALIBRATION_DAYS} days to fit on and {holdout_days} to validate on); "
            f"the sales run {first_day} to {as_of}: {have:,} days. {advice}")
    return as_of, evaluated


def _enough(rfm: pd.DataFrame, where: str) -> None:
    customers, repeat = len(rfm), int((rfm["frequency"] > 0).sum())
    if customers < MIN_CUSTOMERS or repeat < MIN_REPEAT:
        raise InvalidInput(
            f"Too few customers to fit on in {where}: {customers:,} customers with a "
            f"purchase, {repeat:,} of them on two days or more; at least "
            f"{MIN_CUSTOMERS:,} and {MIN_REPEAT:,} are needed. Use an earlier holdout or "
            "load more history.")


def compare(actual: np.ndarray, predicted: np.ndarray) -> dict:
    """Per customer MAE and RMSE, and the total predicted vs actual."""
    error = predicted - actual
    total, real = float(predicted.sum()), float(actual.sum())
    return {"mae": round(float(np.abs(error).mean()), 2),
            "rmse": round(float(np.sqrt((error ** 2).mean())), 2),
            "total_predicted": round(total, 2), "total_actual": round(real, 2),
            "total_error_pct": round(100 * (total - real) / real, 2) if real else None}


def decile_table(actual: np.ndarray, model: np.ndarray, baseline: np.ndarray) -> list[dict]:
    """Deciles of the model's prediction: customers, mean predicted by each method, mean
    actual."""
    frame = pd.DataFrame({"actual": actual, "model": model, "baseline": baseline})
    frame["decile"] = pd.qcut(frame["model"].rank(method="first"), 10, labels=False) + 1
    table = frame.groupby("decile").agg(customers=("actual", "size"),
                                        model=("model", "mean"),
                                        baseline=("baseline", "mean"),
                                        actual=("actual", "mean")).reset_index()
    return [{"decile": int(r.decile), "customers": int(r.customers),
             "model": round(float(r.model), 2), "baseline": round(float(r.baseline), 2),
             "actual": round(float(r.actual), 2)} for r in table.itertuples()]


def validate(fitted: Fitted, summary: value_summary.Summary, actual: pd.DataFrame,
             holdout_days: int) -> dict:
    """The model and the naive baseline on the holdout, per customer and in total."""
    predicted = fitted.predict(summary.rfm, holdout_days)
    real = actual["revenue"].to_numpy(float)
    model = predicted["expected_revenue"].to_numpy(float)
    naive = summary.last_year["revenue"].reindex(summary.rfm.index).to_numpy(float)
    purchases = actual["purchases"].to_numpy(float)
    return {
        "model": {**compare(real, model), "purchases_mae": round(float(np.abs(
            predicted["expected_purchases"].to_numpy() - purchases).mean()), 3)},
        "baseline": {**compare(real, naive), "purchases_mae": round(float(np.abs(
            summary.last_year["purchases"].to_numpy(float) - purchases).mean()), 3)},
        "deciles": decile_table(real, model, naive),
    }


def train(engine: Engine, *, holdout_months: int = 12, as_of: dt.date | None = None,
          progress: Callable[[str, int, int], None] | None = None) -> Training:
    """Validate on the holdout beside the baseline, then refit on every purchase known;
    refuses too little history or too few customers with the numbers."""
    seconds: dict[str, float] = {}
    with engine.connect() as conn:
        span = conn.execute(text(value_sql.SALES_SPAN)).one()
        as_of, evaluated = plan(span.first_day, span.last_day,
                                holdout_months=holdout_months, as_of=as_of)
        holdout_days = (as_of - evaluated).days
        started = time.perf_counter()
        calibration = value_summary.build(conn, evaluated, baseline_days=holdout_days)
        seconds["summary"] = time.perf_counter() - started
        _enough(calibration.rfm, f"the period up to {evaluated}")
        actual = value_summary.holdout(conn, evaluated, holdout_days, calibration.rfm.index)
        started = time.perf_counter()
        everything = value_summary.build(conn, as_of)
        seconds["summary"] += time.perf_counter() - started
    _enough(everything.rfm, f"the period up to {as_of}")
    if progress:
        progress("fit", 0, 2)
    started = time.perf_counter()
    fitted = fit(calibration.rfm)
    seconds["fit"] = time.perf_counter() - started
    started = time.perf_counter()
    validation = validate(fitted, calibration, actual, holdout_days)
    seconds["validate"] = time.perf_counter() - started
    if progress:
        progress("fit", 1, 2)
    started = time.perf_counter()
    final = fit(everything.rfm)
    seconds["refit"] = time.perf_counter() - started
    if progress:
        progress("fit", 2, 2)
    metrics = {
        "evaluated": {"cutoff": str(evaluated), "until": str(as_of),
                      "customers": int(len(calibration.rfm)),
                      "repeat_customers": int((calibration.rfm["frequency"] > 0).sum()),
                      "holdout_days": holdout_days},
        **validation,
        "as_of": str(as_of),
        "calibration_parameters": fitted.parameters,
        "customers_without_purchase": int(everything.customers_without_purchase),
    }
    return Training(final, as_of, evaluated, holdout_days, int(len(everything.rfm)),
                    metrics, seconds)
