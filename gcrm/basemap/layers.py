"""What goes in which base map layer, and from which zoom it is drawn.

Four layers: ``roads`` (lines), ``places`` (points with a name), ``water`` (areas and
lines) and ``buildings`` (areas). The zoom a feature appears from follows its kind: major
roads and big places at low zoom, every street and building at city and street zoom.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LAYER_NAMES = ("roads", "places", "water", "buildings")

ROAD_ZOOM = {
    "motorway": 5, "trunk": 6, "primary": 8, "secondary": 9, "tertiary": 11,
    "motorway_link": 10, "trunk_link": 11, "primary_link": 12, "secondary_link": 13,
    "tertiary_link": 13, "unclassified": 12, "residential": 13, "living_street": 14,
    "road": 13, "service": 15, "pedestrian": 15, "track": 15, "footway": 16, "path": 16,
    "cycleway": 16, "steps": 16, "bridleway": 16,
}
PLACE_ZOOM = {"city": 5, "town": 8, "village": 11, "suburb": 12, "hamlet": 12,
              "neighbourhood": 14, "quarter": 13, "locality": 14, "isolated_dwelling": 15}
WATER_LINE_ZOOM = {"river": 8, "canal": 11, "stream": 13, "ditch": 15, "drain": 15}
BUILDING_ZOOM = 15  # street zoom: at 14 a house is a pixel or two
GEOMETRIES = {"roads": {"LineString"}, "places": {"Point"},
              "water": {"Polygon", "LineString"}, "buildings": {"Polygon"}}


def min_zoom(layer: pd.Series, kind: pd.Series, *, population: pd.Series | None = None,
             area_km2: pd.Series | None = None) -> np.ndarray:
    """The zoom each feature is drawn from (0-22) given its layer and kind; places by
    population when known, water areas by size."""
    kind = kind.fillna("").astype(str).str.lower()
    zoom = pd.Series(14, index=layer.index, dtype="int64")
    roads = layer == "roads"
    zoom[roads] = kind[roads].map(ROAD_ZOOM).fillna(14).astype("int64")
    places = layer == "places"
    zoom[places] = kind[places].map(PLACE_ZOOM).fillna(12).astype("int64")
    if population is not None:
        people = pd.to_numeric(population, errors="coerce")
        known = places & people.notna()
        zoom[known] = np.select(
            [people[known] >= 100_000, people[known] >= 25_000, people[known] >= 8_000,
             people[known] >= 2_000], [5, 7, 9, 10], 11)
    water = layer == "water"
    zoom[water] = kind[water].map(WATER_LINE_ZOOM).fillna(12).astype("int64")
    if area_km2 is not None:
        area = pd.to_numeric(area_km2, errors="coerce")
        sized = water & area.notna() & (area > 0)
        zoom[sized] = np.select([area[sized] >= 50, area[sized] >= 5, area[sized] >= 0.5],
                                [5, 8, 10], 12)
    zoom[layer == "buildings"] = BUILDING_ZOOM
    return zoom.clip(0, 22).to_numpy()


def place_kind(population: pd.Series) -> pd.Series:
    """city / town / village from a population (places without an OpenStreetMap class)."""
    people = pd.to_numeric(population, errors="coerce").fillna(0)
    return pd.Series(np.select([people >= 50_000, people >= 5_000], ["city", "town"],
                               "village"), index=population.index)
