"""Data: data quality at a glance. What each load read, wrote and refused; the refused rows
themselves (admins: they are the original rows, personal data included); how accounts
were placed on the map; and the accounts outside every region of a level."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboards import auth, data, formatting


def main() -> None:
    user = auth.require("data")
    name = user["username"]
    st.title("Data")
    st.caption("What was loaded, what was refused and why, and how well the accounts are "
               "placed. Load files with `gcrm load`; fix rejected rows and load them again.")
    try:
        loads = data.quality_loads(name)
        mix = data.geocode_mix(name)
        unassigned = data.unassigned_summary(name)
    except data.GcrmError as exc:
        st.error(str(exc))
        return
    if loads.empty and mix.empty:
        st.info("Nothing has been loaded yet. Load your own files with `gcrm load`; their "
                "counts and rejected rows will show here.")
        return
    _metrics(loads, mix, unassigned)
    _loads(loads)
    _precision(mix)
    _unassigned(unassigned)
    _rejects(user, loads)


def _metrics(loads: pd.DataFrame, mix: pd.DataFrame, unassigned: pd.DataFrame) -> None:
    accounts = int(mix["accounts"].sum()) if len(mix) else 0
    rooftop = mix.loc[mix["precision"] == "rooftop", "share"].sum() if len(mix) else 0.0
    worst = unassigned.sort_values("unassigned", ascending=False).head(1)
    cols = st.columns(4)
    cols[0].metric("Accounts loaded", f"{accounts:,}",
                   help="The accounts you may see, placed or not.")
    cols[1].metric("Rejected rows", f"{int(loads['rejected'].sum()):,}",
                   help="Rows refused by every load so far, each with a reason.")
    cols[2].metric("Geocoded at rooftop", f"{rooftop:.0%}",
                   help="Share of accounts placed on their own address point.")
    cols[3].metric("Unassigned", f"{int(worst['unassigned'].sum()) if len(worst) else 0:,}",
                   help="Accounts outside every region of a level (the level with the most"
                        + (f": {worst['level'].iloc[0]})." if len(worst) else ")."))


def _loads(loads: pd.DataFrame) -> None:
    st.subheader("Loads")
    if loads.empty:
        st.info("No load has run yet.")
        return
    # The run number stays (the rejected rows below are picked by it); dates lose "+00:00".
    st.dataframe(formatting.for_people(loads, keep=("run_id",)),
                 hide_index=True, width="stretch",
                 column_config={"run_id": st.column_config.NumberColumn("run", format="%d"),
                                **{c: st.column_config.NumberColumn(c, format="localized")
                                   for c in ("read", "inserted", "updated", "unchanged",
                                             "rejected")}})


def _precision(mix: pd.DataFrame) -> None:
    st.subheader("Geocode precision")
    if mix.empty:
        st.info("No accounts yet.")
        return
    left, right = st.columns([2, 1])
    left.bar_chart(mix, x="precision", y="accounts", horizontal=True, sort=False)
    right.dataframe(mix, hide_index=True, width="stretch", column_config={
        "share": st.column_config.NumberColumn("share", format="percent")})
    if "unplaced" in set(mix["precision"]):
        st.caption("Unplaced accounts have no point: the geocoder found no match for their "
                   "address. They count in every total but on no map.")


def _unassigned(unassigned: pd.DataFrame) -> None:
    st.subheader("Outside every region")
    if unassigned.empty:
        st.info("No region levels are loaded yet (`gcrm regions load`).")
        return
    if unassigned["unassigned"].sum() == 0:
        st.success("Every placed account lies in a region at every level.")
    st.dataframe(unassigned, hide_index=True, width="content")


def _rejects(user: dict, loads: pd.DataFrame) -> None:
    st.subheader("Rejected rows")
    if user["role"] != "admin":
        st.info("Rejected rows are the original rows of a file, personal data included: "
                "they are available to admins only, not to your role. The loads table above "
                "shows how many rows each load refused.")
        return
    runs = loads[loads["rejected"] > 0]
    if runs.empty:
        st.info("No load has rejected a row.")
        return
    labels = {int(r.run_id): f"#{r.run_id} {r.file} ({r.source}, {r.entity}): "
                             f"{r.rejected} rejected" for r in runs.itertuples()}
    run_id = st.selectbox("Load run", list(labels), format_func=labels.get, key="reject_run")
    try:
        rows = data.quality_rejects(user["username"], run_id)
        csv = data.quality_rejects_csv(user["username"], run_id)
    except data.GcrmError as exc:
        st.error(str(exc))
        return
    shown = rows[["line", "reason"]].assign(
        row=[json.dumps(r, ensure_ascii=False) for r in rows["row"]])
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button("Download these rejects (CSV)", csv, file_name=f"rejects-{run_id}.csv",
                       mime="text/csv", key="download_rejects",
                       help="Line, reason and the original columns: fix and load again.")


main()
