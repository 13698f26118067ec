"""Settings: one object, read from ``GCRM_*`` environment variables on first use.

Nothing here runs at import. Call :func:`get_settings`; tests that change the
environment call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob gcrm reads from the environment (prefix ``GCRM_``) or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="GCRM_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="Use this PostgreSQL/PostGIS server instead of the managed local cluster.",
    )
    home: Path = Field(
        default=Path(".gcrm"),
        description="Folder for the managed cluster and other local state (git-ignored).",
    )
    db_port: int = Field(default=54329, ge=1024, le=65535)
    db_name: str = "gcrm"
    db_user: str = "gcrm"
    db_os_user: str = Field(
        default="postgres",
        description="Unprivileged system user that runs the managed server when gcrm runs as root.",
    )
    dashboard_port: int = Field(default=8501, ge=1024, le=65535)
    session_hours: float = Field(
        default=12, gt=0, le=24 * 90,
        description="How long a dashboard sign-in lasts in a browser (reloads and shared "
        "links keep it) unless the user signs out or is disabled.",
    )
    encryption_key_file: Path | None = Field(
        default=None,
        description="File holding the key that encrypts interaction notes at rest (pgcrypto); "
        "kept outside the database. `gcrm privacy new-key` writes one.",
    )
    user: str | None = Field(
        default=None,
        description="Act as this gcrm user (their role, regions and masking apply); "
        "unset, the command line acts as the operator.",
    )
    fiscal_year_start: int = Field(
        default=1, ge=1, le=12,
        description="First month of the fiscal year for cube quarters and years (1 = "
        "January; 7 = July, so FY2026 runs July 2025 to June 2026).",
    )
    date_min: dt.date = Field(
        default=dt.date(1900, 1, 1),
        description="Earliest date a load accepts (order, case, interaction, customer "
        "dates); rows dated before it are rejected with the range in the reason.")
    date_max: dt.date | None = Field(
        default=None,
        description="Latest date a load accepts; None: a year from today. A sale dated "
        "9999-12-31 would otherwise stretch every monthly series to the year 9999.")
    geocoder_provider: str | None = Field(
        default=None, description="Optional online geocoder (a geopy provider, e.g. nominatim)."
    )
    geocoder_user_agent: str | None = None
    geocoder_min_delay: float = Field(default=1.0, ge=0)
    map_tiles: str | None = Field(
        default=None,
        description="Base tiles for the dashboard's maps, an XYZ URL template such as "
        "https://tile.example.org/{z}/{x}/{y}.png (your own tile server when offline). "
        "None: maps show region outlines and data without a base map.",
    )
    map_attribution: str | None = Field(
        default=None, description="The attribution the tile provider asks for.")
    tile_port: int = Field(
        default=8502, ge=0, le=65535,
        description="Port of the base map's vector tile endpoint the dashboard starts "
        "(`gcrm basemap`); taken, or 0: any free port.")
    tile_host: str = Field(default="0.0.0.0", description="Address the tile endpoint "
                           "listens on.")
    tile_url: str | None = Field(
        default=None,
        description="Public URL template of the vector tiles when they are served behind a "
        "proxy, e.g. https://maps.example.org/tiles/{z}/{x}/{y}.pbf. None: the page's own "
        "host name with GCRM_TILE_PORT.")

    dask_scheduler: str | None = Field(
        default=None,
        description="Address of a Dask scheduler (tcp://host:port) that runs the bulk work "
        "(point-to-region assignment; docs/scale.md). None: it runs on this machine.")

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, value: str | None) -> str | None:
        """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
        if not value:
            return None
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first call."""
    return Settings()
