"""Territories: a scenario on the map coloured by territory with the reps' homes, its
balance chart and table; click an area and move it to another territory with the figures
updating at once; design a scenario with chosen options; compare two; apply one.

One scenario is on screen at a time, and it is the one the Scenario box names: the box's
value (session state ``terr_scenario``) is the only source of truth, and the map, the
figures, Move, Compare and Apply all read it."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import streamlit as st

from dashboards import auth, components, data, maps

WORKLOADS = ("accounts", "revenue")
SCENARIO = "terr_scenario"  # the scenario on screen


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
    with st.expander("Design a scenario", expanded=not names):
        _design_form(name)
    if not names:
        st.info("No territory scenario yet: design one above.")
        return
    chosen = _scenario_box(names)
    try:
        scenario = data.territory_scenario(name, chosen)
        areas, homes = data.territory_areas(name, chosen)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    if note := st.session_state.pop("terr_applied", None):
        st.success(note)
    _status(scenario)
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
        _legend(scenario.table)
        if click is not None and click.code != selected:
            st.session_state["terr_area"] = click.code
            st.session_state["terr_move_area"] = click.code
            st.rerun()
    with right:
        _move_form(name, chosen, areas, scenario)
        _balance(scenario)
    _compare(name, chosen, names)
    if data.may(user["role"], "apply_territories"):
        _apply(name, scenario)


def _scenario_box(names: list[str]) -> str:
    """The Scenario box, bound to session state: a scenario just designed is shown (and
    named in the box) at once; a shared link's ``?scenario=`` opens that one."""
    shown = st.session_state.pop("terr_show", None)
    if shown in names:
        st.session_state[SCENARIO] = shown
    elif st.session_state.get(SCENARIO) not in names:
        wanted = st.query_params.get("scenario")
        st.session_state[SCENARIO] = wanted if wanted in names else names[-1]
    chosen = st.selectbox("Scenario", names, key=SCENARIO)
    st.query_params["scenario"] = chosen
    return chosen


def _when(moment) -> str:
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(dt.UTC)
    return f"{stamp:%Y-%m-%d %H:%M} UTC"


def _status(scenario) -> None:
    moved = int(scenario.summary.get("accounts_moved", 0))
    if scenario.applied_at is None:
        st.caption(f"**{scenario.name}** has not been applied.")
        return
    text = (f"**{scenario.name}** was applied {_when(scenario.applied_at)} by "
            f"{scenario.applied_by or 'someone unknown'}: "
            f"{scenario.applied_accounts or 0:,} accounts changed owner then.")
    if moved:
        text += f" Since then {moved:,} accounts have an owner other than its plan's."
    st.info(text, icon=":material/task_alt:")


def _figures(scenario) -> None:
    s = scenario.summary
    a, b, c, d = st.columns(4)
    a.metric("Max imbalance", f"{s['max_imbalance']:.1%}",
             help="The largest deviation of a territory's workload from its target.")
    b.metric("Compactness", f"{s['mean_polsby_popper']:.2f}",
             help="Mean Polsby-Popper (1 for a circle).")
    c.metric("Contiguous", "yes" if s["contiguous"] else "no")
    d.metric("Accounts changing owner", f"{int(s.get('accounts_moved', 0)):,}",
             help="Exactly the accounts Apply would hand to another rep now.")


def _legend(table: pd.DataFrame) -> None:
    colors = maps.territory_colors(table["code"])
    items = [f"<span style='white-space:nowrap;margin-right:0.9em'>"
             f"<span style='display:inline-block;width:0.8em;height:0.8em;"
             f"background:{colors[row.code]};border:1px solid #555;margin-right:0.3em'></span>"
             f"{html.escape(row.code)} · {html.escape(str(row.rep or 'no rep'))}</span>"
             for row in table[["code", "rep"]].itertuples()]
    st.markdown(" ".join(items), unsafe_allow_html=True)


def _move_form(name: str, chosen: str, areas, scenario) -> None:
    if note := st.session_state.pop("terr_moved", None):
        st.success(note)
    codes = areas["code"].tolist()
    if st.session_state.get("terr_move_area") not in codes:
        st.session_state["terr_move_area"] = codes[0]
    area = st.selectbox("Area", codes, key="terr_move_area")
    now = areas.set_index("code").loc[area, "territory"]
    teams = [t for t in scenario.table["code"].tolist() if t != now]
    # Keyed by the area and its territory: after a move the box is a new one, never one
    # offering the territory the area is in.
    to = st.selectbox(f"Move {area} (now in {now}) to", teams,
                      key=f"terr_move_to_{chosen}_{area}_{now}")
    pending = st.session_state.get("terr_split")
    if pending and pending[:3] == (chosen, area, to):
        st.warning(pending[3], icon=":material/warning:")
        sure, cancel = st.columns(2)
        if sure.button("Move anyway", key="terr_move_anyway"):
            _move(name, chosen, area, now, to, allow_split=True)
        if cancel.button("Cancel", key="terr_move_cancel"):
            st.session_state.pop("terr_split", None)
            st.rerun()
    elif st.button("Move", key="terr_move"):
        _move(name, chosen, area, now, to, allow_split=False)


def _move(name: str, chosen: str, area: str, now: str, to: str, *, allow_split: bool) -> None:
    st.session_state.pop("terr_split", None)
    try:
        moved = data.territory_move(name, chosen, area, to, allow_split=allow_split)
    except data.WouldSplit as exc:
        st.session_state["terr_split"] = (chosen, area, to, str(exc))
        st.rerun()
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    table = moved.table.set_index("code")
    note = (f"Moved {area} from {now} to {to}: {now} now has "
            f"{table.loc[now, 'accounts']:,.0f} accounts, {to} {table.loc[to, 'accounts']:,.0f}.")
    broken = [t for t in (now, to) if "contiguous" in table and not table.loc[t, "contiguous"]]
    if broken:
        note += f" {' and '.join(broken)} {'is' if len(broken) == 1 else 'are'} now in pieces."
    st.session_state["terr_moved"] = note
    st.session_state["terr_area"] = area
    st.rerun()


def _balance(scenario) -> None:
    table = scenario.table
    columns = [c for c in WORKLOADS if f"{c}_deviation" in table]
    chart = pd.DataFrame({c: table[f"{c}_deviation"] * 100 for c in columns})
    chart.index = table["code"]
    st.caption("Deviation from target, %")
    st.bar_chart(chart, stack=False, height=220)
    shown = table[["code", "rep", "areas", *columns, *(f"{c}_deviation" for c in columns),
                   "polsby_popper"]].copy()
    for column in columns:  # whole accounts and dollars
        shown[column] = shown[column].round().astype("int64")
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "code": st.column_config.TextColumn("territory"),
        "areas": st.column_config.NumberColumn(format="%d"),
        **({"accounts": st.column_config.NumberColumn(format="localized")}
           if "accounts" in columns else {}),
        **({"revenue": st.column_config.NumberColumn("revenue ($)", format="localized")}
           if "revenue" in columns else {}),
        **{f"{c}_deviation": st.column_config.NumberColumn(f"{c} deviation",
                                                           format="percent")
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
            st.session_state["terr_show"] = scenario.strip()  # the box names it next run
            st.rerun()


def _compare(name: str, chosen: str, names: list[str]) -> None:
    others = [n for n in names if n != chosen]
    if not others:
        return
    with st.expander("Compare with another scenario"):
        other = st.selectbox(f"Compare {chosen} with", others, key=f"terr_compare_{chosen}")
        try:
            frame = data.territory_compare(name, chosen, other)
        except data.GcrmError as exc:
            st.warning(str(exc))
            return
        st.dataframe(frame.astype(str), width="stretch")


def _apply(name: str, scenario) -> None:
    chosen = scenario.name
    moved = int(scenario.summary.get("accounts_moved", 0))
    with st.expander(f"Apply {chosen}"):
        st.write(f"Every account in a territory's areas will be owned by its rep: "
                 f"**{moved:,} accounts** will change owner.")
        sure = st.checkbox(f"Yes, apply {chosen}", key=f"terr_apply_sure_{chosen}")
        if st.button(f"Apply {chosen}", key=f"terr_apply_{chosen}", disabled=not sure,
                     type="primary"):
            try:
                changed = data.territory_apply(name, chosen)
            except data.GcrmError as exc:
                st.warning(str(exc))
                return
            st.session_state.pop(f"terr_apply_sure_{chosen}", None)
            st.session_state["terr_applied"] = (f"Applied {chosen}: {changed:,} accounts "
                                                "changed owner.")
            st.rerun()


main()
