"""Home, the start page of each role: a manager's regions with their change and the
finer regions that moved worst, a planner's scenarios, a marketer's campaigns, an
analyst's last exports, an admin's summary; and the admin's System page (live sessions).
Everything read as the signed-in user, except what is for admins only (checked here)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboards.data.cube import region_levels, region_measures
from dashboards.data.session import current_user
from gcrm import audit, campaigns, cube, territories
from gcrm.access import sessions, users
from gcrm.access import user_engine as engine_for
from gcrm.errors import PermissionDenied

HOME_MEASURES = ("revenue", "customers", "prospects", "churn_rate", "complaints")
MOVER_MEASURES = ("revenue", "customers", "churn_rate")


def home_period(periods: list[str], wanted: str | None = None) -> str:
    """``wanted`` when the cube has it; else the last whole quarter (the newest one may be
    running), else the newest period."""
    if wanted in periods:
        return wanted
    quarters = [p for p in periods if "-Q" in p]
    return quarters[1] if len(quarters) > 1 else periods[0]


def own_regions(regions: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """A manager's regions ("level:code") as (level, codes) of their first level."""
    pairs = [r.split(":", 1) for r in regions if ":" in r]
    if not pairs:
        return None
    level = pairs[0][0]
    return level, tuple(code for lv, code in pairs if lv == level)


@st.cache_data(ttl=300, show_spinner="Reading your regions ...")
def region_kpis(username: str, level: str, codes: tuple[str, ...], period: str
                ) -> pd.DataFrame:
    """The user's own regions in ``period``: name, code and each home measure with its
    ``_previous`` value and ``_change`` against the previous period of the same length."""
    frame = region_measures(username, HOME_MEASURES, level, ((level, codes),), period,
                            compare=True)
    return pd.DataFrame(frame).sort_values("name").reset_index(drop=True)


@st.cache_data(ttl=300, show_spinner=False)
def worst_movers(username: str, level: str, codes: tuple[str, ...], period: str,
                 n: int = 5) -> tuple[str | None, pd.DataFrame]:
    """The regions one level finer inside the user's regions whose revenue fell most (or
    rose least) against the previous period: (that level, the ``n`` worst first)."""
    levels = region_levels(username)
    finer = levels[(levels["kind"] == "boundary") & (levels["parent_level"] == level)]
    if finer.empty:
        return None, pd.DataFrame()
    child = str(finer.sort_values("depth").iloc[0]["name"])
    frame = pd.DataFrame(region_measures(username, MOVER_MEASURES, child,
                                         ((level, codes),), period, compare=True))
    frame = frame.dropna(subset=["revenue_change"])
    return child, frame.sort_values("revenue_change").head(n).reset_index(drop=True)


@st.cache_data(ttl=10, show_spinner=False)
def home_scenarios(username: str) -> pd.DataFrame:
    """The territory scenarios, newest first: name, level, territories, created_by,
    created_at, applied_at (and who applied, where recorded)."""
    frame = territories.scenarios(engine=engine_for(username))
    return frame.sort_values("created_at", ascending=False).reset_index(drop=True)


@st.cache_data(ttl=10, show_spinner=False)
def home_campaigns(username: str) -> pd.DataFrame:
    """The campaigns, newest first: name, channel, members, responded, response_rate,
    created_by, created_at."""
    frame = campaigns.campaigns(engine=engine_for(username))
    return frame.sort_values("created_at", ascending=False).reset_index(drop=True)


def my_exports(username: str, limit: int = 10) -> pd.DataFrame:
    """The files this user exported, newest first (from their own audit entries): at,
    action, target (the file), details (rows, filter)."""
    return audit.mine(exports=True, limit=limit, engine=engine_for(username))


def admin_summary(username: str) -> dict:
    """For admins: users per role, disabled users, sessions live now, failed sign-ins in
    the last 7 days, the cube's last build."""
    _admin_only(username)
    people = users.list_users()
    log = audit.recent("sign_in.failed", limit=1000, engine=engine_for(username))
    week_ago = pd.Timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    failed = int((pd.to_datetime(log["at"], utc=True) >= week_ago).sum()) if len(log) else 0
    enabled = people[~people["disabled"]]
    return {
        "users": len(enabled),
        "by_role": enabled.groupby("role").size().to_dict(),
        "disabled": int(people["disabled"].sum()),
        "sessions": len(sessions.live()),
        "failed_sign_ins": failed,
        "cube_build": cube.last_build(engine=engine_for(username)),
    }


def live_sessions(username: str) -> pd.DataFrame:
    """For admins: who is signed in now (username, since, until)."""
    _admin_only(username)
    return pd.DataFrame(sessions.live(), columns=["username", "created_at", "expires_at"])


def _admin_only(username: str) -> None:
    user = current_user(username)
    if user is None or user["role"] != "admin":
        raise PermissionDenied("This is for admins only.")


__all__ = ["HOME_MEASURES", "admin_summary", "home_campaigns", "home_period",
           "home_scenarios", "live_sessions", "my_exports", "own_regions", "region_kpis",
           "worst_movers"]
