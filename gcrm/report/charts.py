"""The report's monthly series: the measure by month, the report's period shaded."""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from gcrm.cube.definitions import MEASURES
from gcrm.report import format as fmt
from gcrm.report.content import Page

LINE = "#2c7fb8"


def draw(ax: Axes, page: Page) -> None:
    series = page.series.dropna(subset=[page.measure])
    ax.set_title(f"{fmt.label(page.measure)} by month", loc="left", fontsize=10,
                 fontweight="bold")
    ax.text(1.0, 1.02, f"shaded: {page.period}", transform=ax.transAxes, ha="right",
            va="bottom", fontsize=7, color="#6b6b6b")
    if series.empty:
        ax.set_axis_off()
        empty = (f"{fmt.label(page.measure)} are counted as they are now: no month by month."
                 if MEASURES[page.measure].timeless else "No months with data.")
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes,
                color="#555555")
        return
    months = pd.PeriodIndex(series["month"], freq="M").to_timestamp()
    values = series[page.measure].astype(float).to_numpy()
    ax.plot(months, values, color=LINE, linewidth=1.6, marker="o", markersize=2.5)
    first, last = (pd.Timestamp(m) for m in page.months)
    ax.axvspan(first - pd.Timedelta(days=15), last + pd.Timedelta(days=15),
               color="#fdd49e", alpha=0.5, linewidth=0)
    ax.yaxis.set_major_locator(MaxNLocator(5, integer=page.unit in fmt.COUNTS))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, page.unit)))
    ax.set_ylim(bottom=0 if values.min() >= 0 else None)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _tick(value: float, unit: str) -> str:
    if unit == "currency":
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"${value / size:,.{0 if value % size == 0 else 1}f}{suffix}"
        return f"${value:,.0f}"
    if unit == "share":
        return f"{value:.1%}"
    return fmt.value(value, unit)
