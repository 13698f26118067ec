"""A table written to a file with its metadata beside it, as every gcrm export does
(cube slices, hot spots, forecasts): ``FILE`` and ``FILE.meta.json``."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gcrm.errors import InvalidInput


def metadata_path(path: Path) -> Path:
    """Where the metadata of ``path`` goes: ``FILE.<ext>.meta.json``."""
    return path.with_name(path.name + ".meta.json")


def format_of(path: Path, formats: dict[str, str]) -> str:
    """The format of ``path`` from its suffix among ``formats`` (suffix -> format), or a
    refusal naming the suffixes that work."""
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(f"Cannot write {path.name}: use {_either(list(formats))}.")
    return fmt


def write(frame: pd.DataFrame, path: Path, fmt: str, metadata: dict, *, layer: str) -> Path:
    """Write ``frame`` as csv (without its geometry), parquet / geoparquet or gpkg (as
    ``layer``) and ``metadata`` as JSON beside it; returns the metadata's path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        plain = (pd.DataFrame(frame.drop(columns=frame.geometry.name))
                 if isinstance(frame, gpd.GeoDataFrame) else frame)
        plain.to_csv(path, index=False)
    elif fmt in ("parquet", "geoparquet"):
        frame.to_parquet(path, index=False)
    elif fmt == "gpkg":
        frame.to_file(path, layer=layer, driver="GPKG")
    else:
        raise InvalidInput(f"Unknown format {fmt!r}; use csv, parquet, geoparquet or gpkg.")
    sidecar = metadata_path(path)
    sidecar.write_text(json.dumps(metadata, indent=2, default=str))
    return sidecar


def _either(suffixes: list[str]) -> str:
    return suffixes[0] if len(suffixes) == 1 else (", ".join(suffixes[:-1]) + " or "
                                                    + suffixes[-1])
