"""The base map: its tile endpoint (started once per dashboard process, beside Streamlit)
and the offline place search."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from gcrm import basemap
from gcrm.access import user_engine as engine_for
from gcrm.basemap import serve
from gcrm.config import get_settings

log = logging.getLogger(__name__)
TILE_PATH = "/tiles/{z}/{x}/{y}.pbf"


@st.cache_resource(show_spinner=False)
def _tile_server() -> int:
    """Start the tile endpoint in a daemon thread of this process; its port (the
    configured one, or any free port when that one is taken)."""
    settings = get_settings()
    try:
        server = serve.start(settings.tile_port, host=settings.tile_host)
    except OSError as error:
        log.warning("Tile port %s is taken (%s); serving tiles on a free port.",
                    settings.tile_port, error)
        server = serve.start(0, host=settings.tile_host)
    return server.server_port


@st.cache_data(ttl=60, show_spinner=False)
def _loaded_basemaps() -> tuple[bool, str | None]:
    """Whether a base map is loaded, and the credits its sources ask for."""
    frame = basemap.basemaps()
    credits = [a for a in dict.fromkeys(frame["attribution"].dropna()) if a]
    return (not frame.empty), (" | ".join(credits) or None)


def basemap_tiles() -> tuple[str | None, str | None]:
    """The vector tile URL template for the maps (``{hostname}`` is the page's host) and
    its attribution; (None, None) when no base map is loaded."""
    loaded, attribution = _loaded_basemaps()
    if not loaded:
        return None, None
    settings = get_settings()
    if settings.tile_url:
        return settings.tile_url, attribution
    return f"//{{hostname}}:{_tile_server()}{TILE_PATH}", attribution


@st.cache_data(ttl=300, show_spinner=False)
def search_places(username: str, text: str, limit: int = 8) -> pd.DataFrame:
    """Towns, ZIP codes and regions matching ``text`` (name, kind, code, bounds, centre)."""
    return basemap.places.search(text, limit=limit, engine=engine_for(username))


__all__ = ["basemap_tiles", "search_places"]
