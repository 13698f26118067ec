"""One report page as a matplotlib Figure (A4 landscape): title, KPI cards, the map with
its legend, the monthly series, the top and bottom sub-regions, and a footer saying where
the figures come from and for whom."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from gcrm.report import charts, maps
from gcrm.report import format as fmt
from gcrm.report.content import Kpi, Page

A4_LANDSCAPE = (297 / 25.4, 210 / 25.4)  # inches
# A rise of these is bad news: their change prints red when it goes up.
WORSE_WHEN_UP = {"churn_rate", "churned_customers", "complaints", "service_cases",
                 "median_resolution_hours"}
GOOD, BAD, FLAT, INK, MUTED = "#1a7f37", "#b42318", "#555555", "#1f1f1f", "#6b6b6b"
RANKED = 5  # top and bottom sub-regions listed


@dataclass(frozen=True)
class Footer:
    """Who the report is for and where its figures come from."""

    user: str
    generated: str  # '2026-12-06 20:45 UTC'
    source: str  # 'regional cube built 2026-12-06 20:23 UTC'


def figure(page: Page, footer: Footer, *, number: int = 1, of: int = 1,
           base: gpd.GeoDataFrame | None = None) -> Figure:
    """``page`` drawn on a new A4 landscape figure (no pyplot: no global state)."""
    fig = Figure(figsize=A4_LANDSCAPE)
    _header(fig, page)
    _cards(fig, page.kpis, page.previous_label)
    by = page.sub_level or page.region.level
    fig.text(0.035, 0.655, f"{fmt.label(page.measure)} by {by}, {page.period}",
             fontsize=10, fontweight="bold", color=INK)
    maps.draw(fig.add_axes((0.035, 0.065, 0.44, 0.575)), page, base)
    charts.draw(fig.add_axes((0.71, 0.435, 0.255, 0.205)), page)
    _ranking(fig, page)
    _footer(fig, footer, number, of)
    return fig


def _header(fig: Figure, page: Page) -> None:
    region = page.region
    fig.text(0.035, 0.945, region.name, fontsize=22, fontweight="bold", color=INK, va="top")
    fig.text(0.035, 0.885,
             f"{region.level.capitalize()} {region.code}  ·  {page.period_label}  ·  "
             f"compared with {page.previous_label}", fontsize=10.5, color=MUTED, va="top")
    fig.text(0.965, 0.945, "Regional report", fontsize=11, color=MUTED, va="top", ha="right")
    fig.add_artist(_rule(0.855))


def _rule(y: float):
    from matplotlib.lines import Line2D

    return Line2D([0.035, 0.965], [y, y], color="#d0d0d0", linewidth=0.8)


def _cards(fig: Figure, kpis: tuple[Kpi, ...], previous: str) -> None:
    n = len(kpis)
    left, right, gap, bottom, height = 0.035, 0.965, 0.008, 0.70, 0.135
    width = (right - left - gap * (n - 1)) / n
    for i, kpi in enumerate(kpis):
        x = left + i * (width + gap)
        fig.add_artist(FancyBboxPatch((x, bottom), width, height,
                                      boxstyle="round,pad=0,rounding_size=0.006",
                                      facecolor="#f5f7fa", edgecolor="#d9dee5",
                                      linewidth=0.8, transform=fig.transFigure))
        cx = x + 0.008
        fig.text(cx, bottom + height - 0.018, fmt.label(kpi.measure), fontsize=8.5,
                 color=MUTED, va="top")
        fig.text(cx, bottom + height * 0.48, fmt.value(kpi.value, kpi.unit), fontsize=15,
                 fontweight="bold", color=INK, va="center")
        change = fmt.change(kpi.value, kpi.previous, kpi.unit)
        direction = fmt.direction(kpi.value, kpi.previous, kpi.unit)
        if change is None:
            text, color = "no earlier figure", MUTED
        else:
            arrow = {1: "▲", -1: "▼", 0: "■"}[direction]
            worse = direction * (-1 if kpi.measure in WORSE_WHEN_UP else 1)
            color = {1: GOOD, -1: BAD, 0: FLAT}[worse]
            text = f"{arrow} {change}"
        fig.text(cx, bottom + 0.03, text, fontsize=8.5, color=color, va="center")
        if not fmt.is_missing(kpi.previous):
            fig.text(cx, bottom + 0.012, f"vs {fmt.value(kpi.previous, kpi.unit)}",
                     fontsize=7, color=MUTED, va="center")


def _ranking(fig: Figure, page: Page) -> None:
    known = page.areas.dropna(subset=[page.measure]).sort_values(
        [page.measure, "name"], ascending=[False, True])
    by = page.sub_level or page.region.level
    x, y = 0.665, 0.355
    if page.sub_level is None or known.empty:
        fig.text(x, y, f"{page.region.name} is at the finest level: no areas below it to "
                 "rank." if page.sub_level is None else "No areas with data to rank.",
                 fontsize=9, color=MUTED, va="top")
        return
    n = min(RANKED, (len(known) + 1) // 2)
    top = known.head(n)
    bottom = known.tail(min(RANKED, len(known) - n)).iloc[::-1]
    y = _table(fig, x, y, f"Top {len(top)} of {len(known)} by {by}", top, page)
    if len(bottom):
        _table(fig, x, y - 0.012, f"Bottom {len(bottom)}", bottom, page)


def _table(fig: Figure, x: float, y: float, title: str, rows, page: Page) -> float:
    """Rows of name, value and change from ``y`` down; returns where the next begins."""
    fig.text(x, y, title, fontsize=10, fontweight="bold", color=INK, va="top")
    fig.text(x + 0.30, y, "change", fontsize=7, color=MUTED, va="top", ha="right")
    y -= 0.03
    for row in rows.itertuples():
        name = str(row.name)
        name = name if len(name) <= 30 else name[:29] + "…"
        value = getattr(row, page.measure)
        previous = getattr(row, f"{page.measure}_previous")
        fig.text(x, y, name, fontsize=8.5, color=INK, va="top")
        fig.text(x + 0.225, y, fmt.value(value, page.unit), fontsize=8.5, color=INK,
                 ha="right", va="top")
        fig.text(x + 0.30, y, fmt.change(value, previous, page.unit) or "–", fontsize=8,
                 color=MUTED, ha="right", va="top")
        y -= 0.021
    return y


def _footer(fig: Figure, footer: Footer, number: int, of: int) -> None:
    fig.add_artist(_rule(0.045))
    fig.text(0.035, 0.022, f"gcrm · {footer.source} · figures as {footer.user} may see "
             f"them (row-level security) · generated {footer.generated}",
             fontsize=7, color=MUTED)
    fig.text(0.965, 0.022, f"Page {number} of {of}", fontsize=7, color=MUTED, ha="right")
