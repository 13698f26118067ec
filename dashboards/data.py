"""The one module of the dashboards that calls gcrm, with Streamlit caching around it."""

from __future__ import annotations

import streamlit as st

from gcrm.errors import GcrmError
from gcrm.health import DatabaseHealth, database_health


@st.cache_data(ttl=30, show_spinner="Checking the database ...")
def health() -> DatabaseHealth:
    """Database versions, size, schema revision and rows per table (cached 30 s)."""
    return database_health()


__all__ = ["GcrmError", "health"]
