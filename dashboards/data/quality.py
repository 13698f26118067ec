"""The Data page: loads, rejected rows, how accounts were placed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gcrm import quality
from gcrm.access import user_engine as engine_for

# --- data quality page ------------------------------------------------------------------------
# Short ttl: a load finishing should show within seconds. Keyed by username, so nobody is
# served rows cached for another user (rejected rows hold personal data: admins only, the
# database refuses everyone else with PermissionDenied, which is never cached).

@st.cache_data(ttl=15, show_spinner=False)
def quality_loads(username: str) -> pd.DataFrame:
    """The load runs, newest first, with read/inserted/updated/unchanged/rejected."""
    return quality.loads(engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def quality_rejects(username: str, run_id: int | None = None) -> pd.DataFrame:
    """The rejected rows (of one run): run_id, line, reason, row; admins only."""
    return quality.rejects(run_id, engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def quality_rejects_csv(username: str, run_id: int) -> bytes:
    """One run's rejects as CSV (line, reason, the file's columns); admins only."""
    return quality.rejects_csv(run_id, engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def geocode_mix(username: str) -> pd.DataFrame:
    """How the accounts the user may see were placed: precision, accounts, share."""
    return quality.geocode_mix(engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def unassigned_summary(username: str) -> pd.DataFrame:
    """Per region level, the accounts the user may see that lie in no region of it."""
    return quality.unassigned_summary(engine=engine_for(username))


__all__ = ["geocode_mix", "quality_loads", "quality_rejects", "quality_rejects_csv",
            "unassigned_summary"]
