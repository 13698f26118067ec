"""The Routing page: rules, teams, the default queue, SLA clocks and overdue cases; admins
change them (the database's grants decide, migration 0029), each change audited."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gcrm import routing, vocab
from gcrm.access import user_engine as engine_for

ROUTING_METHODS = routing.METHODS
ROUTING_PICKS = routing.PICKS
ROUTING_FOR = routing.APPLIES_TO


@st.cache_data(ttl=10, show_spinner=False)
def routing_setup(username: str) -> dict[str, pd.DataFrame]:
    """Rules, teams, queues and SLA clocks, as the user reads them."""
    engine = engine_for(username)
    return {"rules": routing.rules(engine=engine), "teams": routing.teams(engine=engine),
            "queues": routing.queues(engine=engine), "slas": routing.slas(engine=engine)}


@st.cache_data(ttl=30, show_spinner=False)
def routing_choices(username: str) -> dict[str, list[str]]:
    """What the pickers offer: case types (the company's list) and reps (ids)."""
    engine = engine_for(username)
    return {"case_types": vocab.value_names("case_type", engine=engine),
            "reps": routing.rep_ids(engine=engine)}


@st.cache_data(ttl=30, show_spinner=False)
def overdue_cases(username: str) -> pd.DataFrame:
    """Open cases past their SLA clocks, as the user may see them."""
    return routing.overdue(engine=engine_for(username))


def _changed() -> None:
    routing_setup.clear()


def routing_add_rule(username: str, name: str, **rule) -> int:
    rule_id = routing.add_rule(name, created_by=username, engine=engine_for(username), **rule)
    _changed()
    return rule_id


def routing_remove_rule(username: str, rule_id: int) -> str:
    name = routing.remove_rule(rule_id, actor=username, engine=engine_for(username))
    _changed()
    return name


def routing_set_team(username: str, team: str, reps: list[str]) -> None:
    routing.set_team(team, reps, actor=username, engine=engine_for(username))
    _changed()


def routing_set_queue(username: str, name: str) -> None:
    routing.set_default_queue(name, actor=username, engine=engine_for(username))
    _changed()


def routing_set_sla(username: str, case_type: str, first: float, resolution: float) -> None:
    routing.set_sla(case_type, first_response_hours=first, resolution_hours=resolution,
                    actor=username, engine=engine_for(username))
    _changed()
