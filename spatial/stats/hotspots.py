"""Hot spots, cold spots and clusters with honest significance, on PySAL's ``esda``.

``hotspots`` runs Getis-Ord Gi* or Local Moran's I with conditional permutation inference
and a Benjamini-Hochberg false-discovery-rate correction; ``global_moran`` says whether a
measure is clustered at all; ``emerging`` reads hot spots over periods. What this module
adds to ``esda`` is the checks, rates done as rates and a table a person can read.
"""

from __future__ import annotations

import contextlib
import warnings

import esda
import numpy as np
import pandas as pd
from esda.smoothing import Empirical_Bayes
from scipy.stats import false_discovery_control

METHODS = ("gi", "lisa")
MIN_REGIONS = 10
TOO_FEW = "too few"
NOT_SIGNIFICANT = "not significant"
_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def hotspots(values, w, *, base=None, method: str = "gi", permutations: int = 999,
             alpha: float = 0.05, fdr: bool = True, min_base=None,
             random_state=None) -> pd.DataFrame:
    """Where is ``values`` unusually high or low, beyond chance? One row per region, in
    the order of ``values`` (and of the weights ``w``, e.g. from ``region_weights``).

    - ``method="gi"``: Getis-Ord Gi* (``esda.G_Local(star=True)``): a region and its
      neighbours together high ("hot") or low ("cold").
    - ``method="lisa"``: Local Moran's I (``esda.Moran_Local``): "HH" and "LL" clusters,
      "HL" and "LH" outliers (a high region among low neighbours and the reverse).

    ``p`` is the conditional-permutation pseudo p-value (``permutations`` shuffles of the
    other regions' values around each region; the share of shuffles at least as extreme
    in the region's own direction, esda's "directed" p; ``random_state`` makes it
    repeatable);
    ``p_fdr`` is it adjusted for testing every region at once (Benjamini-Hochberg).
    ``significant`` is ``p_fdr <= alpha`` (or ``p <= alpha`` with ``fdr=False``): with
    FDR, at most ``alpha`` of the regions called hot or cold are expected to be so by chance.

    ``base`` (e.g. customers per region) makes ``values`` (e.g. complaints) a rate tested
    as a rate: the Empirical Bayes rate (``esda.smoothing.Empirical_Bayes``), which pulls
    the rate of a region with a small base toward the overall rate, so 3 complaints among
    12 customers is not a hot spot by noise. Regions with ``base < min_base`` (and with no
    base at all) are marked "too few" and get no statistics; they stay in the test with
    their smoothed rate (close to the overall rate, so they neither make nor hide a
    neighbour's hot spot) and are left out of the FDR correction.

    Gi* needs values of 0 or more; Local Moran takes any numbers. The table's index is
    that of ``values`` (or ``base``) when given as a pandas Series.

    Columns: ``value`` (the value tested: the smoothed rate with a base), ``statistic``
    (Gi* z-score, or local Moran's Ii), ``z``, ``p``, ``p_fdr``, ``significant``,
    ``class`` ("hot"/"cold" or "HH"/"LL"/"HL"/"LH", else "not significant" or "too few").

    >>> w, _ = region_weights(counties.geometry)  # doctest: +SKIP
    >>> hotspots(counties.complaints, w, base=counties.customers, min_base=30)  # doctest: +SKIP
    """
    if method not in METHODS:
        raise ValueError(f"method must be 'gi' (Getis-Ord Gi*) or 'lisa' (Local Moran), "
                         f"not {method!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (e.g. 0.05), not {alpha}")
    if int(permutations) < 99:
        raise ValueError(f"permutations must be at least 99 (999 is usual), not {permutations}")
    y = _check_values(values, w)
    n = len(y)
    too_few = np.zeros(n, dtype=bool)
    if base is not None:
        b = _check_base(base, n)
        too_few = b <= 0
        if min_base is not None:
            too_few |= b < min_base
    elif min_base is not None:
        raise ValueError("min_base needs base (the count each region's value is out of)")
    tested = ~too_few
    if tested.sum() < MIN_REGIONS:
        raise ValueError(f"only {int(tested.sum())} regions have a base of at least "
                         f"{min_base}; hot spots need at least {MIN_REGIONS}: lower min_base "
                         "or use a finer level")
    if base is not None:
        y = _eb_rates(y, b)
    if np.ptp(y[tested]) == 0:
        raise ValueError("the rate is the same in every region: nothing to find; "
                         "choose another measure, period or level")
    if method == "gi" and (y < 0).any():
        raise ValueError("Getis-Ord Gi* needs values of 0 or more (counts, amounts, rates); "
                         "for a measure that can be negative (a change, a margin) use "
                         "method='lisa'")
    seed = _seed(random_state)
    with _quiet():
        if method == "gi":
            w.transform = "B"  # binary: G_Local adds a self-weight of 1, then row-standardises
            local = esda.G_Local(y, w, star=True, permutations=int(permutations),
                                 seed=seed, n_jobs=1, keep_simulations=True)
            statistic = np.array(local.Zs, dtype=float)
            # z against the permutations, the null p is of: its sign says in which tail
            # the region lies. The analytic Zs (total randomisation) can disagree where
            # neighbourhoods are small: a region in the low tail with Zs > 0 is cold.
            z = np.array(local.z_sim, dtype=float)
            labels = np.where(z > 0, "hot", "cold")
        else:
            # keep_simulations: z_sim is computed from the simulated values
            local = esda.Moran_Local(y, w, permutations=int(permutations), seed=seed,
                                     n_jobs=1, keep_simulations=True)
            statistic = np.array(local.Is, dtype=float)
            z = np.array(local.z_sim, dtype=float)
            labels = np.array([_QUADRANTS.get(int(q), NOT_SIGNIFICANT) for q in local.q])
    p = np.array(local.p_sim, dtype=float)
    p_fdr = np.full(n, np.nan)
    p_fdr[tested] = false_discovery_control(p[tested], method="bh")
    significant = (p_fdr if fdr else p) <= alpha
    significant &= tested
    classes = np.where(significant, labels, NOT_SIGNIFICANT).astype(object)
    classes[too_few] = TOO_FEW
    for column in (statistic, z, p):
        column[too_few] = np.nan
    return pd.DataFrame({
        "value": y, "statistic": statistic, "z": z, "p": p, "p_fdr": p_fdr,
        "significant": significant, "class": classes,
    }, index=_index(values, base))


def global_moran(values, w, *, base=None, permutations: int = 999, random_state=None,
                 alpha: float = 0.05) -> dict:
    """Is the measure clustered at all (neighbours alike), dispersed (neighbours unlike)
    or spatially random? Global Moran's I (``esda.Moran``, row-standardised weights) with
    its permutation pseudo p-value.

    Returns ``{"I", "expected", "z", "p", "clustered"}`` where ``clustered`` is
    "clustered" (I above its expected value, p <= alpha), "dispersed" (below) or "random".
    With ``base``, ``values`` are event counts and the Empirical Bayes rate is tested, as
    in ``hotspots``.

    >>> global_moran(counties.revenue, w, random_state=7)  # doctest: +SKIP
    {'I': 0.31, 'expected': -0.0003, 'z': 27.4, 'p': 0.001, 'clustered': 'clustered'}
    """
    y = _check_values(values, w)
    if int(permutations) < 99:
        raise ValueError(f"permutations must be at least 99 (999 is usual), not {permutations}")
    if base is not None:
        y = _eb_rates(y, _check_base(base, len(y)))
        if np.ptp(y) == 0:
            raise ValueError("the rate is the same in every region: nothing to find; "
                             "choose another measure, period or level")
    with _numpy_seed(_seed(random_state)), _quiet():
        moran = esda.Moran(y, w, permutations=int(permutations))
    p = float(moran.p_sim)
    if p <= alpha and moran.I > moran.EI:
        verdict = "clustered"
    elif p <= alpha:
        verdict = "dispersed"
    else:
        verdict = "random"
    return {"I": float(moran.I), "expected": float(moran.EI), "z": float(moran.z_sim),
            "p": p, "clustered": verdict}


def emerging(classes_by_period: pd.DataFrame) -> pd.Series:
    """Emerging hot spots from ``hotspots`` classes over time: one column per period,
    oldest to newest, one row per region. Per region: "new" (hot in the newest period and
    not in the one before), "persistent" (hot in the newest period and the one before,
    maybe longer: ``hot_periods`` says how many periods running), "" otherwise.

    >>> classes = pd.DataFrame({"2026-Q2": ["hot", "cold"], "2026-Q3": ["hot", "hot"]})
    >>> emerging(classes)  # doctest: +SKIP
    0    persistent
    1           new
    """
    runs = hot_periods(classes_by_period)
    labels = np.where(runs >= 2, "persistent", np.where(runs == 1, "new", ""))
    return pd.Series(labels, index=classes_by_period.index, name="emerging")


def hot_periods(classes_by_period: pd.DataFrame) -> pd.Series:
    """How many periods running, up to the newest, each region has been "hot" (0 if it is
    not hot now). Columns are periods, oldest to newest."""
    if classes_by_period.shape[1] == 0:
        raise ValueError("emerging hot spots need at least one period (a column per period)")
    hot = classes_by_period.eq("hot").to_numpy()
    runs = np.zeros(len(hot), dtype=int)
    still = np.ones(len(hot), dtype=bool)
    for column in range(hot.shape[1] - 1, -1, -1):
        still &= hot[:, column]
        runs += still
    return pd.Series(runs, index=classes_by_period.index, name="hot_periods")


def _check_values(values, w) -> np.ndarray:
    try:
        y = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as error:
        raise ValueError(f"values must be numbers: {error}") from None
    n = len(y)
    if n < MIN_REGIONS:
        raise ValueError(f"hot spots need at least {MIN_REGIONS} regions, got {n}: "
                         "use a finer level (counties or the H3 grid rather than states)")
    if w.n != n:
        raise ValueError(f"{n} values but the weights have {w.n} regions: build the "
                         "weights from the same regions, in the same order")
    bad = ~np.isfinite(y)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} values are missing or infinite (first at "
                         f"position {int(np.flatnonzero(bad)[0])}): fill them (e.g. 0 for "
                         "no events) or leave those regions out")
    if np.ptp(y) == 0:
        what = "zero" if y[0] == 0 else f"{y[0]:g}"
        raise ValueError(f"the measure is {what} in every region: nothing to find; choose "
                         "another measure, period or level")
    return y


def _check_base(base, n: int) -> np.ndarray:
    b = np.asarray(base, dtype=float).reshape(-1)
    if len(b) != n:
        raise ValueError(f"{n} values but {len(b)} base counts: give one base per region")
    if not np.isfinite(b).all() or (b < 0).any():
        raise ValueError("base counts must be finite and not negative (0 for none)")
    return b


def _eb_rates(events: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Empirical Bayes rates; regions with no base get the overall rate."""
    if (events < 0).any():
        raise ValueError("with a base, values are counts of events and cannot be negative")
    has = base > 0
    if has.sum() < 2:
        raise ValueError("fewer than 2 regions have a base above 0: no rate to test")
    overall = events[has].sum() / base[has].sum()
    # esda's between-region variance of the rates (Marshall's moment estimate): at or
    # below 0 the rates differ no more than chance alone would make them, and esda's
    # weights turn negative (rates below 0). Nothing to find, which is an answer.
    raw = events[has] / base[has]
    between = ((base[has] * (raw - overall) ** 2).sum() / base[has].sum()
               - overall / base[has].mean())
    if between <= 0:
        raise ValueError("the rate differs between regions no more than chance alone would "
                         "make it (Empirical Bayes between-region variance "
                         f"{between:.2g}): nothing to find; try a longer period or a finer "
                         "level")
    rates = np.full(len(events), overall)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rates[has] = np.asarray(Empirical_Bayes(events[has], base[has]).r, dtype=float).reshape(-1)
    return rates


def _index(values, base) -> pd.Index | None:
    """The regions' labels when the values (or the base) come as a pandas Series."""
    for given in (values, base):
        if isinstance(given, pd.Series):
            return given.index
    return None


@contextlib.contextmanager
def _quiet():
    """esda's own notices (a coming change of default, numpy renames, 0/0 on islands)
    are for esda's developers, not for a person reading hot spots."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def _seed(random_state):
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    raise ValueError(f"random_state must be an integer seed or None, not {random_state!r}")


@contextlib.contextmanager
def _numpy_seed(seed):
    """esda.Moran draws from numpy's global generator: seed it, then put it back."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)
