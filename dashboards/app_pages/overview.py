"""Overview: how a region is doing. KPI cards with their change, a choropleth of any
measure (click a region to drill into it, the breadcrumb goes back up), the top and
bottom regions, and the measure over time. "Hot spots" outlines the regions where the
measure is unusually high or low beyond chance (docs/stats.md). The URL holds region,
measure, period, classification and hot spots, so a view can be shared as a link."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from dashboards import auth, components, data, formatting, maps, place_search, report_button

SCHEMES = {"quantiles": "Quantiles", "natural_breaks": "Natural breaks (Jenks)",
           "equal_interval": "Equal intervals"}


def main() -> None:
    user = auth.require("overview")
    name = user["username"]
    st.title("Overview")
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
    boundary = levels[levels["kind"] == "boundary"].sort_values("depth")
    if boundary.empty:
        st.info("No region levels are loaded yet: `gcrm regions load` (see docs/regions.md).")
        return
    catalogue = data.measure_catalogue()
    measure, period, scheme, method = _controls(catalogue, periods)
    current = _current_region(user, boundary)
    # crumbs, then the hot spot settings and Report
    with st.container(horizontal=True, vertical_alignment="center"):
        _breadcrumb(name, current, _roots(user))
        asked = None if method == "off" else HotSpots(method, *_hotspot_settings())
        report_button.show(name, [current] if current else _roots(user), period, measure)
    try:
        _show(name, current, _roots(user), boundary, catalogue, measure, period, scheme,
              asked)
    except data.GcrmError as exc:
        st.warning(str(exc))


def _controls(catalogue: pd.DataFrame, periods: list[str]) -> tuple[str, str, str, str]:
    names = list(catalogue["name"])
    left, middle, right, last = st.columns([2, 1, 1, 1.6])
    measure = components.url_selectbox(
        left, "Measure", names, key="ov_measure", param="measure", default="revenue",
        format_func=formatting.label,
        help="; ".join(f"{n}: {d}" for n, d in zip(catalogue["name"],
                                                    catalogue["description"], strict=True)))
    period = components.url_selectbox(middle, "Period", periods, key="ov_period",
                                      param="period", default=_default(periods))
    scheme = components.url_selectbox(right, "Classes", list(SCHEMES), key="ov_scheme",
                                      param="scheme", default="quantiles",
                                      format_func=SCHEMES.get)
    method = components.url_selectbox(
        last, "Hot spots", list(data.HOTSPOT_METHODS), key="ov_hotspots", param="hotspots",
        default="off", format_func=data.HOTSPOT_METHODS.get,
        help="Outline the regions where the measure is unusually high or low beyond what "
             "chance would give (999 random shuffles, false discovery rate 5%).")
    return measure, period, scheme, method


class HotSpots(NamedTuple):
    """What the user asked of the "Hot spots" switch."""
    method: str  # gi or lisa
    alpha: float
    fdr: bool
    min_count: int


def _hotspot_settings() -> tuple[float, bool, int]:
    """Significance level, the false discovery rate correction and the smallest group a
    hot spot may be of."""
    with st.popover("Hot spot settings", icon=":material/tune:"):
        alpha = st.selectbox("Significance level", (0.01, 0.05, 0.1), index=1,
                             key="ov_hs_alpha", format_func=lambda a: f"{a:.0%}",
                             help="The share of regions called hot or cold by chance you "
                                  "accept.")
        fdr = st.checkbox("Correct for testing every region at once", value=True,
                          key="ov_hs_fdr",
                          help="Benjamini-Hochberg false discovery rate. Without it, about "
                               "1 region in 20 is called hot or cold by chance alone.")
        min_count = st.number_input(
            "Leave out regions of fewer people than", min_value=1, value=1, step=1,
            key="ov_hs_min", help="Regions built from fewer people are 'too few': not "
                                  "tested and not shown. For a rate, its base (customers).")
    return alpha, fdr, int(min_count)


def _default(periods: list[str]) -> str:
    """The latest quarter (periods list years, then quarters, then months, newest first)."""
    quarters = [p for p in periods if "-Q" in p]
    return quarters[1] if len(quarters) > 1 else periods[0]


def _roots(user: dict) -> list[tuple[str, str]]:
    """A manager's own regions (level, code): where their view starts."""
    return [tuple(r.split(":", 1)) for r in user["regions"]]


def _current_region(user: dict, boundary: pd.DataFrame) -> tuple[str, str] | None:
    """The region in the URL (``region=level:code``); else the user's only root region,
    or the only top-level region; None: the top level, all of it."""
    wanted = st.query_params.get("region")
    if wanted and ":" in wanted:
        level, code = wanted.split(":", 1)
        if level in set(boundary["name"]):
            return level, code
    roots = _roots(user)
    if len(roots) == 1:
        return roots[0]
    top = boundary.iloc[0]
    if not roots and int(top["regions"]) == 1:
        only = data.regions_of(user["username"], top["name"])
        return top["name"], only["code"].iloc[0]
    return None


def _breadcrumb(name: str, current: tuple[str, str] | None,
                roots: list[tuple[str, str]]) -> None:
    """The way back up: every region above the current one, up to all regions; for a
    manager only up to their own regions (above them is nothing they may see)."""
    chain = data.region_chain(name, *current) if current else pd.DataFrame()
    chain = _within(chain, roots)
    with st.container(horizontal=True):
        if not roots or len(roots) > 1 or chain.empty:
            top = "Your regions" if roots else "All regions"
            if st.button(top, key="crumb-top", disabled=current is None):
                st.query_params.pop("region", None)
                st.rerun()
        for i, row in enumerate(chain.itertuples()):
            if st.button(f"› {row.name}", key=f"crumb-{row.level}-{row.code}",
                         disabled=i == len(chain) - 1):
                st.query_params["region"] = f"{row.level}:{row.code}"
                st.rerun()


def _within(chain: pd.DataFrame, roots: list[tuple[str, str]]) -> pd.DataFrame:
    """``chain`` (top first) from the first of the manager's ``roots`` in it on; all of it
    for everyone else; nothing when the region lies outside their regions."""
    if not roots or chain.empty:
        return chain
    own = [i for i, row in enumerate(chain.itertuples()) if (row.level, row.code) in roots]
    return chain.iloc[own[0]:] if own else chain.iloc[0:0]


def _show(name: str, current, roots: list[tuple[str, str]], boundary: pd.DataFrame,
          catalogue: pd.DataFrame, measure: str, period: str, scheme: str,
          asked: HotSpots | None) -> None:
    unit = catalogue.set_index("name")["unit"][measure]
    if current is not None:
        level, code = current
        kpis = data.region_measures(name, data.KPI_MEASURES, level, ((level, (code,)),),
                                    period, compare=True)
        if kpis.empty:
            st.info("Nothing you may see in this region for this period.")
        else:
            components.kpi_cards(kpis.iloc[0], catalogue, data.KPI_MEASURES)
    children = boundary[boundary["parent_level"] == (current[0] if current else None)]
    if current is None and roots:  # a manager of several regions: those regions
        shown = roots[0][0]
        where = ((shown, tuple(code for level, code in roots if level == shown)),)
    elif current is None:
        shown, where = boundary.iloc[0]["name"], ()
    elif children.empty:  # the finest level: the region itself, among its siblings
        shown, where = current[0], ((current[0], (current[1],)),)
    else:
        shown, where = children.iloc[0]["name"], ((current[0], (current[1],)),)
    frame = data.region_measures(name, (measure,), shown, where, period, geometry=True)
    spots = _hotspots(name, measure, shown, period, asked, frame) if not frame.empty else None
    left, right = st.columns([3, 2])
    with left:
        place = place_search.go_to(name, key="overview")  # the map goes to a town or ZIP
        if frame.empty:
            st.info("No regions with data you may see here for this period.")
        else:
            tiles, attribution = data.map_tiles()
            notes = None if spots is None else ("Hot spots", spots[0].set_index("code")["words"])
            m, _ = maps.choropleth(frame, measure, label=measure.replace("_", " "),
                                   unit=unit, scheme=scheme, tiles=tiles,
                                   attribution=attribution, notes=notes)
            if spots is not None:
                maps.hotspot_layer(m, spots[0], method=spots[1]["method"],
                                   note=_significant(spots[1], short=True))
            place_search.fit(m, place)
            st.caption(f"{formatting.label(measure)} by {shown}, {period}. "
                       "Click a region to look inside it.")
            click = components.map_view(m, key=f"overview-{shown}-{where}-{measure}-{period}")
            has_children = not boundary[boundary["parent_level"] == shown].empty
            if click is not None and has_children:
                st.query_params["region"] = f"{shown}:{click.code}"
                st.rerun()
    with right:
        if spots is not None:
            _hotspot_list(*spots, measure, unit)
        _ranking(frame, measure, unit)
        if current is not None:
            _series(name, current, measure, unit)


def _hotspots(name: str, measure: str, level: str, period: str, asked: HotSpots | None,
              frame: pd.DataFrame) -> tuple[pd.DataFrame, dict] | None:
    """The hot spots of the regions on the map (tested among every region of the level
    the user may see), each with its words for the tooltip; None when switched off or
    refused (the refusal is shown, saying what would work)."""
    if asked is None:
        return None
    try:
        table, meta = data.region_hotspots(name, measure, level, period, *asked)
    except data.GcrmError as exc:
        st.warning(f"No hot spots here: {exc}")
        return None
    table = table[table["code"].isin(set(frame["code"]))].copy()
    table["words"] = [_words(row) for row in pd.DataFrame({
        "klass": table["class"], "p_shown": table[_p_column(meta)]}).itertuples()]
    return table, meta


CLASS_WORDS = {"hot": "hot spot", "cold": "cold spot", "HH": "high among high",
               "LL": "low among low", "HL": "high among low (outlier)",
               "LH": "low among high (outlier)", "not significant": "not significant",
               "too few": "too few people to test"}


# The list's column is narrow: its words short (the legend and tooltips say them in full).
SHORT_WORDS = {"hot": "hot", "cold": "cold", "HH": "high-high", "LL": "low-low",
               "HL": "high-low", "LH": "low-high"}


def _p_column(meta: dict) -> str:
    """The p-value the classes come from: corrected (p_fdr) unless switched off."""
    return "p_fdr" if meta["correction"].startswith("Benjamini") else "p"


def _words(row) -> str:
    """A region's finding for its tooltip: "hot spot (p = 0.003)", "not significant"."""
    words = CLASS_WORDS.get(row.klass, row.klass)
    if row.klass in maps.HOTSPOT_STYLE:
        words += f" (p {_p(row.p_shown)})"
    return words


def _pattern(overall: dict, measure: str) -> str:
    """The global Moran's I in words: "Revenue is clustered: I = 0.31, p = 0.001."."""
    words = formatting.label(measure)
    verb = "are" if words.endswith("s") else "is"
    pattern = {"clustered": f"{verb} clustered", "dispersed": f"{verb} dispersed"}.get(
        overall["clustered"], "show no spatial pattern beyond chance" if verb == "are" else
        "shows no spatial pattern beyond chance")
    return f"{words} {pattern}: I = {overall['I']:.2f}, p {_p(overall['p'])}."


def _significant(meta: dict, *, short: bool = False) -> str:
    """What "significant" means, in words (``short``: for the map's legend)."""
    corrected = _p_column(meta) == "p_fdr"
    if short:
        return (f"p ≤ {meta['alpha']:g}{', FDR-corrected' if corrected else ''}; "
                f"{meta['permutations']:,} shuffles")
    return (f"Significant: p ≤ {meta['alpha']:g} "
            f"{'after the false discovery rate correction' if corrected else '(uncorrected)'}, "
            f"against {meta['permutations']:,} random shuffles of the values over the map.")


def _hotspot_list(table: pd.DataFrame, meta: dict, measure: str, unit: str) -> None:
    st.markdown(f"**{_pattern(meta['global_moran'], measure)}**")
    few = (f" {meta['too_few']:,} regions of fewer than {meta['min_count']:,} people are "
           "too few to test and are not shown." if meta["too_few"] else "")
    st.caption(f"Tested among {meta['scope']}. {_significant(meta)}{few}")
    found = table[table["class"].isin(maps.HOTSPOT_STYLE)].sort_values("z", ascending=False)
    if found.empty:
        st.caption("No region here is significantly high or low.")
        return
    shown = pd.DataFrame({
        "Region": found["name"],
        formatting.label(measure): [formatting.value(v, unit) for v in found["value"]],
        "Found": [SHORT_WORDS[c] for c in found["class"]],
        "p": [_p(p).removeprefix("= ") for p in found[_p_column(meta)]],
    })
    if "emerging" in found:  # Gi*: new this period, or hot in the period before too
        shown["Found"] = [f"{words}, {EMERGING_WORDS[e]}" if e in EMERGING_WORDS else words
                          for words, e in zip(shown["Found"], found["emerging"], strict=True)]
    st.markdown(f"**Hot and cold spots ({len(found):,})**" if meta["method"] == "gi"
                else f"**Clusters and outliers ({len(found):,})**")
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"p": st.column_config.Column(width="small")})
    if "emerging" in found:
        st.caption("New: a hot spot this period and not in the period before; ongoing: a "
                   "hot spot in both.")


EMERGING_WORDS = {"new": "new", "persistent": "ongoing"}


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _ranking(frame: pd.DataFrame, measure: str, unit: str) -> None:
    known = frame.dropna(subset=[measure])
    if known.empty:
        return
    table = pd.DataFrame(known[["name", "code", measure]]).sort_values(measure,
                                                                       ascending=False)
    table[measure] = [formatting.value(v, unit) for v in table[measure]]
    table = table.rename(columns={"name": "Region", "code": "Code",
                                  measure: formatting.label(measure)})
    n = min(5, len(table))
    st.markdown("**Top regions**")
    st.dataframe(table.head(n), hide_index=True, width="stretch")
    if len(table) > n:
        st.markdown("**Bottom regions**")
        st.dataframe(table.tail(n).iloc[::-1], hide_index=True, width="stretch")


def _series(name: str, current: tuple[str, str], measure: str, unit: str) -> None:
    level, code = current
    if not data.measure_catalogue().set_index("name")["time_grain"][measure]:
        st.caption(f"{formatting.label(measure)} are counted as they are now: there is no "
                   "month-by-month series of them.")
        return
    series = data.region_measures(name, (measure,), level, ((level, (code,)),),
                                  by=("month",))
    if series.empty:
        return
    st.markdown(f"**{formatting.titled(formatting.label(measure) + ' by month', unit)}**")
    if series[measure].notna().sum() < 2:  # one point draws no line
        months = series.loc[series[measure].notna(), "month"].astype(str).tolist()
        st.caption(f"{formatting.label(measure)} has "
                   + (f"only one month so far ({months[0]})" if months else "no month yet")
                   + ": the chart starts with the second.")
        return
    if measure not in data.FORECAST_MEASURES:  # a ratio or a stock: no forecast of it
        shown = series.set_index("month")[measure]
        shown.index = pd.PeriodIndex(shown.index.astype(str), freq="M").to_timestamp()
        st.line_chart(shown * 100 if unit == "share" else shown)  # a share in %, as titled
        st.caption(f"No forecast of {formatting.label(measure).lower()}: forecasts are of "
                   "measures that add up over regions and months ("
                   + ", ".join(formatting.label(m).lower() for m in data.FORECAST_MEASURES)
                   + ").")
        return
    try:
        frame, meta = data.region_forecast(name, measure, level, code)
    except data.GcrmError as exc:
        st.line_chart(series.set_index("month")[measure])
        st.caption(f"No forecast here: {exc}")
        return
    st.altair_chart(data.forecast_chart(frame, level=level, code=code, unit=unit),
                    width="stretch")
    history, test = meta["history"], meta["backtest"]
    score = test["levels"][level]
    held = f"{test['held_out'][0]} to {test['held_out'][-1]}"
    if score["mase_model"] is None:
        backtest = f"Backtest ({held} held out): the history is flat, nothing to score."
    else:
        verdict = ("better than" if score["mase_model"] < score["mase_baseline"]
                   else "no better than")
        backtest = (f"Backtest ({held} held out, forecast from the months before): MASE "
                    f"{score['mase_model']:.2f}, {verdict} the seasonal naive (the same "
                    f"month a year before) at {score['mase_baseline']:.2f}; lower is "
                    "better.")
    fitted = meta["models"].get(code, meta["model"]["chosen"])  # this region's model
    model = {"ETS(A,Ad,A)": "exponential smoothing with a damped trend and a yearly season",
             "ETS(A,Ad,N)": "exponential smoothing with a damped trend (no season: under "
                            "24 months of history)"}.get(fitted, "the last month repeated")
    st.caption(f"Dashed: the next {meta['months']} months, {model} "
               f"({fitted}), fitted to {history['months']} months "
               f"({history['first']} to {history['last']}); bands: its 80% and 95% "
               "intervals. "
               + backtest)
    columns = st.columns(len(data.FORECAST_FORMATS) + 2)
    for column, (fmt, label) in zip(columns, data.FORECAST_FORMATS.items(), strict=False):
        column.download_button(
            f"Forecast ({label})", key=f"forecast-{fmt}",
            file_name=f"gcrm-forecast-{measure}-{code}-{fmt}.zip",
            data=_forecast_file(name, fmt, measure, level, code),
            help="The history and the forecast with its intervals, and its metadata "
                 "(model per region, backtest, as-of) in a .meta.json beside it.")


def _forecast_file(name: str, fmt: str, measure: str, level: str, code: str):
    """The file is written (and audited) when the button is clicked, not on every run."""
    return lambda: data.forecast_download(name, fmt, measure, level, code)


main()
