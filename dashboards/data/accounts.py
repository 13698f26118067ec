"""The Customers & prospects page: accounts in a map view, filters, one account's history."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from gcrm import accounts, regions
from gcrm.access import user_engine as engine_for
from gcrm.models import risk, value_account

# --- customers & prospects page ----------------------------------------------------------------
# Keyed by username and by the view snapped to a grid (components.snap), so a small pan or
# a rerun reuses the answer; filters come as a sorted tuple of (name, value) pairs.

@st.cache_data(ttl=300, show_spinner=False)
def accounts_extent(username: str) -> tuple[float, float, float, float] | None:
    """Where the map starts: the top-level regions' outline (None before any region)."""
    return accounts.extent(engine=engine_for(username))


@st.cache_data(ttl=300, show_spinner=False)
def region_outlines(username: str, level: str) -> gpd.GeoDataFrame:
    """The outlines of ``level`` (code, name, geometry), simplified for the browser: drawn
    under the accounts, so a map without base tiles still shows where it is."""
    frame = regions.frame(level, engine=engine_for(username))
    if len(frame):
        west, south, east, north = frame.total_bounds
        frame["geometry"] = frame.geometry.simplify(max(east - west, north - south) / 3000)
    return frame[["code", "name", "geometry"]]


@st.cache_data(ttl=120, show_spinner=False)
def account_filter_options(username: str) -> dict[str, list[str]]:
    """The values each accounts filter accepts: status, segment, owner, region."""
    return accounts.known_values(engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner="Finding the accounts in view ...", max_entries=500)
def accounts_in_view(username: str, bounds: tuple[float, float, float, float], zoom: int,
                     filters: tuple[tuple[str, str], ...] = (), search: str | None = None
                     ) -> accounts.ViewResult:
    """Counts per cell (zoomed out) or the accounts (zoomed in) in ``bounds``, at most
    5,000 of either."""
    return accounts.in_view(bounds, zoom, filters=dict(filters), search=search,
                            engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner="Reading the account's history ...", max_entries=200)
def account_history(username: str, account_id: int) -> accounts.AccountHistory:
    """Profile, sales by month, orders, service cases and contacts of one account."""
    return accounts.history(account_id, engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner=False, max_entries=200)
def account_risk(username: str, account_id: int) -> risk.AccountRisk | None:
    """The account's current churn risk as the user may see it (None: never scored, or
    not theirs to see)."""
    return risk.current(account_id, engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner=False, max_entries=200)
def account_value(username: str, account_id: int) -> value_account.AccountValue | None:
    """The account's expected next 12 months as the user may see it (None: never scored,
    or not theirs to see)."""
    return value_account.current(account_id, engine=engine_for(username))


__all__ = ["account_filter_options", "account_history", "account_risk", "accounts_extent",
           "account_value",
           "accounts_in_view", "region_outlines"]
