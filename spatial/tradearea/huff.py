"""The Huff gravity model, sparse: the probability that people in each cell (a grid cell,
an H3 cell, a ZIP centroid) use each site, from the sites' attractiveness and distance.

    P_ij = A_j * d_ij ** -decay / sum over the sites j' cell i considers (A_j' * d_ij' ** -decay)

With ``k`` smaller than the number of sites, each cell considers only its k nearest sites
(and with ``max_km`` only those within that distance): this is "Huff over the k nearest
sites", a truncation of the model over all sites, not an approximation reported as exact.
The probabilities still sum to 1 per cell, but a far site's small share is given to the
near ones. ``k=None`` is the exact model over every site.

Distances are great-circle kilometres (mean Earth radius 6,371.0088 km) from 3-D unit
vectors; the k nearest come from a ``scipy.spatial.cKDTree`` on those vectors, whose
straight-line order is the great-circle order.

Over every site (``k=None``, no ``max_km``) every pair is a row, so the result is kept
dense: one cells x sites matrix of probabilities, filled a block of cells at a time in
place (each block's distances in a small buffer that stays in the CPU cache: a distance,
a log, an exp per pair). The flat arrays ``cell``, ``site``, ``probability``,
``distance_km`` (and the distance matrix) are made only when read, and
:func:`market_shares` is one matrix product. Truncated
models (``k`` below the number of sites, or ``max_km``) stay sparse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from spatial.tradearea._geodesy import EARTH_RADIUS_KM, chord_to_km, km_to_chord, unit_vectors

_CHUNK_PAIRS = 250_000  # (cell, site) pairs worked on at once: small, reused buffers


@dataclass(frozen=True, eq=False)
class HuffResult:
    """The Huff probabilities: one row per (cell, considered site), grouped by cell in
    ascending order (within a cell: nearest site first when ``k`` truncates, else by
    site index). Cells with no site within ``max_km`` have no rows.

    cell, site: int64 indices into the cell and site arrays given to :func:`huff`.
    probability: P_ij (sums to 1 over each cell's rows). distance_km: great-circle km.
    With every site considered the result holds one n_cells x n_sites matrix of P
    (:meth:`matrix`); these flat arrays and :meth:`distance_matrix` are made from it and
    the points on first use.
    """

    n_cells: int
    n_sites: int
    rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False)
    # dense: P and the unit vectors of the cells and sites (distances made when asked)
    dense: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def is_dense(self) -> bool:
        """Every (cell, site) pair is held, as matrices."""
        return self.dense is not None

    @cached_property
    def _km(self) -> np.ndarray:
        _, cell_vectors, site_vectors = self.dense
        km = np.empty((self.n_cells, self.n_sites))
        chunk = max(1, _CHUNK_PAIRS // self.n_sites)
        for first in range(0, self.n_cells, chunk):
            _great_circle_km(cell_vectors[first:first + chunk], site_vectors,
                             km[first:first + chunk])
        return km

    @cached_property
    def cell(self) -> np.ndarray:
        if self.dense is None:
            return self.rows[0]
        return np.repeat(np.arange(self.n_cells, dtype=np.int64), self.n_sites)

    @cached_property
    def site(self) -> np.ndarray:
        if self.dense is None:
            return self.rows[1]
        return np.tile(np.arange(self.n_sites, dtype=np.int64), self.n_cells)

    @property
    def probability(self) -> np.ndarray:
        return self.rows[2] if self.dense is None else self.dense[0].ravel()

    @property
    def distance_km(self) -> np.ndarray:
        return self.rows[3] if self.dense is None else self._km.ravel()

    def matrix(self) -> np.ndarray:
        """P as an n_cells x n_sites matrix (0 for pairs a truncated model leaves out);
        the held matrix itself when dense (do not write to it)."""
        if self.dense is not None:
            return self.dense[0]
        out = np.zeros((self.n_cells, self.n_sites))
        out[self.cell, self.site] = self.probability
        return out

    def distance_matrix(self) -> np.ndarray:
        """Great-circle km as an n_cells x n_sites matrix (inf for pairs left out)."""
        if self.dense is not None:
            return self._km
        out = np.full((self.n_cells, self.n_sites), np.inf)
        out[self.cell, self.site] = self.distance_km
        return out

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame: ``cell``, ``site``, ``probability``, ``distance_km``."""
        return pd.DataFrame({"cell": self.cell, "site": self.site,
                             "probability": self.probability,
                             "distance_km": self.distance_km})


@dataclass(frozen=True)
class Calibration:
    """A fitted distance decay.

    decay: the maximum-likelihood exponent. log_likelihood: at that decay (the sum over
    flows of count * log P). n_flows: observed (cell, site) pairs with a positive count
    used in the fit. n_customers: the sum of their counts. n_outside: flows (pairs) to a
    site outside the cell's k nearest (or beyond ``max_km``), left out of the fit.
    at_bound: the estimate is at (within 1e-3 of) a bound, so the best decay may lie
    beyond it.
    """

    decay: float
    log_likelihood: float
    n_flows: int
    n_customers: float
    n_outside: int
    at_bound: bool


def huff(cells_lon, cells_lat, sites_lon, sites_lat, attractiveness, *,
         decay: float = 2.0, k: int | None = 10, max_km: float | None = None,
         min_km: float = 0.1) -> HuffResult:
    """The Huff probabilities P_ij of each cell i using each site j it considers.

    Parameters
    ----------
    cells_lon, cells_lat : array-like
        Cell points in degrees (EPSG:4326).
    sites_lon, sites_lat, attractiveness : array-like
        Site points in degrees and their attractiveness A_j (> 0: floor space, a score...).
    decay : float
        The distance-decay exponent (>= 0); 2 is the classic gravity value.
    k : int or None
        Sites each cell considers, nearest first; None (or >= the number of sites): all.
    max_km : float, optional
        Consider only sites within this many km; cells with none get no rows.
    min_km : float
        Distances are floored here, so a cell on top of a site is not a division by zero.

    Returns
    -------
    HuffResult
        Flat arrays ``cell``, ``site``, ``probability``, ``distance_km`` and the counts
        ``n_cells``, ``n_sites``. With ``k`` < the number of sites this is "Huff over the
        k nearest sites" (a truncation: see the module notes).

    Raises ValueError for arrays of different lengths, non-finite or out-of-range
    coordinates, no sites, attractiveness <= 0, and parameters out of range.

    Examples
    --------
    >>> result = huff(cells.x, cells.y, stores.x, stores.y, stores.sqft, k=10)  # doctest: +SKIP
    >>> market_shares(result, cells.population.to_numpy())  # doctest: +SKIP
    """
    cells_lon, cells_lat = _points(cells_lon, cells_lat, "cells")
    sites_lon, sites_lat = _points(sites_lon, sites_lat, "sites")
    log_a = _log_attractiveness(attractiveness, len(sites_lon))
    _check_model(decay, k, max_km, min_km)
    n_cells, n_sites = len(cells_lon), len(sites_lon)
    if max_km is None and (k is None or k >= n_sites):
        return _dense_huff(unit_vectors(cells_lon, cells_lat),
                           unit_vectors(sites_lon, sites_lat), log_a, decay, min_km)
    capacity = n_cells * (n_sites if k is None else min(int(k), n_sites))
    cell = np.empty(capacity, dtype=np.int64)
    site = np.empty(capacity, dtype=np.int64)
    probability = np.empty(capacity)
    distance_km = np.empty(capacity)
    filled = 0
    for first, near, km, valid in _considered(unit_vectors(cells_lon, cells_lat),
                                              unit_vectors(sites_lon, sites_lat), k, max_km):
        with np.errstate(invalid="ignore"):  # inf * 0 where a cell has fewer sites
            utility = np.log(np.maximum(km, min_km))
            utility *= -decay
            utility += log_a[near]
        share = _normalise(utility, valid)
        rows = np.arange(first, first + len(near))
        if valid.all():
            taken = slice(filled, filled + near.size)
            cell[taken] = np.repeat(rows, near.shape[1])
            site[taken], probability[taken], distance_km[taken] = (near.ravel(),
                                                                   share.ravel(), km.ravel())
        else:
            taken = slice(filled, filled + int(valid.sum()))
            cell[taken] = np.broadcast_to(rows[:, None], near.shape)[valid]
            site[taken], probability[taken], distance_km[taken] = (near[valid], share[valid],
                                                                   km[valid])
        filled = taken.stop
    if filled < capacity:  # cells beyond max_km: keep only what was filled
        cell, site = cell[:filled].copy(), site[:filled].copy()
        probability, distance_km = probability[:filled].copy(), distance_km[:filled].copy()
    return HuffResult(n_cells=n_cells, n_sites=n_sites,
                      rows=(cell, site, probability, distance_km))


def market_shares(result: HuffResult, demand) -> pd.DataFrame:
    """Expected demand and market share of each site.

    demand: one non-negative number per cell (people, households, spending).

    Returns a DataFrame indexed by site index (0 .. n_sites - 1, named ``site``) with
    ``expected`` (sum over cells of demand_i * P_ij) and ``share`` (expected / the demand
    of the cells that have any site; the shares sum to 1, or are all 0 when that demand
    is 0). ``attrs`` holds ``covered_demand`` (the demand of cells with a site) and
    ``total_demand``: with ``max_km`` some demand may be beyond every site.
    """
    demand = np.asarray(demand, dtype=float).ravel()
    if len(demand) != result.n_cells:
        raise ValueError(f"demand has {len(demand):,} values for {result.n_cells:,} cells; "
                         "give one per cell, in the cells' order")
    if not np.isfinite(demand).all() or (demand < 0).any():
        raise ValueError("demand must be non-negative finite numbers (one per cell)")
    if result.is_dense:  # every cell has every site
        expected = demand @ result.matrix()
        covered = np.ones(result.n_cells, dtype=bool)
    else:
        expected = np.bincount(result.site, weights=demand[result.cell] * result.probability,
                               minlength=result.n_sites)
        covered = np.zeros(result.n_cells, dtype=bool)
        covered[result.cell] = True
    covered_demand = float(demand[covered].sum())
    share = expected / covered_demand if covered_demand > 0 else np.zeros(result.n_sites)
    frame = pd.DataFrame({"expected": expected, "share": share},
                         index=pd.RangeIndex(result.n_sites, name="site"))
    frame.attrs.update(covered_demand=covered_demand, total_demand=float(demand.sum()))
    return frame


def calibrate_decay(flows: pd.DataFrame, cells_lon, cells_lat, sites_lon, sites_lat,
                    attractiveness, *, k: int | None = None, max_km: float | None = None,
                    min_km: float = 0.1, bounds: tuple[float, float] = (0.1, 5.0)
                    ) -> Calibration:
    """The distance-decay exponent that makes observed patronage most likely.

    flows: a DataFrame with ``cell`` and ``site`` (indices into the cell and site arrays)
    and ``count`` (customers in that cell using that site; repeated pairs are added up).
    Each customer is a draw from the Huff model of their cell, so the log-likelihood is
    sum of count_ij * log P_ij(decay), maximised over ``bounds`` with
    ``scipy.optimize.minimize_scalar(method="bounded")``. ``k``, ``max_km`` and
    ``min_km`` define the model as in :func:`huff` (use the values you will run it with).

    Flows to a site outside their cell's considered set (beyond the k nearest or
    ``max_km``) are left out of the fit and counted in ``n_outside`` (0 with the default
    ``k=None``). The truncated model is the full model conditioned on the customer
    choosing among the considered sites, a set that does not depend on the decay, so the
    estimate from the remaining flows is still consistent. (Adding an observed far site
    to its cell's choice set instead would pick choice sets by outcome and drag the decay
    down.) Many such flows mean k or max_km is too tight for how people shop.

    Returns a :class:`Calibration`. Raises ValueError when there are no flows (or all
    counts are 0), for missing columns, indices out of range, and negative counts.
    """
    cells_lon, cells_lat = _points(cells_lon, cells_lat, "cells")
    sites_lon, sites_lat = _points(sites_lon, sites_lat, "sites")
    log_a = _log_attractiveness(attractiveness, len(sites_lon))
    _check_model(1.0, k, max_km, min_km)
    low, high = (float(b) for b in bounds)
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low < high):
        raise ValueError(f"bounds must be two finite numbers 0 <= low < high; got {bounds}")
    cell, site, count = _flows(flows, len(cells_lon), len(sites_lon))
    n_sites = len(sites_lon)

    # the choice set of each observed cell: the sites it considers
    used = np.unique(cell)
    found = [(used[first + np.nonzero(valid)[0]], near[valid], km[valid])
             for first, near, km, valid in _considered(
                 unit_vectors(cells_lon[used], cells_lat[used]),
                 unit_vectors(sites_lon, sites_lat), k, max_km)]
    set_cell, set_site, set_km = (np.concatenate([f[i] for f in found]) for i in range(3))
    key = set_cell * n_sites + set_site
    order = np.argsort(key, kind="stable")  # grouped by cell, then by site
    set_cell, set_site, set_km, key = set_cell[order], set_site[order], set_km[order], key[order]
    flow_key = cell * n_sites + site
    inside = np.isin(flow_key, key)
    if not inside.any():
        raise ValueError(f"none of the {len(count):,} flows goes to a site its cell considers "
                         f"(k={k}, max_km={max_km}): widen k or max_km")
    n_outside = int((~inside).sum())
    flow_key, count = flow_key[inside], count[inside]
    starts = np.flatnonzero(np.r_[True, set_cell[1:] != set_cell[:-1]])
    group = np.cumsum(np.r_[False, set_cell[1:] != set_cell[:-1]])
    at = np.searchsorted(key, flow_key)  # each flow's row in the choice sets
    log_a_set, log_d = log_a[set_site], np.log(np.maximum(set_km, min_km))

    def log_likelihood(beta: float) -> float:
        utility = log_a_set - beta * log_d
        top = np.maximum.reduceat(utility, starts)
        log_sum = top + np.log(np.add.reduceat(np.exp(utility - top[group]), starts))
        return float(np.sum(count * (utility[at] - log_sum[group[at]])))

    best = minimize_scalar(lambda beta: -log_likelihood(beta), bounds=(low, high),
                           method="bounded", options={"xatol": 1e-6})
    decay = float(best.x)
    return Calibration(decay=decay, log_likelihood=log_likelihood(decay),
                       n_flows=len(count), n_customers=float(count.sum()),
                       n_outside=n_outside,
                       at_bound=bool(min(decay - low, high - decay) < 1e-3))


def _dense_huff(cell_vectors: np.ndarray, site_vectors: np.ndarray, log_a: np.ndarray,
                decay: float, min_km: float) -> HuffResult:
    """Huff over every site as one matrix P, filled a block of cells at a time in place:
    km (into a small reused buffer), then log-utility and a row-wise softmax. The
    distances are made again only if they are asked for."""
    n_cells, n_sites = len(cell_vectors), len(site_vectors)
    probability = np.empty((n_cells, n_sites))
    chunk = max(1, _CHUNK_PAIRS // n_sites)
    km = np.empty((min(chunk, n_cells), n_sites))
    for first in range(0, n_cells, chunk):
        block = cell_vectors[first:first + chunk]
        d = _great_circle_km(block, site_vectors, km[:len(block)])
        utility = probability[first:first + chunk]
        np.maximum(d, min_km, out=utility)
        np.log(utility, out=utility)
        utility *= -decay
        utility += log_a
        _normalise(utility, _ALL)
    return HuffResult(n_cells=n_cells, n_sites=n_sites,
                      dense=(probability, cell_vectors, site_vectors))


def _great_circle_km(cell_vectors: np.ndarray, site_vectors: np.ndarray,
                     out: np.ndarray) -> np.ndarray:
    """Great-circle km between every cell and site, into ``out`` (chord, then arcsin)."""
    cdist(cell_vectors, site_vectors, out=out)
    np.multiply(out, 0.5, out=out)
    np.minimum(out, 1.0, out=out)
    np.arcsin(out, out=out)
    np.multiply(out, 2 * EARTH_RADIUS_KM, out=out)
    return out


def _considered(cell_vectors: np.ndarray, site_vectors: np.ndarray, k: int | None,
                max_km: float | None):
    """Yield (first cell, site, km, valid) per chunk of cells: m x kk arrays of each
    cell's considered sites (all sites, or the k nearest by a k-d tree) and whether each
    counts (within ``max_km``)."""
    n_sites = len(site_vectors)
    kk = n_sites if k is None else min(int(k), n_sites)
    chunk = max(1, _CHUNK_PAIRS // kk)
    tree = cKDTree(site_vectors) if kk < n_sites else None
    bound = np.inf if max_km is None else km_to_chord(max_km) * (1 + 1e-9) + 1e-12
    for first in range(0, len(cell_vectors), chunk):
        block = cell_vectors[first:first + chunk]
        if tree is None:
            chord = cdist(block, site_vectors)
            site = np.broadcast_to(np.arange(n_sites), chord.shape)
        else:
            chord, site = tree.query(block, k=kk, distance_upper_bound=bound)
            chord, site = chord.reshape(len(block), kk), site.reshape(len(block), kk)
        valid = site < n_sites  # the tree marks "no more sites within the bound" with n
        km = chord_to_km(chord)
        if max_km is not None:
            valid &= km <= max_km
        if not valid.all():
            km[~valid] = np.inf
            site = np.where(valid, site, 0)
        yield first, site, km, valid


_ALL = np.ones(1, dtype=bool)  # "every entry is valid", for _normalise


def _normalise(utility: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``utility`` over the valid entries (log-space, no overflow),
    in place when every entry is valid."""
    if not valid.all():
        utility = np.where(valid, utility, -np.inf)
    top = utility.max(axis=1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    utility -= top
    weight = np.exp(utility, out=utility)
    total = weight.sum(axis=1, keepdims=True)
    return np.divide(weight, total, out=weight, where=total > 0)


def _points(lon, lat, what: str) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float).ravel()
    lat = np.asarray(lat, dtype=float).ravel()
    if len(lon) != len(lat):
        raise ValueError(f"the {what} have {len(lon):,} longitudes but {len(lat):,} latitudes")
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise ValueError(f"the {what} have coordinates that are not finite numbers")
    if (np.abs(lat) > 90).any():
        raise ValueError(f"the {what} have latitudes beyond +-90 degrees: are longitude and "
                         "latitude swapped?")
    if what == "sites" and len(lon) == 0:
        raise ValueError("the Huff model needs at least one site")
    return lon, lat


def _log_attractiveness(attractiveness, n_sites: int) -> np.ndarray:
    values = np.asarray(attractiveness, dtype=float).ravel()
    if len(values) != n_sites:
        raise ValueError(f"attractiveness has {len(values):,} values for {n_sites:,} sites; "
                         "give one per site")
    bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)))
    if len(bad):
        raise ValueError(f"attractiveness must be positive; site index "
                         f"{', '.join(map(str, bad[:5]))} has {values[bad[0]]:g}: leave out "
                         "sites that should attract no one")
    return np.log(values)


def _check_model(decay: float, k, max_km, min_km: float) -> None:
    if not (np.isfinite(decay) and decay >= 0):
        raise ValueError(f"decay must be a non-negative number (2 is classic); got {decay}")
    if k is not None and (int(k) != k or k < 1):
        raise ValueError(f"k (sites each cell considers) must be a whole number >= 1 or None "
                         f"for all sites; got {k}")
    if max_km is not None and not (np.isfinite(max_km) and max_km > 0):
        raise ValueError(f"max_km must be a positive number of km or None; got {max_km}")
    if not (np.isfinite(min_km) and min_km > 0):
        raise ValueError(f"min_km must be a positive number of km; got {min_km}")


def _flows(flows: pd.DataFrame, n_cells: int, n_sites: int):
    """Flows as (cell, site, count) arrays, zero counts dropped, repeated pairs added."""
    if not isinstance(flows, pd.DataFrame):
        raise ValueError("flows must be a DataFrame with columns cell, site, count")
    missing = [c for c in ("cell", "site", "count") if c not in flows.columns]
    if missing:
        raise ValueError(f"flows need the columns cell, site, count; missing "
                         f"{', '.join(missing)}")
    try:
        cell = flows["cell"].to_numpy(dtype=float)
        site = flows["site"].to_numpy(dtype=float)
        count = flows["count"].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError("flows' cell, site and count must be numbers") from None
    for name, values, n in (("cell", cell, n_cells), ("site", site, n_sites)):
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values >= n)
        if bad.any():
            raise ValueError(f"flows' {name} must be indices 0..{n - 1}; "
                             f"{int(bad.sum()):,} rows are not")
    if not np.isfinite(count).all() or (count < 0).any():
        raise ValueError("flows' count must be non-negative numbers")
    keep = count > 0
    if not keep.any():
        raise ValueError("there are no flows (no cell has a customer of any site): nothing "
                         "to calibrate the distance decay from")
    key = cell[keep].astype(np.int64) * n_sites + site[keep].astype(np.int64)
    unique, inverse = np.unique(key, return_inverse=True)
    return unique // n_sites, unique % n_sites, np.bincount(inverse, weights=count[keep])
