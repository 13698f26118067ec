"""Monthly forecasts per region of an additive cube measure, reconciled bottom-up and
backtested against a seasonal-naive baseline.

>>> from gcrm.models.forecast import forecast
>>> frame, meta = forecast("revenue", level="zip", months=6,
...                        where={"state": "DE"})                        # doctest: +SKIP
>>> meta["backtest"]["levels"]["county"]["mase_model"]                     # doctest: +SKIP
0.71

The series are read with ``gcrm.cube.query(..., by=["month"])`` as the caller (a manager
forecasts only their regions). Each region of ``level`` gets its own statsmodels
exponential smoothing model (ETS); every region above it (county, state... as far as the
request and the caller's rights reach) gets the sum of its children: point forecasts to
the cent, intervals from the children's simulated paths added up month by month. See
docs/models.md, "Forecast per region".
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from gcrm import cube
from gcrm.cube.definitions import MEASURES, PARTS
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.models import forecast_sql as sql

# Measures that add up over regions and over months: flows (sums and counts of events).
FLOWS = tuple(sorted((name for name, m in MEASURES.items()
                     if m.formula in PARTS and PARTS[m.formula][1] == "sum"),
                    key=lambda name: name not in ("revenue", "orders")))  # sales first
SEASON = 12            # months in a seasonal cycle
SEASONAL_FROM = 24     # months of history from which the model has a yearly season
HOLD_OUT = 6           # months the backtest holds out
MIN_FIT = 12           # months a model is fitted to, at least (in the backtest too)
MIN_MONTHS = MIN_FIT + HOLD_OUT
MAX_MONTHS = 24        # the longest horizon
MAX_HISTORY = 120      # months of history read at most (ten years)
PATHS = 1000           # simulated paths per region for the intervals
LEVELS = {80: (0.10, 0.90), 95: (0.025, 0.975)}
MODELS = {
    "ETS(A,Ad,A)": "exponential smoothing with additive errors, a damped additive trend "
                   "and an additive yearly season (12 months)",
    "ETS(A,Ad,N)": "exponential smoothing with additive errors and a damped additive "
                   "trend, no season",
    "constant": "every month of the history is the same: that value, without error",
    "naive": "the last month repeated (the ETS fit failed), with the month-to-month "
             "changes as its errors",
}
RULE = (f"ETS(A,Ad,A) with {SEASONAL_FROM} months of history or more, else ETS(A,Ad,N) "
        f"(statsmodels ETSModel, maximum likelihood); fitted per region of the level asked")
RECONCILIATION = (
    "bottom-up: each region of the level asked has its own model; a region above it "
    "gets the sum of its children's forecasts (each rounded to the cent first, so the sum "
    "holds to the cent) and its intervals from the children's simulated paths added up "
    "month by month (not from summed quantiles)")
INTERVALS = (
    f"{PATHS:,} simulated paths per region; their errors are the model's one-step "
    "residuals, drawn for every region from the same history months (a joint bootstrap "
    "that keeps how regions move together); paths below zero are cut at zero; the 80% "
    "interval is the 10th to 90th percentile, the 95% the 2.5th to 97.5th")
BASELINE = ("seasonal naive: the same month a year before (the last month repeated when "
            f"fewer than {SEASON + 1} months come before the held-out ones)")

Progress = Callable[[str, int, int], None]


def forecast(measure: str, *, level: str, months: int = 6, where: dict | None = None,
             as_of: str | None = None, paths: int = PATHS, random_state: int = 0,
             backtest: bool = True, progress: Progress | None = None,
             engine: Engine | None = None) -> tuple[pd.DataFrame, dict]:
    """Monthly forecasts of ``measure`` per region of ``level`` (and the regions above it
    the request covers), ``months`` ahead, with 80% and 95% intervals.

    Returns a tidy frame: level, code, name, month ('2026-11'), kind (history or forecast),
    value (the history), forecast, lo80, hi80, lo95, hi95; and its metadata (model per
    region, months of history, backtest, reconciliation, as-of).

    where: as ``gcrm.cube.query`` (``{"state": "PA"}``, ``{"segment": "smb"}``). A region
    above ``level`` is reported (as the sum of its children) only when all of it is in the
    request: ``where={"county": X}`` at zip gives the county X too, not its state.
    as_of: the last month of history to use ('2025-10'), to forecast as if it were then
    (default: the last complete month the cube holds).
    backtest: also forecast the last 6 known months from the months before and score it
    (MASE against the seasonal-naive baseline, interval coverage) per level.
    progress: called with (stage, done, total) while the regions are fitted.
    """
    _check_measure(measure)
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(f"--months must be 1 to {MAX_MONTHS} (got {months}): a monthly "
                           f"forecast reaches {MAX_MONTHS} months ahead at most.")
    if paths < 100:
        raise InvalidInput("paths must be 100 or more (1,000 is the usual).")
    engine = engine or get_engine()
    with engine.connect() as conn:
        levels = {row.name: row for row in conn.execute(text(sql.LEVELS))}
    bottom = _read(measure, level, where, engine, as_of=_month(as_of))
    n = len(bottom.months)
    if n < MIN_MONTHS:
        raise InvalidInput(
            f"{measure} by {level} has {n} complete months of history "
            f"({_span(bottom.months)}); a forecast needs at least {MIN_MONTHS} "
            f"({MIN_FIT} to fit, the last {HOLD_OUT} held out to test it). Load more "
            "history, or wait until there is.")
    if months > n:
        raise InvalidInput(f"--months {months} reaches further ahead than the {n} months of "
                           f"history behind it; ask for {n} months or fewer.")
    tiers = [bottom, *_parents(measure, level, where, levels, bottom, engine)]
    ahead = pd.period_range(bottom.months[-1] + 1, periods=months, freq="M")
    rng = np.random.default_rng(random_state)
    fitted = _fit_level(bottom.values, months, paths, rng, progress, "Fitting")
    _roll_up(tiers, fitted)
    frame = _frame(tiers, fitted, ahead)
    meta = {
        "measure": measure, "unit": MEASURES[measure].unit, "level": level,
        "levels": [t.level for t in tiers], "where": where or {}, "months": months,
        "history": {"first": f"{bottom.months[0]}", "last": f"{bottom.months[-1]}",
                    "months": n},
        "as_of": f"{bottom.months[-1]}",
        "run_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "forecast_months": [f"{m}" for m in ahead],
        "model": {"rule": RULE, "chosen": fitted.model_name,
                  "description": MODELS[fitted.model_name]},
        "models": dict(zip(bottom.codes, fitted.models, strict=True)),
        "model_counts": pd.Series(fitted.models).value_counts().to_dict(),
        "regions": {t.level: len(t.codes) for t in tiers},
        "reconciliation": RECONCILIATION, "intervals": INTERVALS, "paths": paths,
        "seed": random_state,
        "backtest": (_backtest(tiers, paths, random_state, progress) if backtest
                     else None),
    }
    return frame, meta


# --- checks ----------------------------------------------------------------------------------

def _check_measure(measure: str) -> None:
    flows = ", ".join(FLOWS)
    if measure not in MEASURES:
        raise InvalidInput(f"Unknown measure {measure!r}; forecasts are of {flows}.")
    if measure in FLOWS:
        return
    m = MEASURES[measure]
    if m.timeless:
        why = "is counted as things are now: it has no month-by-month history"
    elif m.formula in PARTS and PARTS[m.formula][1] in ("last", "latest"):
        why = ("is a count at a moment (the end of each month), not a flow that adds up "
               "over months; forecast new_customers or churned_customers")
    elif "/" in m.formula:
        why = (f"is a ratio ({m.formula.replace('_', ' ')}) that does not add up over "
               "regions, so children could not add up to their parent; forecast its parts")
    else:
        why = (f"({m.unit}) is a median or an average: it does not add up over regions, "
               "so children could not add up to their parent")
    raise InvalidInput(f"{measure} {why}. Forecasts are of measures that add up over "
                       f"regions and months: {flows}.")


# --- reading the series ------------------------------------------------------------------------

class _Tier:
    """The monthly series of one level: months x regions."""

    level: str
    ids: list[int]
    codes: list[str]
    names: list[str]
    months: pd.PeriodIndex
    values: np.ndarray       # months x regions
    parent_of: np.ndarray    # for each region, the column of its parent in the tier above
    point: np.ndarray        # forecasts, horizon x regions (rounded to the cent)
    paths: np.ndarray        # horizon x paths x regions


def _read(measure: str, level: str, where: dict | None, engine: Engine,
          months: pd.PeriodIndex | None = None, as_of: pd.Period | None = None) -> _Tier:
    frame = cube.query([measure], level=level, by=["month"], where=where, engine=engine)
    if frame.empty and months is None:
        raise InvalidInput(
            f"No monthly {measure} at level {level}{_where_words(where)} that you may "
            f"see: nothing to forecast. Try a boundary level holding facts (state, "
            f"county, zip) or another measure ({', '.join(FLOWS)}).")
    if frame.empty:  # a level above, none of it visible to the caller
        tier = _Tier()
        tier.level, tier.ids, tier.codes, tier.names, tier.months = level, [], [], [], months
        tier.values = np.zeros((len(months), 0))
        return tier
    frame = frame.assign(period=pd.PeriodIndex(frame["month"], freq="M"))
    if months is None:
        now = pd.Period(dt.datetime.now(dt.UTC).date(), freq="M")
        frame = frame[frame["period"] < now]  # the month under way is not complete
        if as_of is not None:
            frame = frame[frame["period"] <= as_of]
        if frame.empty:
            raise InvalidInput(f"No complete month of {measure} at level {level}"
                               f"{' up to ' + str(as_of) if as_of is not None else ''}.")
        last = frame["period"].max()
        first = max(frame["period"].min(), last - (MAX_HISTORY - 1))
        months = pd.period_range(first, last, freq="M")
    wide = (frame.pivot_table(index="period", columns="region_id", values=measure,
                              aggfunc="sum")
            .reindex(months).fillna(0.0))
    info = frame.drop_duplicates("region_id").set_index("region_id")
    tier = _Tier()
    tier.level = level
    tier.ids = [int(i) for i in wide.columns]
    tier.codes = [str(info.at[i, "code"]) for i in tier.ids]
    tier.names = [str(info.at[i, "name"]) for i in tier.ids]
    tier.months = months
    tier.values = wide.to_numpy(dtype="float64")
    return tier


def _parents(measure, level, where, levels, bottom: _Tier, engine) -> list[_Tier]:
    """The tiers above ``level`` that the request covers whole: each level whose regions
    lie wholly inside every geographic filter (a filter at that level or above it), as far
    as the caller may see them."""
    chain, up = [], levels[level].parent_level
    while up is not None and up in levels:
        chain.append(up)
        up = levels[up].parent_level
    geo = [k for k in (where or {}) if k in levels]
    tiers, below = [], bottom
    for parent in chain:
        above = {parent, *chain[chain.index(parent) + 1:]}
        if any(key not in above for key in geo):
            break
        tier = _read(measure, parent, where, engine, months=bottom.months)
        with engine.connect() as conn:
            parent_ids = dict(conn.execute(text(sql.PARENTS), {
                "level": below.level, "ids": below.ids}).all())
        column = {rid: j for j, rid in enumerate(tier.ids)}
        below.parent_of = np.array([column.get(parent_ids.get(rid), -1)
                                    for rid in below.ids])
        if tier.ids == [] or (below.parent_of < 0).all():
            break
        tiers.append(tier)
        below = tier
    return tiers


# --- fitting ---------------------------------------------------------------------------------

class _Fitted:
    point: np.ndarray   # horizon x regions, rounded to the cent, never below zero
    paths: np.ndarray   # horizon x paths x regions
    models: list[str]
    model_name: str     # the model the rule picks for this history


def _fit_level(values: np.ndarray, horizon: int, paths: int, rng: np.random.Generator,
               progress: Progress | None, stage: str) -> _Fitted:
    n, regions = values.shape
    seasonal = n >= SEASONAL_FROM
    # One draw of history months for every region: the joint bootstrap.
    draw = rng.integers(0, n, size=(horizon, paths))
    fitted = _Fitted()
    fitted.point = np.zeros((horizon, regions))
    fitted.paths = np.zeros((horizon, paths, regions))
    fitted.models = []
    fitted.model_name = "ETS(A,Ad,A)" if seasonal else "ETS(A,Ad,N)"
    for j in range(regions):
        point, sims, name = _fit_one(values[:, j], horizon, draw, seasonal)
        fitted.point[:, j] = np.round(np.maximum(point, 0.0), 2)
        fitted.paths[:, :, j] = np.maximum(sims, 0.0)
        fitted.models.append(name)
        if progress is not None:
            progress(stage, j + 1, regions)
    return fitted


def _fit_one(y: np.ndarray, horizon: int, draw: np.ndarray,
             seasonal: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """One region's point forecast, simulated paths (horizon x paths) and model name."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # a heavy import

    if np.ptp(y) == 0:
        return (np.full(horizon, y[-1]), np.full(draw.shape, y[-1]), "constant")
    for season in ((True, False) if seasonal else (False,)):
        options = {"seasonal": "add", "seasonal_periods": SEASON} if season else {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = ETSModel(y, error="add", trend="add", damped_trend=True,
                                  **options).fit(disp=False)
                point = np.asarray(result.forecast(horizon))
                residuals = np.asarray(result.resid)
                sims = np.asarray(result.simulate(horizon, anchor="end",
                                                  repetitions=draw.shape[1],
                                                  random_errors=residuals[draw]))
        except (ValueError, np.linalg.LinAlgError):
            continue
        if np.isfinite(point).all() and np.isfinite(sims).all():
            return point, sims.reshape(draw.shape), ("ETS(A,Ad,A)" if season
                                                     else "ETS(A,Ad,N)")
    changes = np.diff(y)
    steps = changes[draw % len(changes)]
    return np.full(horizon, y[-1]), y[-1] + np.cumsum(steps, axis=0), "naive"


def _roll_up(tiers: list[_Tier], fitted: _Fitted) -> None:
    """Every tier's forecasts: the bottom's own, each parent's the sum of its children's."""
    tiers[0].point, tiers[0].paths = fitted.point, fitted.paths
    for below, tier in zip(tiers, tiers[1:], strict=False):
        k = len(tier.ids)
        tier.point = np.zeros((below.point.shape[0], k))
        tier.paths = np.zeros((*below.paths.shape[:2], k))
        for j in range(k):
            children = below.parent_of == j
            tier.point[:, j] = np.round(below.point[:, children].sum(axis=1), 2)
            tier.paths[:, :, j] = below.paths[:, :, children].sum(axis=2)


def _bounds(paths: np.ndarray) -> dict[str, np.ndarray]:
    """lo80, hi80, lo95, hi95 (horizon x regions) from the paths (horizon x paths x regions)."""
    out = {}
    for level, (lo, hi) in LEVELS.items():
        out[f"lo{level}"] = np.round(np.quantile(paths, lo, axis=1), 2)
        out[f"hi{level}"] = np.round(np.quantile(paths, hi, axis=1), 2)
    return out


def _frame(tiers: list[_Tier], fitted: _Fitted, ahead: pd.PeriodIndex) -> pd.DataFrame:
    parts = []
    for tier in tiers:
        k, n, h = len(tier.ids), len(tier.months), len(ahead)
        history = pd.DataFrame({
            "level": tier.level, "code": np.repeat(tier.codes, n),
            "name": np.repeat(tier.names, n),
            "month": np.tile([f"{m}" for m in tier.months], k), "kind": "history",
            "value": np.round(tier.values.T.reshape(-1), 2)})
        bounds = _bounds(tier.paths)
        future = pd.DataFrame({
            "level": tier.level, "code": np.repeat(tier.codes, h),
            "name": np.repeat(tier.names, h),
            "month": np.tile([f"{m}" for m in ahead], k), "kind": "forecast",
            "value": np.nan, "forecast": tier.point.T.reshape(-1),
            **{key: bounds[key].T.reshape(-1) for key in ("lo80", "hi80", "lo95", "hi95")}})
        parts += [history, future]
    frame = pd.concat(parts, ignore_index=True)
    order = {tier.level: i for i, tier in enumerate(tiers)}
    frame["_order"] = frame["level"].map(order)
    frame = frame.sort_values(["_order", "code", "month"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


# --- the backtest ----------------------------------------------------------------------------

def _backtest(tiers: list[_Tier], paths: int, random_state: int,
              progress: Progress | None) -> dict:
    """Forecast the last HOLD_OUT known months from the months before, reconcile as the
    forecast does, and score every level against the seasonal-naive baseline."""
    bottom = tiers[0]
    train = bottom.values[:-HOLD_OUT]
    rng = np.random.default_rng(random_state + 1)
    fitted = _fit_level(train, HOLD_OUT, paths, rng, progress, "Backtest")
    held = [_Tier() for _ in tiers]
    for copy, tier in zip(held, tiers, strict=True):
        copy.level, copy.ids = tier.level, tier.ids
        copy.parent_of = getattr(tier, "parent_of", None)
    _roll_up(held, fitted)
    scores = {}
    pooled = {80: [], 95: []}
    for copy, tier in zip(held, tiers, strict=True):
        score = _score(tier.values, copy.point, _bounds(copy.paths))
        for level in pooled:
            pooled[level].append(score.pop(f"_inside{level}"))
        scores[tier.level] = score
    inside = {level: np.concatenate(flags) for level, flags in pooled.items()}
    return {
        "held_out": [f"{m}" for m in bottom.months[-HOLD_OUT:]],
        "fitted_on": f"{bottom.months[0]} to {bottom.months[-HOLD_OUT - 1]} "
                     f"({len(train)} months)",
        "model": "ETS(A,Ad,A)" if len(train) >= SEASONAL_FROM else "ETS(A,Ad,N)",
        "baseline": BASELINE,
        "mase": ("mean absolute error over the held-out months divided by the in-sample "
                 "mean absolute error of the seasonal-naive forecast (lag 12; lag 1 with "
                 f"fewer than {SEASON + 1} months), averaged over the regions of a level"),
        "levels": scores,
        "coverage80": float(inside[80].mean()),
        "coverage95": float(inside[95].mean()),
        "cells": int(inside[80].size),
    }


def _score(values: np.ndarray, point: np.ndarray, bounds: dict) -> dict:
    train, test = values[:-HOLD_OUT], values[-HOLD_OUT:]
    lag = SEASON if len(train) > SEASON else 1
    if lag == SEASON:
        baseline = train[len(train) - SEASON:len(train) - SEASON + HOLD_OUT]
    else:
        baseline = np.repeat(train[-1:], HOLD_OUT, axis=0)
    scale = np.abs(train[lag:] - train[:-lag]).mean(axis=0)
    usable = scale > 0
    model_mae = np.abs(test - point).mean(axis=0)
    base_mae = np.abs(test - baseline).mean(axis=0)
    mase_model = model_mae[usable] / scale[usable]
    mase_base = base_mae[usable] / scale[usable]
    inside = {level: ((test >= bounds[f"lo{level}"]) & (test <= bounds[f"hi{level}"]))
              .reshape(-1) for level in LEVELS}
    return {
        "regions": int(values.shape[1]), "scored": int(usable.sum()),
        "mase_model": _mean(mase_model), "mase_baseline": _mean(mase_base),
        "better_than_baseline": int((mase_model < mase_base).sum()),
        "coverage80": float(inside[80].mean()), "coverage95": float(inside[95].mean()),
        "_inside80": inside[80], "_inside95": inside[95],
    }


def _mean(values: np.ndarray) -> float | None:
    return float(np.mean(values)) if values.size else None


def _month(as_of: str | None) -> pd.Period | None:
    if as_of is None:
        return None
    try:
        return pd.Period(str(as_of), freq="M")
    except ValueError:
        raise InvalidInput(f"as-of {as_of!r} is not a month; write it as 2025-10.") from None


def _span(months: pd.PeriodIndex) -> str:
    return f"{months[0]} to {months[-1]}" if len(months) else "none"


def _where_words(where: dict | None) -> str:
    if not where:
        return ""
    return " in " + ", ".join(f"{k} {v}" for k, v in where.items())
