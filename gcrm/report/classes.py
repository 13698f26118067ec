"""Legend classes for the report's choropleth: mapclassify breaks rounded up to round
numbers (whole numbers for counts), each class labelled with its formatted range."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gcrm.report import format as fmt

NO_DATA = "#d9d9d9"
SCHEMES = {"quantiles": "Quantiles", "natural_breaks": "NaturalBreaks",
           "equal_interval": "EqualInterval"}


@dataclass(frozen=True)
class Classes:
    """Upper bounds (a value belongs to the first class whose bound it does not exceed),
    their labels and colours."""

    bounds: tuple[float, ...]
    labels: tuple[str, ...]
    colors: tuple[str, ...]

    def color(self, number) -> str:
        if fmt.is_missing(number):
            return NO_DATA
        for bound, color in zip(self.bounds, self.colors, strict=True):
            if float(number) <= bound:
                return color
        return self.colors[-1]


def classify(values: pd.Series, *, unit: str, k: int = 5, scheme: str = "quantiles",
             cmap: str = "YlGnBu") -> Classes:
    """Up to ``k`` classes of ``values``.

    >>> classify(pd.Series([3, 7, 12, 250, 251]), unit="customers", k=2).labels
    ('3 – 12', '13 – 260')
    """
    if scheme not in SCHEMES:
        raise ValueError(f"Unknown classification {scheme!r}; choose from "
                         f"{', '.join(SCHEMES)}.")
    import mapclassify
    from matplotlib import colormaps

    known = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    distinct = np.unique(known)
    if len(distinct) == 0:
        return Classes((), (), ())
    k = max(1, min(k, len(distinct)))
    with warnings.catch_warnings():  # fewer distinct values than classes: fewer classes
        warnings.simplefilter("ignore", UserWarning)
        bins = ([distinct[-1]] if k == 1
                else getattr(mapclassify, SCHEMES[scheme])(known, k=k).bins)
    bounds = tuple(dict.fromkeys(_round_up(float(b), unit) for b in bins))
    ramp = colormaps[cmap]
    colors = tuple(_hex(ramp(x)) for x in
                   (np.linspace(0.15, 0.9, len(bounds)) if len(bounds) > 1 else [0.55]))
    return Classes(bounds, _labels(bounds, float(distinct[0]), unit), colors)


def _round_up(number: float, unit: str) -> float:
    """``number`` rounded up to two significant digits (a whole number for counts and
    money; a tenth of a percentage point for shares)."""
    if number == 0:
        return 0.0
    if unit == "share":
        step = 10 ** (math.floor(math.log10(abs(number))) - 1)
        step = max(step, 0.001)
        return round(math.ceil(round(number / step, 9)) * step, 6)
    whole = unit in fmt.COUNTS or unit == "currency"
    step = 10 ** (math.floor(math.log10(abs(number))) - 1)
    if whole:
        step = max(step, 1)
    rounded = math.ceil(round(number / step, 9)) * step
    return float(round(rounded)) if whole else float(round(rounded, 6))


def _labels(bounds: tuple[float, ...], low: float, unit: str) -> tuple[str, ...]:
    labels, start = [], low
    for bound in bounds:
        low, high = fmt.value(start, unit), fmt.value(bound, unit)
        labels.append(high if low == high else f"{low} – {high}")
        if unit in fmt.COUNTS:
            start = bound + 1  # whole-number steps: 0 – 12, 13 – 260
        elif unit == "currency" and bound >= 1000:
            start = bound + 1
        else:
            start = bound
    return tuple(labels)


def _hex(rgba) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in rgba[:3]))
