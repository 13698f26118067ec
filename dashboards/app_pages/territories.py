"""Territories: a scenario on the map coloured by territory with the reps' homes, its
balance chart and table; click an area and move it to another territory with the figures
updating at once; design a scenario with chosen options; compare two; apply one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import auth, components, data, maps

WORKLOADS = ("accounts", "revenue")


def main() -> None:
    user = auth.require("territories")
    name = user["username"]
    st.title("Territories")
    try:
        known = data.territory_scenarios(name)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    names = known["name"].tolist()
    wanted = st.query_params.get("scenario")
    with st.expander("Design a scenario", expanded=not names):
        _design_form(name)
    if not names:
        st.info("No territory scenario yet: design one above.")
        return
    chosen = st.selectbox("Scenario", names, key="terr_scenario",
                          index=names.index(wanted) if wanted in names else len(names) - 1)
    st.query_params["scenario"] = chosen
    try:
        scenario = data.territory_scenario(name, chosen)
        areas, homes = data.territory_areas(name, chosen)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    _figures(scenario)
    left, right = st.columns([3, 2])
    with left:
        tiles, attribution = data.map_tiles()
        selected = st.session_state.get("terr_area")
        st.caption(f"{len(areas):,} {scenario.level} areas in {len(scenario.table)} "
                   "territories; dots are the reps' homes. Click an area to move it.")
        click = components.map_view(
            maps.territory_map(areas, homes, selected=selected, tiles=tiles,
                               attribution=attribution),
            key=f"territories-{chosen}")
        if click is not None and click.code != selected:
            st.session_state["terr_area"] = click.code
            st.session_state["terr_move_area"] = click.code
            st.rerun()
    with right:
        _move_form(name, chosen, areas, scenario)
        _balance(scenario)
    _compare(name, chosen, names)
    if data.may(user["role"], "apply_territories"):
        _apply(name, chosen)


def _figures(scenario) -> None:
    s = scenario.summary
    a, b, c, d = st.columns(4)
    a.metric("Max imbalance", f"{s['max_imbalance']:.1%}",
             help="The largest deviation of a territory's workload from its target.")
    b.metric("Compactness", f"{s['mean_polsby_popper']:.2f}",
             help="Mean Polsby-Popper (1 for a circle).")
    c.metric("Contiguous", "yes" if s["contiguous"] else "no")
    d.metric("Accounts changing owner", f"{s.get('accounts_moved', 0):,.0f}",
             help="Accounts whose owner today is not their territory's rep.")


def _move_form(name: str, chosen: str, areas, scenario) -> None:
    if note := st.session_state.pop("terr_moved", None):
        st.success(note)
    codes = areas["code"].tolist()
    if st.session_state.get("terr_move_area") not in codes:
        st.session_state["terr_move_area"] = codes[0]
    area = st.selectbox("Area", codes, key="terr_move_area")
    now = areas.set_index("code").loc[area, "territory"]
    teams = scenario.table["code"].tolist()
    to = st.selectbox(f"Move {area} (now in {now}) to", [t for t in teams if t != now],
                      key="terr_move_to")
    if st.button("Move", key="terr_move"):
        try:
            moved = data.territory_move(name, chosen, area, to).table.set_index("code")
        except data.GcrmError as exc:
            st.warning(str(exc))
            return
        st.session_state["terr_moved"] = (
            f"Moved {area} from {now} to {to}: {now} now has "
            f"{moved.loc[now, 'accounts']:,.0f} accounts, {to} {moved.loc[to, 'accounts']:,.0f}.")
        st.session_state["terr_area"] = area
        st.session_state.pop("terr_move_to", None)
        st.rerun()


def _balance(scenario) -> None:
    table = scenario.table
    columns = [c for c in WORKLOADS if f"{c}_deviation" in table]
    chart = pd.DataFrame({c: table[f"{c}_deviation"] * 100 for c in columns})
    chart.index = table["code"]
    st.caption("Deviation from target, %")
    st.bar_chart(chart, stack=False, height=220)
    shown = table[["code", "rep", "areas", *columns, *(f"{c}_deviation" for c in columns),
                   "polsby_popper"]]
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        **{f"{c}_deviation": st.column_config.NumberColumn(format="percent")
           for c in columns},
        "polsby_popper": st.column_config.NumberColumn("compactness", format="%.2f")})


def _design_form(name: str) -> None:
    levels = data.region_levels(name)
    choices = levels["name"].tolist()
    with st.form("terr_design"):
        a, b, c = st.columns(3)
        level = a.selectbox("Areas", choices, index=choices.index("zip") if "zip" in choices
                            else 0)
        reps = b.number_input("Territories (reps)", min_value=1, max_value=200, value=6)
        scenario = c.text_input("Name", value="plan", max_chars=60)
        d, e, f = st.columns(3)
        balance = d.multiselect("Balance on", WORKLOADS, default=["accounts"])
        tolerance = e.slider("Tolerance %", 1, 30, 5)
        keep = f.checkbox("Keep the current owners where possible")
        replace = f.checkbox("Replace a scenario of that name")
        if st.form_submit_button("Design", type="primary"):
            try:
                with st.spinner("Designing ..."):
                    data.territory_design(name, scenario.strip(), level=level,
                                          n_territories=int(reps), balance_on=tuple(balance),
                                          tolerance=tolerance / 100, keep_current=keep,
                                          replace=replace)
            except data.GcrmError as exc:
                st.warning(str(exc))
                return
            st.query_params["scenario"] = scenario.strip()
            st.session_state.pop("terr_scenario", None)
            st.rerun()


def _compare(name: str, chosen: str, names: list[str]) -> None:
    others = [n for n in names if n != chosen]
    if not others:
        return
    with st.expander("Compare with another scenario"):
        other = st.selectbox("Other scenario", others, key="terr_compare")
        try:
            frame = data.territory_compare(name, chosen, other)
        except data.GcrmError as exc:
            st.warning(str(exc))
            return
        st.dataframe(frame.astype(str), width="stretch")


def _apply(name: str, chosen: str) -> None:
    with st.expander("Apply this scenario"):
        st.write("Every account in a territory's areas will be owned by its rep.")
        sure = st.checkbox(f"Yes, apply {chosen}", key="terr_apply_sure")
        if st.button("Apply", key="terr_apply", disabled=not sure, type="primary"):
            try:
                changed = data.territory_apply(name, chosen)
            except data.GcrmError as exc:
                st.warning(str(exc))
                return
            st.success(f"Applied {chosen}: {changed:,} accounts changed owner.")


main()
