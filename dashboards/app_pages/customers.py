"""Customers & prospects: accounts on a map driven by the viewport (counts per cell when
zoomed out, the accounts themselves when zoomed in; never more than 5,000 shapes sent),
filters and search, and the history of the account you open: profile, sales over time,
orders, service cases and every contact across channels."""

from __future__ import annotations

import streamlit as st

from dashboards import auth, components, data, maps, place_search

STATUSES = ("customer", "prospect", "churned")


def main() -> None:
    user = auth.require("customers")
    name = user["username"]
    st.title("Customers & prospects")
    extent = data.accounts_extent(name)
    if extent is None:
        st.info("No regions are loaded yet: load boundaries (`gcrm regions load`) or the demo "
                "world (`gcrm demo`), then come back.")
        return
    state = st.session_state.setdefault("customers_view", _start(extent))
    filters, search = _filters(name)
    if (place := place_search.go_to(name, key="customers")) and place.new:  # a new map there
        state.update(bounds=place.bounds, center=place.center, zoom=place.zoom,
                     start=(place.center, place.zoom))
        st.query_params["at"] = place.at
    try:
        view = data.accounts_in_view(name, state["bounds"], state["zoom"],
                                     tuple(sorted(filters.items())), search)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    left, right = st.columns([3, 2])
    with left:
        _caption(view, search)
        tiles, attribution = data.map_tiles()
        # The map opens where the page started; later views move it (center, zoom) without
        # a new map, so its HTML, hence the browser's map, stays the same.
        base = maps.outlines(maps.base_map(None, tiles=tiles, attribution=attribution,
                                           center=state["start"][0], zoom=state["start"][1]),
                             data.region_outlines(name, _outline_level(name)))
        maps.status_legend(clusters=True).add_to(base)
        moved = components.viewport_map(base, maps.account_layer(view.kind, view.frame),
                                        key="customers-map", center=state["center"],
                                        zoom=state["zoom"])
        if moved is not None and moved.cell is not None and moved.cell != state.get("cell"):
            state.update(cell=moved.cell, clicked=None)  # a counted cell: zoom into it
            _go(state, moved.cell, min(moved.zoom + 2, 18))
            # The map may still report the view it had when clicked: not where to go back.
            state["arriving"] = (state["zoom"], 2)
            st.rerun()
        elif moved is not None and moved.account_id != state.get("clicked"):
            state.update(clicked=moved.account_id, cell=None)  # a new click (the map
            # repeats the last one on every run)
            if moved.account_id is not None:
                st.query_params["account"] = str(moved.account_id)
        elif moved is not None and _arrived(state, moved) and (
                moved.bounds, moved.zoom) != (state["bounds"], state["zoom"]):
            state.update(bounds=moved.bounds, zoom=moved.zoom, center=moved.center)
            lat, lon = moved.center
            st.query_params["at"] = f"{lat:.5f},{lon:.5f},{moved.zoom}"
            st.rerun()
    with right:
        _open_account(name, view)


def _arrived(state: dict, moved) -> bool:
    """False for a report of the view the map had before the page moved it (at most two
    such reports are set aside; then the map's own view wins again)."""
    zoom, left = state.get("arriving") or (None, 0)
    if zoom is None or moved.zoom == zoom or left <= 0:
        state["arriving"] = None
        return True
    state["arriving"] = (zoom, left - 1)
    return False


def _go(state: dict, center: tuple[float, float], zoom: int) -> None:
    """Move the map to ``center`` at ``zoom`` (and say so in the URL)."""
    state.update(bounds=components.snap(maps.bounds_at(center, zoom), zoom), zoom=zoom,
                 center=center)
    st.query_params["at"] = f"{center[0]:.5f},{center[1]:.5f},{zoom}"


def _start(extent) -> dict:
    """The first view: the link's ``at=lat,lon,zoom`` when given, else every region the
    user may see (a manager's own)."""
    try:
        lat, lon, zoom = st.query_params.get("at", "").split(",")
        center, zoom = (float(lat), float(lon)), int(zoom)
        if not (-85 <= center[0] <= 85 and -180 <= center[1] <= 180 and 1 <= zoom <= 19):
            raise ValueError
    except ValueError:
        center, zoom = maps.view_of(extent)
        return {"bounds": extent, "zoom": zoom, "center": center, "start": (center, zoom)}
    bounds = components.snap(maps.bounds_at(center, zoom), zoom)
    return {"bounds": bounds, "zoom": zoom, "center": center, "start": (center, zoom)}


def _outline_level(name: str) -> str:
    """The second boundary level (counties under states), or the first when alone."""
    levels = data.region_levels(name)
    boundaries = levels[levels["kind"] != "h3"].sort_values("depth")["name"].tolist()
    return boundaries[1] if len(boundaries) > 1 else boundaries[0]


def _filters(name: str) -> tuple[dict, str | None]:
    options = data.account_filter_options(name)
    region_names = dict(zip(options["region"], options.get("region_name", options["region"]),
                            strict=True))
    a, b, c, d, e = st.columns(5)
    chosen = {
        "status": a.selectbox("Status", ["", *STATUSES], key="acc_status",
                              format_func=lambda s: s or "all"),
        "segment": b.selectbox("Segment", ["", *options["segment"]], key="acc_segment",
                               format_func=lambda s: s or "all"),
        "owner": c.selectbox("Owner", ["", *options["owner"]], key="acc_owner",
                             format_func=lambda s: s or "anyone"),
        "region": d.selectbox("Region", ["", *options["region"]], key="acc_region",
                              format_func=lambda s: _region_label(s, region_names)),
    }
    search = e.text_input("Search name or id", max_chars=80, key="acc_search").strip()
    return {k: v for k, v in chosen.items() if v}, search or None


def _region_label(code: str, names: dict[str, str]) -> str:
    """"New Castle County (county)" for ``county:DE-NEW_CASTLE``; the empty choice: all."""
    if not code:
        return "all you may see"
    level = code.split(":", 1)[0]
    return f"{names.get(code, code)} ({level})"


def _caption(view, search: str | None) -> None:
    if view.total == 0:
        st.info("No accounts you may see match here. Zoom out, move the map or clear the "
                "filters.")
    elif search:
        capped = " (the first 5,000; refine the search)" if view.total >= 5000 else ""
        st.caption(f"{_accounts(view.total)} found{capped}. Click one to open its history.")
    elif view.kind == "clusters":
        st.caption(f"{_accounts(view.total)} in view, counted in {len(view.frame):,} cells. "
                   "Zoom in to see the accounts themselves.")
    else:
        st.caption(f"{_accounts(view.total)} in view. Click one to open its history.")


def _accounts(n: int) -> str:
    return f"{n:,} account" + ("" if n == 1 else "s")


def _open_account(name: str, view) -> None:
    listed = view.frame if view.kind == "accounts" else view.frame.iloc[0:0]
    wanted = st.query_params.get("account")
    chosen = int(wanted) if wanted and wanted.isdigit() else None
    if not listed.empty:
        labels = dict(zip(listed["id"].tolist(), listed["name"].fillna("(no name)"),
                          strict=True))
        ids = list(labels)
        pick = st.selectbox(
            "Open an account", [None, *ids], key="acc_pick",
            index=ids.index(chosen) + 1 if chosen in labels else 0,
            format_func=lambda i: "…" if i is None else f"{labels[i]} (#{i})")
        if pick is not None and pick != chosen:
            st.query_params["account"] = str(pick)
            chosen = pick
    if chosen is None:
        st.caption("Open an account on the map or from the list to see its history.")
        return
    try:
        history = data.account_history(name, chosen)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    components.account_history(history, risk=data.account_risk(name, chosen),
                               value=data.account_value(name, chosen))


main()
