"""Shared widgets of the pages: KPI cards, the map view around st_folium, breadcrumbs."""

from __future__ import annotations

from dataclasses import dataclass

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboards.maps import format_value

# A rise of these is bad news: their change shows red when it goes up.
WORSE_WHEN_UP = {"churn_rate", "churned_customers", "complaints", "service_cases",
                 "median_resolution_hours"}


@dataclass(frozen=True)
class Click:
    """What the user clicked on a map: a region's code and name."""

    code: str
    name: str


def kpi_cards(row: pd.Series, catalogue: pd.DataFrame, measures: tuple[str, ...]) -> None:
    """One card per measure: the value and its change against the previous period."""
    units = catalogue.set_index("name")["unit"]
    for column, measure in zip(st.columns(len(measures)), measures, strict=True):
        value = row.get(measure)
        change = row.get(f"{measure}_change")
        delta = None if change is None or pd.isna(change) else f"{change:+.1%}"
        column.metric(measure.replace("_", " ").capitalize(),
                      format_value(value, units[measure]), delta=delta,
                      delta_color="inverse" if measure in WORSE_WHEN_UP else "normal",
                      help="Change against the previous period of the same length.")


def map_view(m: folium.Map, *, key: str, height: int = 520) -> Click | None:
    """Show ``m``; return the region the user clicked, if any. Only clicks come back to
    the server (panning and zooming do not rerun the page)."""
    output = st_folium(m, key=key, height=height, use_container_width=True,
                       returned_objects=["last_active_drawing"])
    feature = (output or {}).get("last_active_drawing") or {}
    properties = feature.get("properties") or {}
    if "code" not in properties:
        return None
    return Click(str(properties["code"]), str(properties.get("name") or properties["code"]))
