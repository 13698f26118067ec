"""The one module of the dashboards that calls gcrm, with Streamlit caching around it.

Every read runs as the signed-in user (their PostgreSQL role), so row-level security and
masking decide what a page can show; the pages never see another user's data.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from gcrm import accounts, audit, campaigns, cube, quality, regions, territories, tradeareas
from gcrm.access import user_engine as engine_for
from gcrm.access import users
from gcrm.access.roles import ROLES
from gcrm.campaigns.targets import CHANNELS, STATUSES
from gcrm.campaigns.targets import write as write_targets
from gcrm.config import get_settings
from gcrm.errors import GcrmError, PermissionDenied, UnknownUser
from gcrm.health import DatabaseHealth, database_health


def sign_in(username: str, password: str) -> dict | None:
    """The user as a plain dict when the password is right (audited either way)."""
    return _as_dict(users.authenticate(username.strip().lower(), password))


def _as_dict(user) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "label": user.label, "role": user.role,
            "regions": list(user.regions)}


def current_user(username: str) -> dict | None:
    """The user as stored now (role and regions may have changed since sign-in); None when
    they were disabled or removed."""
    try:
        user = users.get_user(username)
    except UnknownUser:
        return None
    return None if user.disabled else _as_dict(user)


def sign_in_sso(email: str, email_verified: bool) -> dict | None:
    """The user whose email the identity provider vouched for (audited either way)."""
    return _as_dict(users.authenticate_sso(email, email_verified=email_verified))


def sign_out(username: str) -> None:
    audit.record("sign_out", username, actor=username, engine=engine_for(username))


def pages_for(role: str) -> tuple[str, ...]:
    return ROLES[role].pages


def role_description(role: str) -> str:
    return ROLES[role].description


@st.cache_data(ttl=30, show_spinner="Checking the database ...")
def health(username: str) -> DatabaseHealth:
    """Database versions, size, schema revision and the rows this user may see (30 s)."""
    return database_health(engine_for(username))


def users_table(username: str) -> pd.DataFrame:
    """Every user with role, regions and state; for admins only (checked now, not at
    sign-in)."""
    user = current_user(username)
    if user is None or user["role"] != "admin":
        raise PermissionDenied("The list of users is for admins only.")
    return users.list_users()


def audit_log(username: str, limit: int = 500) -> pd.DataFrame:
    """The newest audit entries, read as ``username`` (the database lets admins only)."""
    return audit.recent(limit=limit, engine=engine_for(username))


# --- overview and cube explorer: the regional cube -------------------------------------------

KPI_MEASURES = ("revenue", "customers", "prospects", "churn_rate", "complaints",
                "average_satisfaction")


def measure_catalogue() -> pd.DataFrame:
    """Every cube measure: name, unit, description (what the pickers offer)."""
    return pd.DataFrame([(m.name, m.unit, m.description) for m in cube.MEASURES.values()],
                        columns=["name", "unit", "description"])


@st.cache_data(ttl=300, show_spinner=False)
def region_levels(username: str) -> pd.DataFrame:
    """The loaded region levels (name, parent_level, depth, kind, regions), top first."""
    return regions.levels(engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner=False)
def cube_periods(username: str) -> list[str]:
    """The periods the cube covers, newest first: years, quarters and months ('2026',
    '2026-Q3', '2026-10'); empty when the cube was never built."""
    build = cube.last_build(engine=engine_for(username))
    if build is None or build["first_month"] is None:
        return []
    months = pd.period_range(build["first_month"], build["last_month"], freq="M")
    quarters = list(dict.fromkeys(f"{m.year}-Q{m.quarter}" for m in months))
    years = list(dict.fromkeys(str(m.year) for m in months))
    return [*reversed(years), *reversed(quarters), *(str(m) for m in reversed(months))]


@st.cache_data(ttl=300, show_spinner="Reading the cube ...")
def region_measures(username: str, measures: tuple[str, ...], level: str,
                    where: tuple[tuple[str, tuple[str, ...]], ...] = (), period: str | None = None,
                    compare: bool = False, geometry: bool = False, by: tuple[str, ...] = ()
                    ) -> pd.DataFrame:
    """``gcrm.cube.query`` as the user (row-level security holds); with ``geometry`` a
    GeoDataFrame whose outlines are simplified for the browser (about 1/2000 of the map's
    extent: invisible on screen, ten times less to send)."""
    frame = cube.query(list(measures), level=level, where={k: list(v) for k, v in where},
                       period=period, by=list(by),
                       compare="previous_period" if compare else None, geometry=geometry,
                       engine=engine_for(username))
    if geometry and len(frame):
        frame = frame[~frame.geometry.isna()].copy()
        west, south, east, north = frame.total_bounds
        frame["geom"] = frame.geometry.simplify(max(east - west, north - south) / 2000,
                                                preserve_topology=True)
        frame = frame.rename_geometry("geometry")
    return frame


@st.cache_data(ttl=300, show_spinner=False)
def region_chain(username: str, level: str, code: str) -> pd.DataFrame:
    """The region and its ancestors, top first: level, code, name."""
    chain = regions.ancestors(code, level=level, engine=engine_for(username))
    itself = regions_of(username, level, (code,)).assign(level=level)
    return pd.concat([chain[["level", "code", "name"]], itself[["level", "code", "name"]]],
                     ignore_index=True)


@st.cache_data(ttl=300, show_spinner=False)
def regions_of(username: str, level: str, codes: tuple[str, ...] | None = None
               ) -> pd.DataFrame:
    """Regions of ``level`` (all, or those ``codes``): code, name."""
    frame = regions.frame(level, engine=engine_for(username))
    frame = pd.DataFrame(frame[["code", "name"]])
    if codes is not None:
        frame = frame[frame["code"].isin(codes)]
    return frame.sort_values("code").reset_index(drop=True)


def may(role: str, action: str) -> bool:
    """Whether ``role`` is offered ``action`` (export, export_contacts, erase)."""
    return action in ROLES[role].actions


EXPORT_FORMATS = {"csv": "CSV", "parquet": "Parquet", "gpkg": "GeoPackage", "xlsx": "Excel"}


def cube_download(username: str, fmt: str, measures: tuple[str, ...], level: str,
                  by: tuple[str, ...] = (), where: tuple = (), period: str | None = None,
                  min_count: int | None = None) -> bytes:
    """The slice as a file to download, exported by ``gcrm.cube.export`` as the user (and
    audited): an XLSX with its metadata sheet, or a ZIP of the file and its
    ``.meta.json``. Called when the user clicks download, not before."""
    import io
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory(prefix="gcrm-download-") as tmp:
        path = Path(tmp) / f"gcrm-{level}.{'parquet' if fmt == 'parquet' else fmt}"
        result = cube.export(path, list(measures), level=level, by=list(by),
                             where={k: list(v) for k, v in where}, period=period, fmt=fmt,
                             min_count=min_count, engine=engine_for(username))
        if result.metadata_path is None:
            return path.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.write(path, path.name)
            bundle.write(result.metadata_path, result.metadata_path.name)
        return buffer.getvalue()


def map_tiles() -> tuple[str | None, str | None]:
    """The base tiles configured (URL template, attribution); (None, None): none."""
    settings = get_settings()
    return settings.map_tiles, settings.map_attribution


__all__ = ["EXPORT_FORMATS", "KPI_MEASURES", "audit_log", "cube_download", "cube_periods",
           "current_user", "GcrmError", "health", "map_tiles", "may", "measure_catalogue",
           "pages_for", "region_chain", "region_levels", "region_measures", "regions_of",
           "sign_in", "sign_out", "users_table"]


# --- data quality page ------------------------------------------------------------------------
# Short ttl: a load finishing should show within seconds. Keyed by username, so nobody is
# served rows cached for another user (rejected rows hold personal data: admins only, the
# database refuses everyone else with PermissionDenied, which is never cached).

@st.cache_data(ttl=15, show_spinner=False)
def quality_loads(username: str) -> pd.DataFrame:
    """The load runs, newest first, with read/inserted/updated/unchanged/rejected."""
    return quality.loads(engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def quality_rejects(username: str, run_id: int | None = None) -> pd.DataFrame:
    """The rejected rows (of one run): run_id, line, reason, row; admins only."""
    return quality.rejects(run_id, engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def quality_rejects_csv(username: str, run_id: int) -> bytes:
    """One run's rejects as CSV (line, reason, the file's columns); admins only."""
    return quality.rejects_csv(run_id, engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def geocode_mix(username: str) -> pd.DataFrame:
    """How the accounts the user may see were placed: precision, accounts, share."""
    return quality.geocode_mix(engine=engine_for(username))


@st.cache_data(ttl=15, show_spinner=False)
def unassigned_summary(username: str) -> pd.DataFrame:
    """Per region level, the accounts the user may see that lie in no region of it."""
    return quality.unassigned_summary(engine=engine_for(username))


__all__ += ["geocode_mix", "quality_loads", "quality_rejects", "quality_rejects_csv",
            "unassigned_summary"]


# --- customers & prospects page ----------------------------------------------------------------
# Keyed by username and by the view snapped to a grid (components.snap), so a small pan or
# a rerun reuses the answer; filters come as a sorted tuple of (name, value) pairs.

@st.cache_data(ttl=300, show_spinner=False)
def accounts_extent(username: str) -> tuple[float, float, float, float] | None:
    """Where the map starts: the top-level regions' outline (None before any region)."""
    return accounts.extent(engine=engine_for(username))


@st.cache_data(ttl=300, show_spinner=False)
def region_outlines(username: str, level: str) -> gpd.GeoDataFrame:
    """The outlines of ``level`` (code, name, geometry), simplified for the browser: drawn
    under the accounts, so a map without base tiles still shows where it is."""
    frame = regions.frame(level, engine=engine_for(username))
    if len(frame):
        west, south, east, north = frame.total_bounds
        frame["geometry"] = frame.geometry.simplify(max(east - west, north - south) / 3000)
    return frame[["code", "name", "geometry"]]


@st.cache_data(ttl=120, show_spinner=False)
def account_filter_options(username: str) -> dict[str, list[str]]:
    """The values each accounts filter accepts: status, segment, owner, region."""
    return accounts.known_values(engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner="Finding the accounts in view ...", max_entries=500)
def accounts_in_view(username: str, bounds: tuple[float, float, float, float], zoom: int,
                     filters: tuple[tuple[str, str], ...] = (), search: str | None = None
                     ) -> accounts.ViewResult:
    """Counts per cell (zoomed out) or the accounts (zoomed in) in ``bounds``, at most
    5,000 of either."""
    return accounts.in_view(bounds, zoom, filters=dict(filters), search=search,
                            engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner="Reading the account's history ...", max_entries=200)
def account_history(username: str, account_id: int) -> accounts.AccountHistory:
    """Profile, sales by month, orders, service cases and contacts of one account."""
    return accounts.history(account_id, engine=engine_for(username))


__all__ += ["account_filter_options", "account_history", "accounts_extent",
            "accounts_in_view", "region_outlines"]


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


def territory_move(username: str, name: str, area: str, to: str) -> territories.Scenario:
    scenario = territories.move(name, area, to, engine=engine_for(username))
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


__all__ += ["territory_apply", "territory_areas", "territory_compare", "territory_design",
            "territory_move", "territory_scenario", "territory_scenarios"]


# --- trade areas page (marketers) -------------------------------------------------------------
# Builds and campaigns change when a marketer builds or saves one: short ttl, and cleared on
# every write. A target list is never cached as a whole (it holds people); only its count and
# a short preview are, for seconds, keyed by the user and the filter.

TargetFilter = campaigns.TargetFilter
TARGET_STATUSES = STATUSES
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


def _campaigns_changed() -> None:
    for reader in (campaign_list, campaign_response_rates):
        reader.clear()


__all__ += ["CHANNELS", "TARGET_FORMATS", "TARGET_STATUSES", "TRADE_AREA_METHODS",
            "TargetFilter", "campaign_create", "campaign_list", "campaign_response_rates",
            "context_keys", "road_networks", "target_count", "target_download",
            "target_preview", "tradearea_areas", "tradearea_build", "tradearea_builds",
            "tradearea_overlaps", "tradearea_penetration", "tradearea_sites"]
