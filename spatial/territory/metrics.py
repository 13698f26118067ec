"""How good a territory plan is: workload against target, balance, compactness,
contiguity, distance to the rep's home, and accounts moved against a current plan."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

from spatial.territory.graph import is_connected


def plan_metrics(labels, workloads: pd.DataFrame, *, geometries=None, neighbours=None,
                 centroids=None, homes=None, capacities=None, current=None,
                 accounts=None) -> tuple[pd.DataFrame, dict]:
    """Per territory and for the whole plan.

    labels: territory per area. workloads: one column per workload (accounts, revenue...).
    geometries: area polygons in a projected CRS (for Polsby-Popper compactness).
    neighbours: adjacency lists (for contiguity). centroids, homes: projected points (for
    distance to home, in km). capacities: relative capacities (targets follow them).
    current, accounts: the current label and the accounts per area (for accounts moved).

    Returns (table, summary): the table has per territory ``areas``, each workload, its
    ``<col>_target`` and ``<col>_deviation`` (relative), ``polsby_popper``, ``contiguous``,
    ``mean_km_to_home``; the summary ``max_imbalance`` (largest |deviation| over
    territories and workloads), ``mean_polsby_popper``, ``min_polsby_popper``,
    ``contiguous`` (all), ``mean_km_to_home`` (workload-weighted), ``accounts_moved``.
    """
    labels = np.asarray(labels)
    k = int(labels.max()) + 1 if len(labels) else 0
    if capacities is not None:
        k = max(k, len(capacities))
    share = (np.ones(k) if capacities is None else np.asarray(capacities, float))
    share = share / share.sum()
    table = pd.DataFrame({"territory": np.arange(k),
                          "areas": np.bincount(labels, minlength=k)})
    summary: dict = {"territories": k}
    worst = 0.0
    for column in workloads.columns:
        values = workloads[column].to_numpy(dtype=float)
        load = np.bincount(labels, weights=values, minlength=k)
        target = share * values.sum()
        deviation = np.divide(load - target, target, out=np.zeros(k), where=target > 0)
        table[column] = load
        table[f"{column}_target"] = target
        table[f"{column}_deviation"] = deviation
        worst = max(worst, float(np.abs(deviation).max()))
    summary["max_imbalance"] = worst
    if geometries is not None:
        geoms = np.asarray(geometries, dtype=object)
        pp = []
        for t in range(k):
            shape = shapely.union_all(geoms[labels == t])
            perimeter = shapely.length(shape)
            pp.append(4 * math.pi * shapely.area(shape) / perimeter ** 2 if perimeter else 0.0)
        table["polsby_popper"] = pp
        summary["mean_polsby_popper"] = float(np.mean(pp))
        summary["min_polsby_popper"] = float(np.min(pp))
    if neighbours is not None:
        table["contiguous"] = [is_connected(np.flatnonzero(labels == t), neighbours)
                               for t in range(k)]
        summary["contiguous"] = bool(table["contiguous"].all())
    if homes is not None and centroids is not None:
        xy, homes = np.asarray(centroids, float), np.asarray(homes, float)
        km = np.hypot(*(xy - homes[labels]).T) / 1000
        weight = workloads.iloc[:, 0].to_numpy(dtype=float)
        table["mean_km_to_home"] = [
            float(np.average(km[labels == t], weights=weight[labels == t]))
            if weight[labels == t].sum() > 0 else float(km[labels == t].mean())
            for t in range(k)]
        summary["mean_km_to_home"] = float(np.average(km, weights=weight)) \
            if weight.sum() > 0 else float(km.mean())
    if current is not None:
        counts = np.ones(len(labels)) if accounts is None else np.asarray(accounts, float)
        summary["accounts_moved"] = float(counts[np.asarray(current) != labels].sum())
    return table, summary
