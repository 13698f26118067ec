"""The Territories page: scenarios, design, moves, compare, apply."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from gcrm import territories
from gcrm.access import user_engine as engine_for

# --- territories page -----------------------------------------------------------------------
# Scenarios change when a planner designs or moves: short ttl, and cleared on every write.

@st.cache_data(ttl=10, show_spinner=False)
def territory_scenarios(username: str) -> pd.DataFrame:
    """Every scenario: name, level, territories, created_by, created_at, applied_at."""
    return territories.scenarios(engine=engine_for(username))


@st.cache_data(ttl=10, show_spinner="Reading the scenario ...")
def territory_scenario(username: str, name: str) -> territories.Scenario:
    """A scenario's territories (workloads, targets, deviations, compactness) and figures."""
    return territories.show(name, engine=engine_for(username))


@st.cache_data(ttl=10, show_spinner=False)
def territory_areas(username: str, name: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The scenario's areas (outlines simplified for the browser) and its reps' homes."""
    areas = territories.plan_areas(name, engine=engine_for(username))
    if len(areas):
        west, south, east, north = areas.total_bounds
        areas["geometry"] = areas.geometry.simplify(max(east - west, north - south) / 2000,
                                                    preserve_topology=True)
    return areas, territories.rep_homes(name, engine=engine_for(username))


def territory_design(username: str, name: str, *, level: str, n_territories: int,
                     balance_on: tuple[str, ...], tolerance: float, keep_current: bool,
                     replace: bool) -> territories.Scenario:
    """Design and store a scenario as the user (planners and admins may write them)."""
    scenario = territories.design(name, level=level, n_territories=n_territories,
                                  balance_on=balance_on, tolerance=tolerance,
                                  keep_current=keep_current, replace=replace,
                                  created_by=username, engine=engine_for(username))
    _territories_changed()
    return scenario


WouldSplit = territories.WouldSplit


def territory_move(username: str, name: str, area: str, to: str, *,
                   allow_split: bool = False) -> territories.Scenario:
    """Move an area as the user; raises :class:`WouldSplit` (nothing changed) when the move
    would cut a territory in pieces and ``allow_split`` is not given."""
    scenario = territories.move(name, area, to, allow_split=allow_split,
                                engine=engine_for(username))
    _territories_changed()
    return scenario


def territory_compare(username: str, first: str, second: str) -> pd.DataFrame:
    return territories.compare(first, second, engine=engine_for(username))


def territory_apply(username: str, name: str) -> int:
    """Hand each territory's accounts to its rep, as the user; audited."""
    changed = territories.apply(name, actor=username, engine=engine_for(username))
    _territories_changed()
    return changed


def _territories_changed() -> None:
    for reader in (territory_scenarios, territory_scenario, territory_areas):
        reader.clear()


__all__ = ["territory_apply", "territory_areas", "territory_compare", "territory_design",
            "territory_move", "territory_scenario", "territory_scenarios", "WouldSplit"]
