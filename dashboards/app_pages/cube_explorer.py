"""Cube explorer: pick measures, a region level, a time grain, one split and filters; see
the pivot table and the matching map; download exactly that slice (CSV, Parquet,
GeoPackage, Excel) with its metadata."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import auth, components, data, formatting, maps

GRAINS = {"": "whole period", "year": "year", "quarter": "quarter", "month": "month"}
REGION_COLUMNS = {"name": "Region", "code": "Code"}
SPLITS = {"": "none", "segment": "segment", "status": "status", "category": "product category",
          "channel": "sales channel", "case_type": "case type"}


def main() -> None:
    user = auth.require("cube")
    name = user["username"]
    st.title("Cube explorer")
    try:
        periods = data.cube_periods(name)
        levels = data.region_levels(name)
    except data.GcrmError as exc:
        st.error(str(exc))
        return
    if not periods:
        st.info("The regional cube has not been built yet. The operator builds it with "
                "`gcrm cube build` after loading data (`make run` does it for the demo).")
        return
    catalogue = data.measure_catalogue()
    request = _controls(name, catalogue, levels, periods)
    if request is None:
        return
    request = _splittable(request, catalogue)
    if request is None:
        return
    request = _timed(request, catalogue)
    if request is None:
        return
    try:
        table = data.region_measures(name, request["measures"], request["level"],
                                     request["where"], request["period"], by=request["by"])
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    if table.empty:
        st.info("No cells you may see match this selection.")
        return
    _pivot(table, request, catalogue)
    _map(name, request, catalogue)
    if data.may(user["role"], "export"):
        _downloads(name, request)


def _controls(name: str, catalogue: pd.DataFrame, levels: pd.DataFrame,
              periods: list[str]) -> dict | None:
    names = list(catalogue["name"])
    left, right = st.columns(2)
    measures = left.multiselect("Measures", names, default=["revenue", "customers"],
                                format_func=formatting.label)
    level = right.selectbox("Regions by", list(levels["name"]),
                            index=min(1, len(levels) - 1))
    a, b, c = st.columns(3)
    grain = a.selectbox("Time", list(GRAINS), format_func=GRAINS.get, index=0)
    split = b.selectbox("Split by", list(SPLITS), format_func=SPLITS.get, index=0)
    period = c.selectbox("Period", ["all", *periods], index=1 if len(periods) else 0)
    where: list[tuple[str, tuple[str, ...]]] = []
    with st.expander("Filters"):
        f1, f2 = st.columns(2)
        within = f1.selectbox("Inside regions of", ["", *levels["name"]], index=0,
                              format_func=lambda x: x or "(any)")
        if within:
            options = data.regions_of(name, within)
            chosen = f2.multiselect("Regions", list(options["code"]),
                                    format_func=dict(zip(options["code"], options["name"],
                                                         strict=True)).get)
            if chosen:
                where.append((within, tuple(chosen)))
    if not measures:
        st.info("Pick at least one measure.")
        return None
    by = tuple(x for x in (grain, split) if x)
    return {"measures": tuple(measures), "level": level, "by": by, "where": tuple(where),
            "period": None if period == "all" else period}


def _splittable(request: dict, catalogue: pd.DataFrame) -> dict | None:
    """The request with only the measures that can take its split; each one that cannot
    is said (next to the table, with the splits it can take), the others still show."""
    split = [b for b in request["by"] if b not in GRAINS]
    if not split:
        return request
    splits = catalogue.set_index("name")["splits"]
    refused = [m for m in request["measures"] if split[0] not in splits[m]]
    return _without(request, refused, lambda measure: (
        f"**{formatting.label(measure)}**: {measure.replace('_', ' ')} cannot be split by "
        f"{SPLITS.get(split[0], split[0])}; it can by "
        f"{', '.join(SPLITS.get(d, d) for d in splits[measure]) or 'nothing'}. "),
        shown="Shown without it: pick another split to see it.", icon=":material/call_split:",
        none="None of the measures chosen can be split this way: pick another split or "
             "another measure.")


def _timed(request: dict, catalogue: pd.DataFrame) -> dict | None:
    """The request with only the measures that have its time grain: accounts and prospects
    are counted as they are now, with no year, quarter or month; each one left out is said,
    the others still show."""
    grain = [b for b in request["by"] if b in GRAINS]
    if not grain:
        return request
    timed = catalogue.set_index("name")["time_grain"]
    refused = [m for m in request["measures"] if not timed[m]]
    timeless = ", ".join(formatting.label(m) for m in timed.index if not timed[m])
    return _without(request, refused, lambda measure: (
        f"**{formatting.label(measure)}**: {measure} are counted as they are now and have no "
        f"time grain ({timeless}), so not by {grain[0]}. "),
        shown="Shown without it: pick *whole period* under Time to see it.",
        icon=":material/schedule:",
        none=f"None of the measures chosen has a time grain ({timeless} are counted as they "
             "are now): pick *whole period* under Time, or another measure.")


def _without(request: dict, refused: list[str], why, *, shown: str, icon: str,
             none: str) -> dict | None:
    """The request without the ``refused`` measures, each said (``why(measure)``, and
    ``shown`` when others still show); None, saying ``none``, when nothing is left."""
    kept = tuple(m for m in request["measures"] if m not in refused)
    for measure in refused:
        st.warning(why(measure) + (shown if kept else ""), icon=icon)
    if not kept:
        st.info(none)
        return None
    return {**request, "measures": kept}


def _pivot(table: pd.DataFrame, request: dict, catalogue: pd.DataFrame) -> None:
    """Regions down the side; time and split across, one block per measure, the measures
    in the order chosen; the heading counts the rows shown."""
    across = list(request["by"])
    units = catalogue.set_index("name")["unit"]
    measures = list(request["measures"])
    if across:
        pivot = table.pivot_table(index=["name", "code"], columns=across,
                                  values=measures, aggfunc="first")
        # pivot_table sorts the measures by name: put them back in the order chosen.
        pivot = pivot[[col for m in measures for col in pivot.columns if col[0] == m]]
        unit_of = {" · ".join(str(c) for c in col): units[col[0]] for col in pivot.columns}
        pivot.columns = list(unit_of)
        st.subheader(_rows(len(pivot)))
        st.dataframe(pivot, width="stretch",
                     column_config={**REGION_COLUMNS, **components.measure_columns(unit_of)})
    else:
        columns = ["name", "code", *measures]
        st.subheader(_rows(len(table)))
        st.dataframe(table[columns], hide_index=True, width="stretch",
                     column_config={**REGION_COLUMNS, **components.measure_columns(
                         {m: units[m] for m in measures})})


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _map(name: str, request: dict, catalogue: pd.DataFrame) -> None:
    """The first measure over the whole selection, on the map."""
    measure = request["measures"][0]
    split = [b for b in request["by"] if b not in GRAINS]
    if split:
        st.caption("The map shows the first measure for all members of the split.")
    frame = data.region_measures(name, (measure,), request["level"], request["where"],
                                 request["period"], geometry=True)
    if frame.empty:
        return
    tiles, attribution = data.map_tiles()
    m, _ = maps.choropleth(frame, measure, label=formatting.label(measure),
                           unit=catalogue.set_index("name")["unit"][measure],
                           tiles=tiles, attribution=attribution)
    components.map_view(m, key=f"cube-map-{request}", height=460)


def _downloads(name: str, request: dict) -> None:
    st.subheader("Download this slice")
    left, right = st.columns([1, 3])
    min_count = left.number_input(
        "Suppress cells of fewer than (people)", min_value=0, value=0, step=1,
        help="For files that leave the company: cells built from fewer people have their "
             "measures blanked and are marked suppressed (never dropped silently).")
    columns = right.columns(len(data.EXPORT_FORMATS))
    for column, (fmt, label) in zip(columns, data.EXPORT_FORMATS.items(), strict=True):
        suffix = "xlsx" if fmt == "xlsx" else "zip"
        column.download_button(
            label, key=f"download-{fmt}", file_name=f"gcrm-{request['level']}-{fmt}.{suffix}",
            data=_deferred(name, fmt, request, int(min_count) or None),
            help="With its metadata: measure definitions, filters and the build it comes from.")


def _deferred(name: str, fmt: str, request: dict, min_count: int | None):
    """The export runs when the button is clicked (and is audited then), not on every run."""
    return lambda: data.cube_download(name, fmt, request["measures"], request["level"],
                                      request["by"], request["where"], request["period"],
                                      min_count)


main()
