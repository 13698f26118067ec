"""Read a base map file into one frame: layer, kind, name, min_zoom, geometry (EPSG:4326).

OpenStreetMap extracts (``.osm.pbf``, ``.osm``) go through GDAL's OSM driver (its layers
``points``, ``lines`` and ``multipolygons``); GeoPackage, GeoJSON and other vector files
give their features a layer by a ``layer`` column, by the file or layer name (roads,
places, water, buildings), or by OpenStreetMap's tags (``highway``, ``place``,
``building``, ``waterway``/``natural``). Rows that cannot be drawn are counted by reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gcrm.basemap.layers import GEOMETRIES, LAYER_NAMES, min_zoom, place_kind
from gcrm.errors import InvalidInput

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
# Which base map layer a file or layer name means, and which tag gives a feature's kind.
NAME_HINTS = {"road": "roads", "street": "roads", "highway": "roads", "place": "places",
              "town": "places", "cit": "places", "water": "water", "river": "water",
              "lake": "water", "building": "buildings"}
KIND_COLUMNS = {"roads": ("highway",), "places": ("place",), "buildings": ("building",),
                "water": ("waterway", "water", "natural")}
TAG_LAYERS = (("highway", "roads"), ("place", "places"), ("building", "buildings"),
              ("waterway", "water"))
WATER_AREAS = ("water", "reservoir", "basin", "riverbank")
SHAPES = {"LineString": "a line", "Point": "a point", "Polygon": "an area"}


@dataclass
class BasemapFrame:
    """Features ready to store, what was left out (reason -> rows) and the attribution."""

    features: gpd.GeoDataFrame
    rejected: Counter = field(default_factory=Counter)
    attribution: str | None = None


def read_basemap(path: Path) -> BasemapFrame:
    """Read ``path`` (an OpenStreetMap extract, GeoPackage, GeoJSON...) into base map
    features; raises :class:`InvalidInput` with what to do when the file cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"No file {path}.")
    if path.name.lower().endswith(OSM_SUFFIXES):
        frames, attribution = _read_osm(path), OSM_ATTRIBUTION
    else:
        frames, attribution = _read_layers(path), _osm_attribution(path)
    rejected: Counter = Counter()
    kept = [_clean(frame, rejected) for frame in frames]
    kept = [k for k in kept if len(k)]
    if not kept:
        reasons = "; ".join(f"{n:,} {why}" for why, n in rejected.items()) or "it is empty"
        raise InvalidInput(f"{path.name} holds no base map features ({reasons}).")
    features = pd.concat(kept, ignore_index=True)
    return BasemapFrame(gpd.GeoDataFrame(features, geometry="geometry", crs=4326), rejected,
                        attribution)


def _read_osm(path: Path) -> list[gpd.GeoDataFrame]:
    import pyogrio

    def layer(name, columns, where):
        try:
            return pyogrio.read_dataframe(path, layer=name, columns=columns, where=where)
        except Exception as error:  # noqa: BLE001 - any reader error is the file's problem
            raise InvalidInput(f"Cannot read {path.name} as an OpenStreetMap extract "
                               f"(layer {name}): {_reason(error)}") from None

    frames = []
    points = layer("points", ["name", "place", "other_tags"], "place IS NOT NULL")
    frames.append(_frame(points, "places", points["place"],
                         population=_tag(points["other_tags"], "population")))
    lines = layer("lines", ["name", "highway", "waterway"],
                  "highway IS NOT NULL OR waterway IS NOT NULL")
    roads = lines[lines["highway"].notna()]
    frames.append(_frame(roads, "roads", roads["highway"]))
    rivers = lines[lines["highway"].isna()]
    frames.append(_frame(rivers, "water", rivers["waterway"]))
    areas = layer("multipolygons", ["name", "building", "natural", "landuse", "other_tags"],
                  "building IS NOT NULL OR natural = 'water' OR landuse IN "
                  "('reservoir', 'basin') OR other_tags LIKE '%\"water\"=>%' "
                  "OR other_tags LIKE '%\"waterway\"=>\"riverbank\"%'")
    buildings = areas[areas["building"].notna()]
    kind = buildings["building"].replace("yes", "building")
    frames.append(_frame(buildings, "buildings", kind))
    water = areas[areas["building"].isna()]
    water_kind = (_tag(water["other_tags"], "water")
                  .fillna(water["landuse"]).fillna(water["natural"]).fillna("water"))
    frames.append(_frame(water, "water", water_kind))
    return frames


def _read_layers(path: Path) -> list[gpd.GeoDataFrame]:
    import pyogrio

    try:
        names = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as error:  # noqa: BLE001
        raise InvalidInput(f"Cannot read {path.name} as a vector file (GeoPackage, "
                           f"GeoJSON, OpenStreetMap .osm.pbf ...): {_reason(error)}") from None
    frames = []
    for name in names:
        try:
            gdf = pyogrio.read_dataframe(path, layer=name)
        except Exception as error:  # noqa: BLE001
            raise InvalidInput(f"Cannot read layer {name!r} of {path.name}: {error}") from None
        if gdf.crs is None:
            raise InvalidInput(f"{path.name} (layer {name!r}) does not say its coordinate "
                               "system; save it with one (EPSG:4326 for longitude/latitude).")
        gdf = gdf.to_crs(4326)
        columns = {c.lower(): c for c in gdf.columns}
        population = gdf[columns["population"]] if "population" in columns else None
        if "layer" in columns:
            layers = gdf[columns["layer"]].astype("string").str.strip().str.lower()
            unknown = sorted(set(layers.dropna()) - set(LAYER_NAMES))
            if unknown or layers.isna().any():
                shown = ", ".join(map(repr, unknown)) if unknown else "an empty value"
                raise InvalidInput(f"{path.name}: the layer column holds {shown}; each row's "
                                   f"layer must be one of {', '.join(LAYER_NAMES)}.")
            for value in LAYER_NAMES:
                part = gdf[layers == value]
                if len(part):
                    frames.append(_frame(part, value, _kind(part, columns, value),
                                         population=None if population is None
                                         else population[layers == value]))
            continue
        value = _layer_of(name if len(names) > 1 else path.stem, columns)
        if value is None:
            raise InvalidInput(
                f"{path.name}: cannot tell which base map layer {name!r} holds. Give it a "
                f"'layer' column ({', '.join(LAYER_NAMES)}), name the file or layer after "
                "one of them, or keep OpenStreetMap's tags (highway, place, building, "
                "waterway).")
        frames.append(_frame(gdf, value, _kind(gdf, columns, value), population=population))
    return frames


def _reason(error: Exception) -> str:
    """GDAL's message without its advice on driver prefixes (gcrm picks the driver)."""
    return str(error).split("; It might help")[0].rstrip(".; ") + "."


def _osm_attribution(path: Path) -> str | None:
    """OpenStreetMap's credit when the file's features carry OSM ids (an extract saved as
    GeoJSON or GeoPackage)."""
    import pyogrio

    try:
        fields = pyogrio.read_info(path)["fields"]
    except Exception:  # noqa: BLE001 - the reader reports the file's problem later
        return None
    return OSM_ATTRIBUTION if {"osm_id", "osm_way_id"} & set(fields) else None


def _layer_of(name: str, columns: dict[str, str]) -> str | None:
    lowered = name.lower()
    for hint, value in NAME_HINTS.items():
        if hint in lowered:
            return value
    for tag, value in TAG_LAYERS:
        if tag in columns:
            return value
    return None


def _kind(gdf: gpd.GeoDataFrame, columns: dict[str, str], layer: str) -> pd.Series:
    for candidate in ("kind", *KIND_COLUMNS[layer]):
        if candidate in columns:
            return gdf[columns[candidate]]
    return pd.Series("", index=gdf.index)


def _frame(gdf: gpd.GeoDataFrame, layer: str, kind: pd.Series, *,
           population: pd.Series | None = None) -> gpd.GeoDataFrame:
    names = gdf["name"] if "name" in gdf.columns else pd.Series(None, index=gdf.index)
    if layer == "places" and population is not None:
        kind = kind.where(kind.notna() & (kind.astype(str).str.strip() != ""),
                          place_kind(population))
    frame = gpd.GeoDataFrame({
        "layer": layer,
        "kind": kind.fillna("").astype(str).str.strip().str.lower().to_numpy(),
        "name": names.astype("string").str.strip().replace("", pd.NA).to_numpy(),
        "population": (pd.to_numeric(population, errors="coerce").to_numpy()
                       if population is not None else np.nan),
    }, geometry=gdf.geometry.to_numpy(), crs=gdf.crs or 4326)
    return frame


def _tag(other_tags: pd.Series, key: str) -> pd.Series:
    """A value from GDAL's ``other_tags`` (``"key"=>"value",...``)."""
    return other_tags.astype("string").str.extract(f'"{key}"=>"([^"]*)"', expand=False)


def _clean(frame: gpd.GeoDataFrame, rejected: Counter) -> gpd.GeoDataFrame:
    """Drop rows with no drawable geometry for their layer (counting why); places as
    points, areas made valid; the zoom each feature shows from."""
    if not len(frame):
        return frame.iloc[0:0]
    layer = frame["layer"].iloc[0]
    geometry = frame.geometry
    missing = geometry.isna() | geometry.is_empty
    if missing.any():
        rejected[f"{layer} without a geometry"] += int(missing.sum())
    frame = frame[~missing].copy()
    if layer == "places":
        polygons = frame.geom_type.str.contains("Polygon")
        frame.loc[polygons, "geometry"] = frame.geometry[polygons].representative_point()
        unnamed = frame["name"].isna()
        if unnamed.any():
            rejected["places without a name"] += int(unnamed.sum())
        frame = frame[~unnamed]
    base = frame.geom_type.str.replace("Multi", "", regex=False)
    allowed = GEOMETRIES[layer]
    wrong = ~base.isin(allowed)
    for shape, n in base[wrong].value_counts().items():
        wanted = " or ".join(SHAPES[a] for a in sorted(allowed))
        rejected[f"{layer} given as {SHAPES.get(shape, shape)} (must be {wanted})"] += int(n)
    frame = frame[~wrong].copy()
    areas = frame.geom_type.str.contains("Polygon")
    if areas.any():
        frame.loc[areas, "geometry"] = shapely.make_valid(frame.geometry[areas].to_numpy())
    area_km2 = None
    if layer == "water" and areas.any():
        area_km2 = pd.Series(np.nan, index=frame.index)
        area_km2[areas] = frame.geometry[areas].to_crs(_equal_area()).area / 1e6
    frame["min_zoom"] = min_zoom(frame["layer"], frame["kind"],
                                 population=frame["population"], area_km2=area_km2)
    return frame[["layer", "kind", "name", "min_zoom", "geometry"]]


def _equal_area() -> str:
    return "ESRI:54009"  # Mollweide: areas for sizing water bodies, anywhere on Earth
