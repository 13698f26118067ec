"""The Trade areas page: builds, penetration, target lists and campaigns."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from gcrm import audit, campaigns, regions, tradeareas
from gcrm.access import user_engine as engine_for
from gcrm.campaigns.targets import CHANNELS, RISK_BANDS, STATUSES
from gcrm.campaigns.targets import write as write_targets

# --- trade areas page (marketers) -------------------------------------------------------------
# Builds and campaigns change when a marketer builds or saves one: short ttl, and cleared on
# every write. A target list is never cached as a whole (it holds people); only its count and
# a short preview are, for seconds, keyed by the user and the filter.

TargetFilter = campaigns.TargetFilter
TARGET_STATUSES = STATUSES
TARGET_RISK_BANDS = RISK_BANDS  # low, medium, high: a band keeps itself and those above
TARGET_FORMATS = {"csv": "CSV", "xlsx": "Excel"}
TRADE_AREA_METHODS = tradeareas.METHODS


@st.cache_data(ttl=10, show_spinner=False)
def tradearea_builds(username: str) -> pd.DataFrame:
    """Every build: name, method, trade_areas, sites, params, created_by, created_at."""
    return tradeareas.builds(engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner=False)
def tradearea_sites(username: str) -> pd.DataFrame:
    """Every site: site (its code), name, kind, attractiveness, lon, lat."""
    return tradeareas.site_points(engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner=False)
def road_networks(username: str) -> pd.DataFrame:
    """The loaded road networks (for drive times): network, edges, road_km."""
    return tradeareas.networks(engine=engine_for(username))


@st.cache_data(ttl=30, show_spinner="Reading the trade areas ...")
def tradearea_areas(username: str, build: str) -> gpd.GeoDataFrame:
    """The build's trade areas with their figures (one row per site and band)."""
    return tradeareas.areas(build, engine=engine_for(username))


@st.cache_data(ttl=30, show_spinner=False)
def tradearea_overlaps(username: str, build: str) -> pd.DataFrame:
    """Pairs of the build's sites whose areas overlap (cannibalisation), largest first."""
    return tradeareas.overlaps(build, engine=engine_for(username))


@st.cache_data(ttl=30, show_spinner="Measuring penetration ...")
def tradearea_penetration(username: str, build: str | None = None
                          ) -> tuple[str, gpd.GeoDataFrame]:
    """The level penetration is measured at, and per region of it: potential, customers,
    penetration, gap, in_trade_area (of ``build``), white_space, geometry."""
    frame = tradeareas.penetration(build=build, engine=engine_for(username))
    return str(frame.attrs.get("level", "")), frame


def tradearea_build(username: str, name: str, method: str, *, sites: tuple[str, ...],
                    progress=None, **options) -> tradeareas.Built:
    """Build and store trade areas as the user (marketers and admins may); ``options`` are
    the method's own (radii_km, minutes and network, shares and weight, level, decay and
    calibrate) and ``replace``."""
    built = tradeareas.build(name, method, sites=list(sites) or None, created_by=username,
                             progress=progress, engine=engine_for(username), **options)
    _tradeareas_changed()
    return built


def _tradeareas_changed() -> None:
    for reader in (tradearea_builds, tradearea_areas, tradearea_overlaps,
                   tradearea_penetration, target_count, target_preview):
        reader.clear()


@st.cache_data(ttl=300, show_spinner=False)
def context_keys(username: str, level: str) -> list[str]:
    """The context layers (share_apartments, foot_traffic_index, ...) of ``level``'s
    regions: what a target list's context condition can read."""
    frame = regions.frame(level, engine=engine_for(username))
    keys = set()
    for context in frame.get("context", pd.Series(dtype=object)).dropna():
        keys.update(context)
    return sorted(keys)


@st.cache_data(ttl=15, show_spinner=False)
def target_count(username: str, where: campaigns.TargetFilter) -> int:
    """How many people the list ``where`` reaches (with consent for its channel)."""
    return campaigns.count(where, engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def target_preview(username: str, where: campaigns.TargetFilter, limit: int = 50
                   ) -> pd.DataFrame:
    """The first ``limit`` people of the list, best score first."""
    return campaigns.targets(where, limit=limit, engine=engine_for(username))


def target_download(username: str, where: campaigns.TargetFilter, fmt: str,
                    file_name: str) -> bytes:
    """The list as CSV or XLSX bytes, read as the user when they click download, and
    audited as ``export.targets`` (the count and the filter, never the people), as
    ``gcrm.campaigns.export`` does for a file."""
    import io

    engine = engine_for(username)
    frame = campaigns.targets(where, engine=engine)
    buffer = io.BytesIO()
    write_targets(frame, buffer, fmt)
    audit.record("export.targets", file_name, {"rows": len(frame), "filter": where.describe()},
                 actor=username, engine=engine)
    return buffer.getvalue()


def campaign_create(username: str, name: str, where: campaigns.TargetFilter) -> int:
    """Save the list as campaign ``name`` (audited); returns its members."""
    members = campaigns.create(name, where, created_by=username, engine=engine_for(username))
    _campaigns_changed()
    return members


@st.cache_data(ttl=15, show_spinner=False)
def campaign_list(username: str) -> pd.DataFrame:
    """Every campaign: name, channel, members, responded, response_rate, who, when."""
    return campaigns.campaigns(engine=engine_for(username))


@st.cache_data(ttl=30, show_spinner=False)
def campaign_response_rates(username: str, name: str, level: str) -> gpd.GeoDataFrame:
    """Campaign ``name``'s members by region of ``level``: members, responded, rate."""
    return campaigns.response_rates(name, level, engine=engine_for(username))


@st.cache_data(ttl=30, show_spinner=False)
def campaign_response_by_risk(username: str, name: str) -> pd.DataFrame:
    """Campaign ``name``'s members by churn risk band when targeted (high, medium, low,
    not scored): members, responded, rate."""
    return campaigns.response_by_risk(name, engine=engine_for(username))


def _campaigns_changed() -> None:
    for reader in (campaign_list, campaign_response_rates, campaign_response_by_risk):
        reader.clear()


__all__ = ["CHANNELS", "TARGET_FORMATS", "TARGET_RISK_BANDS", "TARGET_STATUSES",
            "TRADE_AREA_METHODS", "TargetFilter", "campaign_create", "campaign_list",
            "campaign_response_by_risk", "campaign_response_rates",
            "context_keys", "road_networks", "target_count", "target_download",
            "target_preview", "tradearea_areas", "tradearea_build", "tradearea_builds",
            "tradearea_overlaps", "tradearea_penetration", "tradearea_sites"]
