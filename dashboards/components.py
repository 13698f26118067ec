"""Shared widgets of the pages: KPI cards, the map view around st_folium, breadcrumbs."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboards import formatting

# A rise of these is bad news: their change shows red when it goes up.
WORSE_WHEN_UP = {"churn_rate", "churned_customers", "complaints", "service_cases",
                 "median_resolution_hours"}


@dataclass(frozen=True)
class Moved:
    """Where the user left a viewport map (bounds snapped to a grid, so nearby views share
    a cache entry), the account they clicked, or the counted cell they clicked (its
    point, to zoom into)."""

    bounds: tuple[float, float, float, float]  # west, south, east, north
    zoom: int
    center: tuple[float, float]
    account_id: int | None = None
    cell: tuple[float, float] | None = None  # lat, lon of a cluster clicked


@dataclass(frozen=True)
class Click:
    """What the user clicked on a map: a region's code and name."""

    code: str
    name: str


def url_selectbox(container, label: str, options: list, *, key: str, param: str, default,
                  **kwargs):
    """A selectbox whose value lives in session state under ``key`` and in the URL's
    ``param``. Bound to session state, the widget keeps one identity across reruns, so a
    choice is never lost to a run that was already under way (an unkeyed box whose
    ``index`` follows the URL is a new widget each time the URL changes, and the old one
    can answer a click); the URL still opens a shared link on the same view."""
    wanted = st.query_params.get(param)
    written = st.session_state.get(f"{key}__url")
    if st.session_state.get(key) not in options or (wanted in options and wanted != written):
        st.session_state[key] = wanted if wanted in options else default
    value = container.selectbox(label, options, key=key, **kwargs)
    st.query_params[param] = value
    st.session_state[f"{key}__url"] = value
    return value


def kpi_cards(row: pd.Series, catalogue: pd.DataFrame, measures: tuple[str, ...]) -> None:
    """One card per measure: the value in full ($4,008,743; 1,446) and its change against
    the previous period (a rate's in percentage points). The cards take the width their
    figures need and wrap onto a second row on a narrow screen: never cut short."""
    units = catalogue.set_index("name")["unit"]
    with st.container(horizontal=True, gap="medium", key="kpi-cards"):
        for measure in measures:
            unit = units[measure]
            delta = formatting.change(row.get(measure), row.get(f"{measure}_previous"), unit)
            flat = formatting.is_flat(delta)
            st.metric(formatting.label(measure), formatting.value(row.get(measure), unit),
                      delta=delta, width="content", delta_arrow="off" if flat else "auto",
                      delta_color="off" if flat else (
                          "inverse" if measure in WORSE_WHEN_UP else "normal"),
                      help="Change against the previous period of the same length"
                           + (" in percentage points." if unit == "share" else "."))


def measure_columns(units: dict[str, str]) -> dict:
    """``st.dataframe`` column formats for measure columns by unit: whole dollars, whole
    counts, percentages; the values stay numbers, so the table still sorts."""
    config = {}
    for column, unit in units.items():
        name = formatting.label(column)
        if unit == "currency":
            config[column] = st.column_config.NumberColumn(name, format="dollar", step=1)
        elif unit == "share":
            config[column] = st.column_config.NumberColumn(name, format="percent")
        elif formatting.is_count(unit):
            config[column] = st.column_config.NumberColumn(name, format="localized", step=1)
        else:
            config[column] = st.column_config.NumberColumn(name, format="%.2f")
    return config


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


def viewport_map(m: folium.Map, layer: folium.FeatureGroup, *, key: str,
                 center: tuple[float, float], zoom: int, height: int = 560) -> Moved | None:
    """A map whose data layer is replaced, not the map, when the view changes: the base map
    keeps its key, centre and zoom, and only ``layer`` is sent again. Returns the view the
    user moved to, the account they clicked (its tooltip ends with ``#id``) or the counted
    cell they clicked (any other tooltip: its point)."""
    output = st_folium(m, key=key, height=height, use_container_width=True,
                       center=center, zoom=zoom, feature_group_to_add=layer,
                       returned_objects=["bounds", "zoom", "center",
                                         "last_object_clicked_tooltip",
                                         "last_object_clicked"])
    if not output or not output.get("bounds"):
        return None
    tooltip = output.get("last_object_clicked_tooltip") or ""
    clicked = re.search(r"#(\d+)$", tooltip.strip())
    point = output.get("last_object_clicked") or {}
    cell = ((float(point["lat"]), float(point["lng"]))
            if tooltip and not clicked and "lat" in point and "lng" in point else None)
    b = output["bounds"]
    zoom = int(output.get("zoom") or zoom)
    middle = output.get("center") or {}
    return Moved(snap((b["_southWest"]["lng"], b["_southWest"]["lat"], b["_northEast"]["lng"],
                       b["_northEast"]["lat"]), zoom), zoom,
                 (middle.get("lat", center[0]), middle.get("lng", center[1])),
                 int(clicked.group(1)) if clicked else None, cell)


def snap(bounds: tuple[float, float, float, float], zoom: int) -> tuple[float, ...]:
    """``bounds`` widened to a grid of a quarter of a tile at ``zoom``: small pans reuse the
    same (cached) view."""
    step = 360 / 2 ** zoom / 4
    west, south, east, north = bounds
    return (math.floor(west / step) * step, math.floor(south / step) * step,
            math.ceil(east / step) * step, math.ceil(north / step) * step)


def driver_phrase(driver) -> str:
    """A churn driver as a manager reads it: "days since the last order: 212"."""
    x = driver.value
    if driver.unit == "flag":
        return driver.label if x else f"not {driver.label}"
    if x is None:
        return f"{driver.label}: none yet"
    shown = {"currency": formatting.money, "share": formatting.percent,
             "score 1-5": lambda v: f"{v:.1f} / 5", "count": formatting.count,
             "hours": lambda v: f"{formatting.count(v)} hours"}.get(
                 driver.unit, formatting.number)(x)
    return f"{driver.label}: {shown}"


def churn_risk(risk) -> None:
    """The account's churn risk card: risk and band, horizon, the three drivers, when."""
    if risk is None:
        st.metric("Churn risk", formatting.MISSING)
        st.caption("No churn risk yet: it appears after the operator runs "
                   "`gcrm model churn score`.")
        return
    within = f" within {risk.horizon_days} days" if risk.horizon_days else ""
    st.metric(f"Churn risk{within}",
              f"{formatting.percent(risk.risk, digits=0)} · {risk.band}",
              help="The probability that this customer churns within the model's horizon, "
                   "and its band (high: 3x the usual rate or more; medium: 1.5x or more).")
    model = f" by model v{risk.model_version}" if risk.model_version else ""
    drivers = "\n".join(f"- {driver_phrase(d)}" for d in risk.drivers)
    st.caption(f"Raised most by:\n{drivers}\n\n"
               f"Scored {formatting.when(risk.scored_at, time=False)}{model}.")


def expected_value(value) -> None:
    """One line under the risk card: the customer's expected next 12 months."""
    if value is None:
        st.caption("Expected next 12 months: appears after the operator runs "
                   "`gcrm model value score`.")
        return
    model = f"model v{value.model_version}, " if value.model_version else ""
    st.caption(f"Expected next 12 months: {formatting.money(value.expected_revenue)} "
               f"({model}scored {formatting.when(value.scored_at, time=False)})")


def account_history(history, *, risk=None, value=None) -> None:
    """An account's profile, sales over time, orders, cases, contacts, churn risk and
    expected value."""
    everything = {k: v for k, v in history.profile.items() if v is not None}
    st.subheader(str(everything.get("name") or f"Account #{everything.get('id')}"))
    # What a person reads: no internal ids, dates without their time zone.
    profile = {k: (formatting.when(v) if hasattr(v, "year") else v)
               for k, v in everything.items() if k not in ("id", "owner_id")}
    st.caption(" · ".join(str(profile[k]) for k in ("status", "segment", "owner", "city")
                          if k in profile))
    sales, cases = history.sales_by_month, history.cases
    satisfaction = cases["satisfaction"].dropna() if "satisfaction" in cases else []
    a, b = st.columns(2)
    c, d = st.columns(2)
    a.metric("Revenue", formatting.money(sales["revenue"].sum() if len(sales) else 0))
    b.metric("Orders", formatting.count(sales["orders"].sum() if len(sales) else 0))
    c.metric("Service cases", f"{len(cases):,}" + (" (latest shown)" if len(cases) >= 500
                                                      else ""))
    d.metric("Satisfaction", f"{satisfaction.mean():.1f} / 5" if len(satisfaction) else "–")
    churn_risk(risk)
    expected_value(value)
    tabs = st.tabs(["Sales", "Orders", "Service cases", "Contacts", "Profile"])
    with tabs[0]:
        if history.sales_by_month.empty:
            st.info("No sales.")
        else:
            st.bar_chart(history.sales_by_month.set_index("month")["revenue"])
    money = {"amount": st.column_config.NumberColumn("amount", format="dollar")}
    for tab, frame, empty in ((tabs[1], history.orders, "No orders."),
                              (tabs[2], history.cases, "No service cases."),
                              (tabs[3], history.interactions, "No contacts recorded.")):
        with tab:
            if frame.empty:
                st.info(empty)
            else:
                st.dataframe(formatting.for_people(frame, counts=("quantity", "satisfaction")),
                             hide_index=True, width="stretch", column_config=money)
    with tabs[4]:
        st.dataframe(pd.DataFrame({"": list(profile),
                                   "value": [str(v) for v in profile.values()]}),
                     hide_index=True, width="stretch")
