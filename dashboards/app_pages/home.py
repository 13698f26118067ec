"""Home: where each role starts. A manager sees their regions' figures with the change
against the previous period and the finer regions that moved worst; a planner their
territory scenarios; a marketer their campaigns and the response; an analyst their last
exports; an admin a summary with links. (Database health: the admin's System page.)"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboards import auth, components, data

RATES = {"share"}  # units whose change reads in percentage points
EXPORTS = {"cube.export": "Cube slice", "export.targets": "Target list",
           "export.contacts": "Contact list"}


def main() -> None:
    user = auth.require("home")
    st.title(f"Welcome, {user['label']}")
    st.caption(data.role_description(user["role"]))
    show = {"manager": _manager, "planner": _planner, "marketer": _marketer,
            "analyst": _analyst, "admin": _admin}[user["role"]]
    try:
        show(user)
    except data.GcrmError as exc:
        st.error(f"The database is not available. {exc}")


# --- manager ----------------------------------------------------------------------------------

def _manager(user: dict) -> None:
    name = user["username"]
    own = data.own_regions(user["regions"])
    if own is None:
        st.info("No regions are assigned to you yet: ask an admin (`gcrm users set-regions`).")
        return
    periods = data.cube_periods(name)
    if not periods:
        st.info("The regional cube has not been built yet: the operator builds it with "
                "`gcrm cube build` after loading data.")
        return
    period = components.url_selectbox(
        st.columns([1, 3])[0], "Period", periods, key="home_period", param="period",
        default=data.home_period(periods, None),
        help="Compared with the period of the same length before it.")
    level, codes = own
    catalogue = data.measure_catalogue()
    kpis = data.region_kpis(name, level, codes, period)
    if kpis.empty:
        st.info(f"Nothing you may see in your regions for {period}.")
        return
    for row in kpis.itertuples(index=False):
        row = pd.Series(row._asdict())
        st.subheader(f"{row['name']} · {period}")
        # The Overview's cards: each as wide as its figure, wrapping rather than cutting it.
        components.kpi_cards(row, catalogue, data.HOME_MEASURES)
        st.page_link("app_pages/overview.py", label=f"Open {row['name']} on the Overview",
                     icon=":material/map:",
                     query_params={"region": f"{level}:{row['code']}", "period": period})
    child, movers = data.worst_movers(name, level, codes, period)
    if child is None:
        return
    st.subheader(f"Worst-moving {child} regions")
    if movers.empty:
        st.info(f"No {child} regions with revenue in both periods.")
        return
    st.caption(f"Revenue change against the period before {period}, the largest fall first.")
    table = pd.DataFrame({
        "Region": movers["name"],
        "Revenue": [_value(v, "currency") for v in movers["revenue"]],
        "Revenue change": [_change(r, "revenue", "currency") for _, r in movers.iterrows()],
        "Customers change": [_change(r, "customers", "count") for _, r in movers.iterrows()],
        "Churn rate change": [_change(r, "churn_rate", "share")
                              for _, r in movers.iterrows()],
    })
    st.dataframe(table.fillna("–"), hide_index=True, width="stretch")


# --- planner, marketer, analyst ---------------------------------------------------------------

def _planner(user: dict) -> None:
    scenarios = data.home_scenarios(user["username"])
    st.subheader("Territory scenarios")
    if scenarios.empty:
        st.info("No territory scenario yet: design one on the Territories page.")
    else:
        applied = scenarios["applied_at"].notna()
        left, right = st.columns(2)
        left.metric("Scenarios", f"{len(scenarios):,}")
        right.metric("Applied", f"{int(applied.sum()):,}")
        by = scenarios["applied_by"] if "applied_by" in scenarios else [None] * len(scenarios)
        st.dataframe(pd.DataFrame({
            "Scenario": scenarios["name"],
            "Level": scenarios["level"],
            "Territories": [f"{int(n):,}" for n in scenarios["territories"]],
            "Created": [f"{_when(at)} by {who}" if who else _when(at) for at, who in
                        zip(scenarios["created_at"], scenarios["created_by"], strict=True)],
            "Applied": [_applied(at, who) for at, who in
                        zip(scenarios["applied_at"], by, strict=True)],
        }), hide_index=True, width="stretch")
    st.page_link("app_pages/territories.py", label="Open Territories",
                 icon=":material/border_all:")


def _marketer(user: dict) -> None:
    runs = data.home_campaigns(user["username"])
    st.subheader("Campaigns and their response")
    if runs.empty:
        st.info("No campaign yet: build a target list on the Trade areas page.")
    else:
        members, responded = int(runs["members"].sum()), int(runs["responded"].sum())
        a, b, c = st.columns(3)
        a.metric("Campaigns", f"{len(runs):,}")
        b.metric("People reached", f"{members:,}")
        c.metric("Response rate", _value(responded / members if members else None, "share"))
        st.dataframe(pd.DataFrame({
            "Campaign": runs["name"],
            "Channel": runs["channel"],
            "Members": [f"{int(n):,}" for n in runs["members"]],
            "Responded": [f"{int(n):,}" for n in runs["responded"]],
            "Response rate": [_value(r, "share") for r in runs["response_rate"]],
            "Created": [_when(at) for at in runs["created_at"]],
        }), hide_index=True, width="stretch")
    st.page_link("app_pages/tradeareas.py", label="Open Trade areas",
                 icon=":material/storefront:")
    _exports(user, quiet=True)


def _analyst(user: dict) -> None:
    _exports(user, quiet=False)
    st.page_link("app_pages/cube_explorer.py", label="Open the Cube explorer",
                 icon=":material/table_chart:")


def _exports(user: dict, *, quiet: bool) -> None:
    """The user's last exports; ``quiet``: nothing at all when there are none."""
    exports = data.my_exports(user["username"])
    if exports.empty and quiet:
        return
    st.subheader("Your last exports")
    if exports.empty:
        st.info("You have not exported anything yet: the Cube explorer downloads a slice "
                "as CSV, Parquet, GeoPackage or Excel.")
        return
    st.dataframe(pd.DataFrame({
        "When": [_when(at) for at in exports["at"]],
        "What": [EXPORTS.get(a, a.replace("_", " ").replace(".", " ").capitalize())
                 for a in exports["action"]],
        "File": exports["target"],
        "Rows": [_rows(d) for d in exports["details"]],
    }), hide_index=True, width="stretch")


# --- admin ------------------------------------------------------------------------------------

def _admin(user: dict) -> None:
    summary = data.admin_summary(user["username"])
    a, b, c, d = st.columns(4)
    a.metric("Users", f"{summary['users']:,}", help="Enabled users.")
    b.metric("Signed in now", f"{summary['sessions']:,}",
             help="Web sessions that have not ended or expired.")
    c.metric("Failed sign-ins", f"{summary['failed_sign_ins']:,}", help="In the last 7 days.")
    build = summary["cube_build"]
    d.metric("Cube built", _when(build["finished_at"])[:10] if build else "never",
             help=f"Last build finished {_when(build['finished_at'])}." if build else None)
    roles = ", ".join(f"{n:,} {role}{'s' if n != 1 else ''}"
                      for role, n in sorted(summary["by_role"].items()))
    st.caption(roles + (f" · {summary['disabled']:,} disabled" if summary["disabled"] else ""))
    links = {"users.py": ("Users", ":material/group:"),
             "audit.py": ("Audit log", ":material/policy:"),
             "system.py": ("System: database health", ":material/dns:"),
             "data_quality.py": ("Data", ":material/fact_check:")}
    for column, (page, (label, icon)) in zip(st.columns(len(links)), links.items(),
                                             strict=True):
        with column:
            st.page_link(f"app_pages/{page}", label=label, icon=icon)


# --- numbers and dates for people -------------------------------------------------------------

def _value(value, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    value = float(value)
    if unit == "currency":
        return f"${value:,.0f}"
    if unit in RATES:
        return f"{value:.1%}"
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


def _change(row, measure: str, unit: str) -> str | None:
    """A rate's change in percentage points; anything else's in percent."""
    now, before = row.get(measure), row.get(f"{measure}_previous")
    if unit in RATES:
        if pd.isna(now) or pd.isna(before):
            return None
        points = (float(now) - float(before)) * 100
        return f"{points:+.2f} pp" if abs(points) < 0.1 else f"{points:+.1f} pp"
    change = row.get(f"{measure}_change")
    return None if change is None or pd.isna(change) else f"{float(change):+.1%}"


def _when(at) -> str:
    if at is None or pd.isna(at):
        return "–"
    return pd.Timestamp(at).strftime("%Y-%m-%d %H:%M")


def _applied(at, who) -> str:
    if at is None or pd.isna(at):
        return "not applied"
    return f"{_when(at)} by {who}" if who else _when(at)


def _rows(details) -> str:
    rows = (details or {}).get("rows") if isinstance(details, dict) else None
    return f"{int(rows):,}" if isinstance(rows, int | float) else "–"


main()
