"""Routing (admins): the rules that give every new lead and service case an owner as it
loads, in priority order, and the form to add one (a rule naming an unknown team or rep is
refused with the reason); teams; the default queue where what no rule matches waits; SLA
clocks per case type and the open cases past them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import auth, data, formatting

TO_WORDS = {"territory": "the account's rep", "team": "a team", "rep": "one rep"}


def main() -> None:
    user = auth.require("routing")
    name = user["username"]
    st.title("Routing")
    st.caption("New leads and service cases get an owner as they load: the first active rule "
               "(lowest priority number) that matches gives it; what none matches waits in "
               "the default queue. `gcrm routing run` routes what waits now (docs/routing.md).")
    try:
        setup = data.routing_setup(name)
        choices = data.routing_choices(name)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    _rules(name, setup["rules"], setup["teams"], choices)
    left, right = st.columns(2)
    with left:
        _teams(name, setup["teams"], choices["reps"])
        _queue(name, setup["queues"])
    with right:
        _slas(name, setup["slas"], choices["case_types"])
    _overdue(name)


def _rules(name: str, rules: pd.DataFrame, teams: pd.DataFrame, choices: dict) -> None:
    st.subheader("Rules")
    if rules.empty:
        st.info("No rule yet: everything new waits in the default queue.")
    else:
        shown = pd.DataFrame({
            "Priority": rules["priority"], "Rule": rules["name"],
            "For": rules["applies_to"].map({"lead": "leads", "case": "cases"}),
            "Case type": rules["case_type"].fillna("any"),
            "To": [f"team {t}" if m == "team" else f"rep {r}" if m == "rep"
                   else TO_WORDS[m] for m, t, r in zip(rules["method"], rules["team"],
                                                        rules["rep"], strict=True)],
            "Pick": [p.replace("_", "-") if m == "team" else ""
                     for p, m in zip(rules["pick"], rules["method"], strict=True)],
            "Added by": rules["created_by"].fillna("operator")})
        st.dataframe(shown, hide_index=True, width="stretch")
        with st.popover("Remove a rule", icon=":material/delete:"):
            labels = {int(r.id): f"{r.priority}. {r.name}" for r in rules.itertuples()}
            chosen = st.selectbox("Rule", list(labels), format_func=labels.get,
                                  key="routing_remove_id")
            if st.button("Remove", key="routing_remove"):
                data.routing_remove_rule(name, int(chosen))
                st.rerun()
    with st.expander("Add a rule", expanded=rules.empty):
        _rule_form(name, rules, teams, choices)


def _rule_form(name: str, rules: pd.DataFrame, teams: pd.DataFrame, choices: dict) -> None:
    with st.form("routing_rule", border=False):
        top = st.columns([3, 1, 1])
        title = top[0].text_input("Name", key="rule_name",
                                  placeholder="e.g. complaints to the support team")
        priority = top[1].number_input(
            "Priority", min_value=1, step=1, key="rule_priority",
            value=int(rules["priority"].max() + 10) if len(rules) else 10,
            help="Lower runs first; each rule has its own.")
        applies_to = top[2].selectbox("For", list(data.ROUTING_FOR), key="rule_for",
                                      format_func=lambda k: {"lead": "leads",
                                                             "case": "cases"}[k])
        row = st.columns(4)
        case_type = row[0].selectbox("Case type (cases only)", ["any", *choices["case_types"]],
                                     key="rule_case_type")
        method = row[1].selectbox("To", list(data.ROUTING_METHODS), key="rule_method",
                                  format_func=TO_WORDS.get)
        team = row[2].selectbox("Team (to a team)", [None, *teams["name"]], key="rule_team",
                                format_func=lambda t: "-" if t is None else t)
        rep = row[3].selectbox("Rep (to one rep)", [None, *choices["reps"]], key="rule_rep",
                               format_func=lambda r: "-" if r is None else r)
        pick = st.radio("Within a team", list(data.ROUTING_PICKS), horizontal=True,
                        key="rule_pick", format_func=lambda p: {
                            "round_robin": "in turn", "capacity": "by capacity"}[p])
        if st.form_submit_button("Add the rule"):
            try:
                data.routing_add_rule(
                    name, title, priority=int(priority), applies_to=applies_to,
                    method=method, case_type=None if case_type == "any" else case_type,
                    team=team, rep=rep, pick=pick)
            except data.GcrmError as exc:
                st.error(str(exc))
                return
            st.rerun()


def _teams(name: str, teams: pd.DataFrame, reps: list[str]) -> None:
    st.subheader("Teams")
    if teams.empty:
        st.caption("No team yet.")
    else:
        st.dataframe(pd.DataFrame({"Team": teams["name"], "Reps": teams["reps"],
                                   "Members": teams["members"].fillna("")}),
                     hide_index=True, width="stretch")
    with st.popover("Add a team or members", icon=":material/group_add:"):
        team = st.text_input("Team", key="team_name")
        members = st.multiselect("Reps", reps, key="team_reps")
        if st.button("Save the team", key="team_save", disabled=not team or not members):
            try:
                data.routing_set_team(name, team, members)
            except data.GcrmError as exc:
                st.error(str(exc))
                return
            st.rerun()


def _queue(name: str, queues: pd.DataFrame) -> None:
    default = queues.loc[queues["is_default"], "name"]
    current = default.iloc[0] if len(default) else ""
    st.markdown(f"**Default queue:** {current or '(none)'}")
    with st.popover("Change the default queue", icon=":material/inbox:"):
        wanted = st.text_input("Queue", value=current, key="queue_name")
        if st.button("Make it the default", key="queue_save", disabled=not wanted.strip()):
            data.routing_set_queue(name, wanted.strip())
            st.rerun()


def _slas(name: str, slas: pd.DataFrame, case_types: list[str]) -> None:
    st.subheader("SLA clocks")
    if slas.empty:
        st.caption("No clock yet: no case is ever overdue.")
    else:
        st.dataframe(pd.DataFrame({
            "Case type": slas["case_type"],
            "First response": [f"{h:g} h" for h in slas["first_response_hours"]],
            "Resolution": [f"{h:g} h" for h in slas["resolution_hours"]]}),
            hide_index=True, width="stretch")
    with st.popover("Set a clock", icon=":material/timer:"):
        case_type = st.selectbox("Case type", case_types, key="sla_type")
        first = st.number_input("Hours to the first response", min_value=0.5, value=4.0,
                                step=0.5, key="sla_first")
        resolution = st.number_input("Hours to resolution", min_value=0.5, value=48.0,
                                     step=1.0, key="sla_resolution")
        if st.button("Save the clock", key="sla_save", disabled=case_type is None):
            try:
                data.routing_set_sla(name, case_type, first, resolution)
            except data.GcrmError as exc:
                st.error(str(exc))
                return
            st.rerun()


def _overdue(name: str) -> None:
    late = data.overdue_cases(name)
    st.subheader(f"Overdue cases ({len(late):,})")
    if late.empty:
        st.caption("No open case is past its clock.")
        return
    st.caption("Open cases past a clock now; the Overview's measure 'Overdue cases' shows "
               "them by region.")
    st.dataframe(pd.DataFrame({
        "Case": late["external_id"], "Type": late["case_type"],
        "Opened": late["opened_at"].map(lambda t: formatting.when(t, time=True)),
        "Owner": [o if isinstance(o, str) else f"queue {q}"
                  for o, q in zip(late["owner"], late["queue"], strict=True)],
        "Past": late["breached"]}).head(500), hide_index=True, width="stretch")


main()
