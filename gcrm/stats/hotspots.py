"""Hot spots (Getis-Ord Gi* or Local Moran's I) and global Moran's I of a cube measure.

Reads the cube as the caller (a manager's engine sees only their regions: the statistics
then use only those regions), the region outlines at the level, builds the weights
(contiguity for boundary levels, k nearest for H3 cells) and runs ``spatial.stats``.
"""

from __future__ import annotations

import contextlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from gcrm import cube
from gcrm.config import get_settings
from gcrm.cube import periods as cube_periods
from gcrm.cube.definitions import MEASURES
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.stats import sql
from spatial.stats import emerging as emerging_spots
from spatial.stats import global_moran, hot_periods, region_weights
from spatial.stats import hotspots as local_hotspots

# Fewer regions than this give no meaningful local statistic.
MIN_REGIONS = 10
# Rates tested as rates: measure -> (its event count, the column holding its base).
# churn_rate's base is the customers at the start of the period, i.e. at the end of the
# previous one; penetration's is the region's households.
RATES = {
    "churn_rate": ("churned_customers", "customers_previous"),
    "penetration": ("customers", "households"),
    "complaints_per_customer": ("complaints", "customers"),
    "high_risk_share": ("customers_at_high_risk", "scored_customers"),
}
SIDES = {"gi": "hot and cold spots (Getis-Ord Gi*)", "lisa": "clusters and outliers "
         "(Local Moran's I)"}
PATTERN_WORDS = {"clustered": "is clustered", "dispersed": "is dispersed",
                 "random": "shows no spatial pattern beyond chance"}


def hotspots(measure: str, *, level: str, period, split: dict | None = None,
             method: str = "gi", permutations: int = 999, alpha: float = 0.05,
             fdr: bool = True, min_count: int | None = None, random_state: int | None = None,
             emerging: int = 0, engine: Engine | None = None) -> tuple[gpd.GeoDataFrame, dict]:
    """The regions of ``level`` with their local statistic of ``measure`` in ``period``.

    Returns a GeoDataFrame (code, name, value, statistic, z, p, p_fdr, significant, class,
    geometry; one row per region holding accounts the caller may see) and its metadata
    (method, weights, permutations, seed, correction, global Moran's I, scope).
    class: hot / cold / not significant (gi) or HH / LL / HL / LH / not significant (lisa);
    "too few" for a region whose base (rates) or people (``min_count``) is too small to
    test or to show: its value is blank.
    emerging: with N >= 1 (Gi* only), also runs the N periods of the same length before
    and adds ``emerging`` ("new": hot now and not in the period before; "persistent": hot
    now and before) and ``hot_periods`` (how many periods running it has been hot).
    """
    if method not in SIDES:
        raise InvalidInput(f"Unknown method {method!r}; use gi (Getis-Ord Gi*, hot and cold "
                           "spots) or lisa (Local Moran's I: HH, LL, HL, LH).")
    if permutations < 99:
        raise InvalidInput("--permutations must be 99 or more (999 is the usual).")
    if not 0 < alpha < 1:
        raise InvalidInput("--alpha must be between 0 and 1, e.g. 0.05.")
    data = _read(measure, level=level, period=period, split=split, min_count=min_count,
                 engine=engine)
    tested = data.frame[~data.frame["_hidden"]].reset_index(drop=True)
    base = tested["_base"].to_numpy(dtype=float) if data.rate else None
    with _refusals():
        w, summary = region_weights(tested.geometry, kind=data.kind)
        local = local_hotspots(
            tested["_count"].to_numpy(dtype=float), w, base=base, method=method,
            permutations=permutations, alpha=alpha, fdr=fdr,
            min_base=(min_count or 1) if data.rate else None, random_state=random_state)
        overall = _global(tested, data.rate, w, permutations, random_state, measure)
    out = tested[["code", "name"]].copy()
    out["value"] = tested[measure].to_numpy()
    if data.rate:  # the Empirical Bayes rate actually tested
        out["smoothed_rate"] = local["value"].to_numpy()
    for column in ("statistic", "z", "p", "p_fdr", "significant", "class"):
        out[column] = local[column].to_numpy()
    too_few = out["class"] == "too few"
    out.loc[too_few, "value"] = np.nan
    hidden = data.frame[data.frame["_hidden"]][["code", "name"]].assign(
        value=np.nan, statistic=np.nan, z=np.nan, p=np.nan, p_fdr=np.nan, significant=False)
    hidden["class"] = "too few"
    geometry = pd.concat([tested.geometry, data.frame[data.frame["_hidden"]].geometry],
                         ignore_index=True)
    table = gpd.GeoDataFrame(pd.concat([out, hidden], ignore_index=True),
                             geometry=geometry.to_numpy(), crs=data.frame.crs)
    table = table.sort_values("code", kind="stable").reset_index(drop=True)
    history = None
    if emerging:
        table, history = _emerging(table, emerging, measure, level=level, period=period,
                                   split=split, method=method, permutations=permutations,
                                   alpha=alpha, fdr=fdr, min_count=min_count,
                                   random_state=random_state, engine=engine)
    counts = table["class"].value_counts()
    metadata = {
        "measure": measure, "unit": MEASURES[measure].unit, "level": level,
        "period": period, "split": split or {}, "method": method,
        "statistic": SIDES[method], "weights": summary, "permutations": permutations,
        "seed": random_state, "alpha": alpha,
        "correction": ("Benjamini-Hochberg false discovery rate (class from p_fdr; "
                       "p is uncorrected)") if fdr else "none (class from uncorrected p)",
        "rate": _rate_words(measure) if data.rate else None,
        "min_count": min_count, "regions": len(table), "tested": int((~too_few).sum()),
        "too_few": int(counts.get("too few", 0)),
        "classes": {str(k): int(v) for k, v in counts.items()},
        "global_moran": overall, "scope": data.scope, "emerging": history,
    }
    return table, metadata


def moran(measure: str, *, level: str, period, split: dict | None = None,
          permutations: int = 999, min_count: int | None = None,
          random_state: int | None = None, engine: Engine | None = None) -> dict:
    """Global Moran's I of ``measure`` over the regions of ``level``, with its pseudo
    p-value, in words: ``sentence`` = "revenue is clustered: I = 0.31, p = 0.001"."""
    if permutations < 99:
        raise InvalidInput("--permutations must be 99 or more (999 is the usual).")
    data = _read(measure, level=level, period=period, split=split, min_count=min_count,
                 engine=engine)
    tested = data.frame[~data.frame["_hidden"]].reset_index(drop=True)
    with _refusals():
        w, summary = region_weights(tested.geometry, kind=data.kind)
        overall = _global(tested, data.rate, w, permutations, random_state, measure)
    return {**overall, "measure": measure, "level": level, "period": period,
            "split": split or {}, "weights": summary, "permutations": permutations,
            "seed": random_state, "regions": len(tested), "scope": data.scope,
            "rate": _rate_words(measure) if data.rate else None}


def _emerging(table, periods_back, measure, *, level, period, method, **options):
    """The classes of the ``periods_back`` periods before, then spatial.stats.emerging."""
    if method != "gi":
        raise InvalidInput("Emerging hot spots are of Gi* hot spots: use method gi.")
    if not 1 <= periods_back <= 12:
        raise InvalidInput("--emerging takes 1 to 12 periods back.")
    months = cube_periods.month_range(period, get_settings().fiscal_year_start)
    if months is None:
        raise InvalidInput("Emerging hot spots need a period, e.g. 2026-Q3.")
    columns, labels = {}, []
    first, last = months
    for _ in range(periods_back):
        first, last = cube_periods.previous(first, last)
        label = f"{first:%Y-%m}..{last:%Y-%m}"
        try:
            before, _ = hotspots(measure, level=level, period=(f"{first:%Y-%m}",
                                                               f"{last:%Y-%m}"),
                                 method=method, **options)
            columns[label] = table["code"].map(dict(zip(before["code"], before["class"],
                                                        strict=True)))
        except InvalidInput:  # no data then, or zero everywhere: hot nowhere
            columns[label] = pd.Series("no data", index=table.index)
        labels.append(label)
    history = pd.DataFrame({label: columns[label] for label in reversed(labels)})
    history["now"] = table["class"]
    table = table.copy()
    table["emerging"] = emerging_spots(history).to_numpy()
    table["hot_periods"] = hot_periods(history).to_numpy()
    return table, {"periods": [*reversed(labels), period],
                   "rule": "new: hot now, not in the period before; persistent: hot now "
                           "and in the period before (hot_periods: how many running)"}


# --- reading the cube ------------------------------------------------------------------------

class _Data:
    frame: gpd.GeoDataFrame  # code, name, <measure>, _count, _base, _hidden, geometry
    kind: str                # weights: queen or knn
    rate: bool
    scope: str


def _read(measure, *, level, period, split, min_count, engine) -> _Data:
    if measure not in MEASURES:
        raise InvalidInput(f"Unknown measure {measure!r}; choose from {', '.join(MEASURES)}.")
    if period is None and not MEASURES[measure].timeless:
        raise InvalidInput("Give a period, e.g. 2026, 2026-Q3 or 2026-03 (hot spots are of "
                           "one period).")
    if min_count is not None and min_count < 1:
        raise InvalidInput("--min-count must be 1 or more.")
    engine = engine or get_engine()
    rate = measure in RATES
    count, base = RATES.get(measure, (measure, None))
    asked = list(dict.fromkeys([measure, count, *(["customers"] if base in (
        "customers_previous", "customers") else []),
        *([base] if base in MEASURES else [])]))  # a base that is a measure
    compare = "previous_period" if base == "customers_previous" else None
    frame = cube.query(asked, level=level, where=split or None, period=period,
                       compare=compare, min_count=min_count, engine=engine)
    if frame.empty and not MEASURES[measure].timeless:
        first, last = _months(engine)
        raise InvalidInput(f"No {measure} in {period}: the cube holds months {first} to "
                           f"{last}. Choose a period inside them.")
    with engine.connect() as conn:
        kind, whole = conn.execute(text(sql.LEVEL_AND_SCOPE), {"level": level}).one()
        # The study area: the regions holding accounts the caller may see, outlined.
        rows = conn.execute(text(sql.OUTLINES), {"level": level}).all()
    outlines = pd.DataFrame([tuple(row) for row in rows],
                            columns=["code", "name", "households", "wkb"])
    outlines = gpd.GeoDataFrame(outlines.drop(columns="wkb"), crs=4326,
                                geometry=shapely.from_wkb(outlines["wkb"].to_numpy()))
    joined = outlines.merge(
        pd.DataFrame(frame.drop(columns=["name", "level", "region_id"], errors="ignore")),
        on="code", how="left")
    if len(joined) < MIN_REGIONS:
        with engine.connect() as conn:
            sizes = dict(conn.execute(text(sql.LEVEL_SIZES)).all())
        enough = [name for name, n in sizes.items() if n >= MIN_REGIONS]
        raise InvalidInput(
            f"{level} has {len(joined)} regions with accounts"
            f"{'' if whole else ' you may see'}: too few for hot spots (at least "
            f"{MIN_REGIONS}). Levels with enough regions: {', '.join(enough) or 'none'}.")
    additive = MEASURES[measure].additive
    hidden = (joined["suppressed"].fillna(False).astype(bool) if "suppressed" in joined
              else pd.Series(False, index=joined.index))
    if additive:  # a region with no facts in the period has none of them: zero
        joined.loc[~hidden, measure] = joined.loc[~hidden, measure].fillna(0)
    if rate:
        joined["_count"] = joined[count].fillna(0)
        joined["_base"] = (joined["households"] if base == "households"
                           else joined[base]).fillna(0).astype(float)
        if base == "customers_previous" and "customers_previous" not in joined:
            joined["_base"] = 0.0
    else:
        joined["_count"] = joined[measure]
        joined["_base"] = np.nan
        hidden |= joined[measure].isna()  # no value (e.g. an average of nothing)
    joined["_hidden"] = hidden.to_numpy()
    shown = joined.loc[~joined["_hidden"], "_count"]
    if len(shown) < MIN_REGIONS:
        raise InvalidInput(
            f"Only {len(shown)} {level} regions have a {measure} value to test in {period} "
            f"(at least {MIN_REGIONS} needed); try a longer period, a coarser level or no "
            "--min-count.")
    if not np.any(shown.to_numpy(dtype=float) != 0):
        raise InvalidInput(
            f"{measure} is zero in every {level} region in {period}"
            f"{' for ' + _split_words(split) if split else ''}: nothing to find. Try "
            "another period or measure (gcrm cube measures).")
    data = _Data()
    data.frame = gpd.GeoDataFrame(joined, geometry="geometry", crs=outlines.crs)
    data.kind = "knn" if kind == "h3" else "queen"
    data.rate = rate
    data.scope = (f"all {len(joined):,} {level} regions holding accounts" if whole else
                  f"only the {len(joined):,} {level} regions holding accounts you may see: "
                  "the statistics compare them with each other, not with the rest of "
                  "the company")
    return data


def _global(tested, rate: bool, w, permutations, random_state, measure) -> dict:
    # For a rate: the Empirical Bayes rate of the events over the base, as the local test.
    base = tested["_base"].to_numpy(dtype=float) if rate else None
    result = dict(global_moran(tested["_count"].to_numpy(dtype=float), w, base=base,
                               permutations=permutations, random_state=random_state))
    result = {k: (float(v) if isinstance(v, (np.floating, float, int)) else v)
              for k, v in result.items()}
    words = PATTERN_WORDS.get(result.get("clustered"), "is " + str(result.get("clustered")))
    result["sentence"] = (f"{measure} {words}: I = {result['I']:.2f}, "
                          f"p = {_p(result['p'])}")
    return result


@contextlib.contextmanager
def _refusals():
    """spatial.stats says what is wrong with a ValueError: a refusal for the person."""
    try:
        yield
    except ValueError as error:
        words = str(error)
        raise InvalidInput(words[:1].upper() + words[1:] + ".") from None


def _p(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else "< 0.001"


def _rate_words(measure: str) -> str:
    count, base = RATES[measure]
    base = "customers at the start of the period" if base == "customers_previous" else base
    return (f"tested as a rate: {count} over {base} (regions with too small a base are "
            "'too few')")


def _split_words(split: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in split.items())


def _months(engine) -> tuple[str, str]:
    found = cube.months(engine=engine)
    if not found:
        return ("none", "none")
    return (f"{found[0]:%Y-%m}", f"{found[-1]:%Y-%m}")
