"""Place search: type a town, a ZIP code or a region, and the map goes there (offline: the
loaded regions and the geocoding reference, no online geocoder).

``go_to`` draws the box and returns the place chosen (``None`` until one is); a page moves
its map with the place's ``center``/``zoom`` (viewport maps, only when ``new``) or fits a
map to its ``bounds`` (``fit``). The chosen place stays until the box is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
import streamlit as st

from dashboards import components, data, maps

KINDS = {"place": "town", "postcode": "ZIP code", "zip": "ZIP code"}  # as people say them

@dataclass(frozen=True)
class Place:
    """Where a search led: the place's name and kind, the view to show, and whether it was
    chosen in this run (``new``) or is kept from an earlier one."""

    name: str
    kind: str
    bounds: tuple[float, float, float, float]  # the view: west, south, east, north
    center: tuple[float, float]  # lat, lon
    zoom: int
    new: bool = False

    @property
    def at(self) -> str:
        """The view as the pages' ``at=lat,lon,zoom`` link parameter."""
        return f"{self.center[0]:.5f},{self.center[1]:.5f},{self.zoom}"


def go_to(username: str, *, key: str) -> Place | None:
    """A search box: the best match of what the user typed (town, ZIP code or region), or
    the place kept from an earlier search; None when the box is empty or nothing matches."""
    chosen_key, new_key = f"{key}-place", f"{key}-new"
    text = st.text_input("Go to a place", key=f"{key}-text", label_visibility="collapsed",
                         placeholder="Go to a town or ZIP code",
                         on_change=_changed, args=(new_key,),
                         help="A town, a ZIP code or a region's name or code; the map "
                              "moves there (found offline).")
    new = st.session_state.pop(new_key, False)
    if not text.strip():
        st.session_state.pop(chosen_key, None)
        return None
    if new:
        st.session_state.pop(chosen_key, None)
        try:
            found = data.search_places(username, text.strip())
        except data.GcrmError as exc:
            st.caption(str(exc))
            return None
        if found.empty:
            st.caption(f"No town, ZIP code or region matches “{text.strip()}”.")
            return None
        st.session_state[chosen_key] = _place(found.iloc[0])
    place = st.session_state.get(chosen_key)
    if place is None:
        return None
    st.caption(f"Showing {place.name} ({place.kind}).")
    return Place(place.name, place.kind, place.bounds, place.center, place.zoom, new=new)


def fit(m: folium.Map, place: Place | None) -> folium.Map:
    """``m`` fitted to ``place`` (unchanged without one)."""
    if place is not None:
        west, south, east, north = place.bounds
        m.fit_bounds([[south, west], [north, east]])
    return m


def _changed(new_key: str) -> None:
    st.session_state[new_key] = True


def _place(row) -> Place:
    extent = (float(row["west"]), float(row["south"]), float(row["east"]),
              float(row["north"]))
    center, zoom = maps.view_of(extent)
    zoom = min(zoom, 15)
    bounds = components.snap(maps.bounds_at(center, zoom), zoom)
    kind = KINDS.get(row["kind"], row["kind"])
    return Place(str(row["name"]), kind, bounds, center, zoom)
