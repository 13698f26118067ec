"""The Visits page: stored visit plans as the user may see them, and their exports."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gcrm import visits
from gcrm.access import user_engine as engine_for

VISIT_FORMATS = visits.FORMATS


@st.cache_data(ttl=30, show_spinner=False)
def visit_plans(username: str) -> pd.DataFrame:
    """The plans with anything the user may see, newest first."""
    return visits.plans(engine=engine_for(username))


@st.cache_data(ttl=30, show_spinner="Reading the plan ...")
def visit_plan(username: str, plan_id: int) -> visits.Plan:
    """One plan: the stops the user may see (masked for roles without personal data)."""
    return visits.show(plan_id, engine=engine_for(username))


def visit_export(username: str, plan_id: int, fmt: str) -> bytes:
    """The plan as a file (CSV, GPX, PDF) as the user sees it; audited as theirs."""
    return visits.export(plan_id, fmt, actor=username, engine=engine_for(username))
