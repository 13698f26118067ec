"""The regional cube: measures, periods, regions and exports (Overview, Cube explorer)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards.data.basemap import basemap_tiles
from gcrm import cube, regions
from gcrm.access import user_engine as engine_for
from gcrm.access.roles import ROLES
from gcrm.config import get_settings

# --- overview and cube explorer: the regional cube -------------------------------------------

KPI_MEASURES = ("revenue", "customers", "prospects", "churn_rate", "complaints",
                "average_satisfaction")


def measure_catalogue() -> pd.DataFrame:
    """Every cube measure: name, unit, description (what the pickers offer), splits
    (the dimensions it can be split by) and time_grain (False: counted as things are now,
    it has no year, quarter or month)."""
    from gcrm.cube.definitions import SPLITS

    return pd.DataFrame(
        [(m.name, m.unit, m.description,
          tuple(d for d in cube.DIMENSIONS if all(d in SPLITS[f] for f in m.families)),
          not m.timeless)
         for m in cube.MEASURES.values()],
        columns=["name", "unit", "description", "splits", "time_grain"])


@st.cache_data(ttl=300, show_spinner=False)
def region_levels(username: str) -> pd.DataFrame:
    """The loaded region levels (name, parent_level, depth, kind, regions), top first."""
    return regions.levels(engine=engine_for(username))


@st.cache_data(ttl=60, show_spinner=False)
def cube_periods(username: str) -> list[str]:
    """The periods the cube has cells for, newest first: years, quarters and months
    ('2026', '2026-Q3', '2026-10'); empty when the cube was never built."""
    engine = engine_for(username)
    if cube.last_build(engine=engine) is None:
        return []
    months = [pd.Period(year=m.year, month=m.month, freq="M")
              for m in cube.months(engine=engine)]
    quarters = list(dict.fromkeys(f"{m.year:04d}-Q{m.quarter}" for m in months))
    years = list(dict.fromkeys(f"{m.year:04d}" for m in months))
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
    """The base tiles (URL template, attribution): the online tiles configured
    (GCRM_MAP_TILES), else gcrm's own base map when one is loaded; (None, None): none."""
    settings = get_settings()
    if settings.map_tiles:
        return settings.map_tiles, settings.map_attribution
    return basemap_tiles()


__all__ = ["EXPORT_FORMATS", "KPI_MEASURES", "cube_download", "cube_periods", "map_tiles",
           "may", "measure_catalogue", "region_chain", "region_levels", "region_measures",
           "regions_of"]
