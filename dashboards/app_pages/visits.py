"""Visits: a stored plan of reps' days (``gcrm visits plan``) on the map, each rep's route
drawn along the roads with the stops numbered in order; the printable list of stops with
arrival and visit times; what was left out and why; the plan as CSV, GPX (a phone's
navigation app) or PDF. Managers see their regions' stops; roles without personal data see
masked names, stops on the ~1 km grid and the order of the stops, not the drive to a door."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import auth, components, data, formatting, maps

ALL_REPS = "All reps"


def main() -> None:
    user = auth.require("visits")
    name = user["username"]
    st.title("Visits")
    try:
        plans = data.visit_plans(name)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    if plans.empty:
        st.info("No visit plan you may see yet. An operator plans a day with "
                "`gcrm visits plan --rep R --date YYYY-MM-DD --from-list NAME` "
                "(docs/visits.md).")
        return
    labels = {int(r.id): _plan_label(r) for r in plans.itertuples()}
    ids = list(labels)
    chosen = components.url_selectbox(st, "Plan", ids, key="visits_plan", param="plan",
                                      default=ids[0], format_func=labels.get)
    try:
        plan = data.visit_plan(name, int(chosen))
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    st.caption(f"Measured with {plan.travel}. Planned by {plan.created_by or 'the operator'} "
               f"on {formatting.when(plan.created_at, time=True)} from {plan.source}.")
    for note in plan.notes:
        st.caption(f"Note: {note}")
    reps = [ALL_REPS, *plan.routes["rep"]]
    names = dict(zip(plan.routes["rep"], plan.routes["rep_name"], strict=True))
    rep = st.selectbox("Rep", reps, key="visits_rep",
                       format_func=lambda r: r if r == ALL_REPS else f"{names[r]} ({r})")
    routes = plan.routes if rep == ALL_REPS else plan.routes[plan.routes["rep"] == rep]
    stops = plan.stops[plan.stops["rep"].isin(routes["rep"])]
    _figures(routes)
    if len(routes):
        tiles, attribution = data.map_tiles()
        m = maps.visit_route_map(routes, stops, tiles=tiles, attribution=attribution)
        components.map_view(m, key=f"visits-{plan.id}-{rep}", height=480)
        if len(stops) and stops["leg"].isna().all():
            st.caption("Stops are shown on the ~1 km grid and joined in their order: the "
                       "drive along the roads ends at people's doors, which your role does "
                       "not see.")
    _stop_list(stops)
    _left_out(plan)
    _downloads(name, plan)


def _plan_label(row) -> str:
    day = pd.Timestamp(row.day)
    return (f"Plan {row.id} · {day:%a} {day.day} {day:%b %Y} · {row.reps:,} "
            f"{'rep' if row.reps == 1 else 'reps'} · {row.stops:,} visits"
            + (f" · {row.left_out:,} left out" if row.left_out else ""))


def _figures(routes: pd.DataFrame) -> None:
    columns = st.columns(4)
    columns[0].metric("Visits", f"{int(routes['stops'].sum()):,}")
    columns[1].metric("Driving", formatting.minutes(routes["drive_seconds"].sum()))
    columns[2].metric("Distance", f"{routes['drive_m'].sum() / 1000:,.1f} km")
    if len(routes) == 1:
        route = routes.iloc[0]
        columns[3].metric("Day", f"{formatting.clock(route['leave'])}-"
                                 f"{formatting.clock(route['back'])}")
    else:
        columns[3].metric("Reps", f"{len(routes):,}")


def _stop_list(stops: pd.DataFrame) -> None:
    st.markdown("**Stops**")
    if stops.empty:
        st.caption("No stop you may see in this plan.")
        return
    shown = pd.DataFrame({
        "Rep": stops["rep"], "#": stops["seq"], "Arrive": stops["arrive"].map(formatting.clock),
        "Visit": [f"{formatting.clock(a)}-{formatting.clock(b)}"
                  for a, b in zip(stops["start"], stops["depart"], strict=True)],
        "Account": stops["name"], "Address": stops["address"],
        "Drive": stops["drive_seconds"].map(formatting.minutes),
        "km": [f"{m / 1000:,.1f}" for m in stops["drive_m"]]})
    st.dataframe(shown, hide_index=True, width="stretch")


def _left_out(plan) -> None:
    if plan.left_out.empty:
        return
    st.markdown(f"**Left out ({len(plan.left_out):,})**")
    shown = pd.DataFrame({"Asked": plan.left_out["asked"],
                          "Account": plan.left_out["name"].fillna(""),
                          "Why": plan.left_out["reason"]})
    st.dataframe(shown, hide_index=True, width="stretch")


def _downloads(name: str, plan) -> None:
    columns = st.columns(len(data.VISIT_FORMATS) + 2)
    mimes = {"csv": "text/csv", "gpx": "application/gpx+xml", "pdf": "application/pdf"}
    for column, (fmt, words) in zip(columns, data.VISIT_FORMATS.items(), strict=False):
        column.download_button(
            words, key=f"visits-{fmt}", file_name=f"gcrm-visits-{plan.day}-plan{plan.id}.{fmt}",
            mime=mimes[fmt], data=_file(name, plan.id, fmt),
            help="What this page shows, as a file; the download is audited.")


def _file(name: str, plan_id: int, fmt: str):
    """Written (and audited) when the button is clicked, not on every run."""
    return lambda: data.visit_export(name, plan_id, fmt)


main()
