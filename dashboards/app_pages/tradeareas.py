"""Trade areas: pick a stored build (or build one: rings, drive times, customer-derived,
nearest site, Huff), see it on the map with the sites, penetration by region and the white
space, its figures and the sites that overlap; build a consent-aware target list with its
live count (customers at churn risk too, for retention), download it or save it as a
campaign; campaigns with their response rates, by region and by churn risk band."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import auth, components, data, formatting, maps

METHOD_LABELS = {
    "ring": "Rings: kilometres around each site",
    "drivetime": "Drive time: minutes on the road network",
    "customers": "Customer-derived: the area holding a share of a site's customers",
    "voronoi": "Nearest site (Thiessen polygons)",
    "huff": "Huff gravity model: where each site is the likely choice",
}
DEFAULT_NAMES = {"ring": "rings", "drivetime": "drive times", "customers": "customer areas",
                 "voronoi": "nearest site", "huff": "huff"}
FIGURES = ["site", "site_name", "band", "customers", "prospects", "households", "penetration",
           "revenue_inside", "share", "captured", "overlap_share"]
HUFF_FIGURES = ["expected_demand", "huff_share"]
PERCENT = st.column_config.NumberColumn(format="percent")
OPERATORS = (">=", "<=", ">", "<", "=")
NO_CONTEXT = "(no condition)"
NO_SCORE = "(no score)"
RISK_BANDS = ("any", "medium", "high")
RISK_BAND_LABELS = {"any": "any band", "medium": "medium or high", "high": "high"}


def main() -> None:
    user = auth.require("tradeareas")
    name = user["username"]
    st.title("Trade areas")
    try:
        builds = data.tradearea_builds(name)
        sites = data.tradearea_sites(name)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    names = builds["name"].tolist()
    _built_note()
    if data.may(user["role"], "build_trade_areas"):
        with st.expander("Build trade areas", expanded=not names):
            _build_form(name, sites)
    if not names:
        st.info("No trade areas yet: build some above.")
        _campaigns(name)
        return
    chosen = components.url_selectbox(st, "Trade areas", names, key="ta_build", param="build",
                                      default=names[-1])
    try:
        areas = data.tradearea_areas(name, chosen)
        overlaps = data.tradearea_overlaps(name, chosen)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    try:
        level, penetration = data.tradearea_penetration(name, chosen)
    except data.GcrmError as exc:  # no region knows its households: no penetration
        st.info(str(exc))
        level, penetration = "region", None
    build = builds.set_index("name").loc[chosen]
    st.caption(f"{build['method']} · {len(areas):,} trade areas of {areas['site'].nunique():,} "
               f"sites · bands {', '.join(dict.fromkeys(areas['band']))} · built by "
               f"{build['created_by'] or 'gcrm'} on {pd.Timestamp(build['created_at']):%Y-%m-%d}")
    left, right = st.columns([3, 2])
    with left:
        tiles, attribution = data.map_tiles()
        components.map_view(maps.trade_area_map(areas, sites, penetration, level=level,
                                                 tiles=tiles, attribution=attribution),
                            key=f"tradeareas-{chosen}")
        st.caption("Outlines: each site's bands (the smallest solid). Dots: sites, with their "
                   f"attractiveness. Fill: customers per household by {level}; magenta: "
                   "white space. Toggle the layers at the top right.")
    with right:
        _overlaps(overlaps)
        if penetration is not None:
            _white_space(penetration, level)
    _figures(areas)
    st.divider()
    _target_list(user, chosen, sorted(areas["site"].unique()), list(dict.fromkeys(areas["band"])),
                 builds.loc[builds["method"] == "huff", "name"].tolist())
    st.divider()
    _campaigns(name)


# --- build -------------------------------------------------------------------------------------
def _built_note() -> None:
    if note := st.session_state.pop("ta_built", None):
        message, skipped = note
        st.success(message)
        if skipped:
            st.warning(f"{len(skipped)} site(s) left out:")
            st.dataframe(pd.DataFrame({"site": list(skipped), "reason": list(skipped.values())}),
                         hide_index=True, width="stretch")


def _build_form(name: str, sites: pd.DataFrame) -> None:
    if sites.empty:
        st.info("No sites loaded: load stores or branches first (gcrm load sites FILE).")
        return
    labels = dict(zip(sites["site"], sites["name"], strict=True))
    method = st.selectbox("Method", data.TRADE_AREA_METHODS, key="ta_method",
                          format_func=METHOD_LABELS.get)
    with st.form(f"ta_build_{method}"):
        codes = st.multiselect("Sites", list(labels), default=list(labels),
                               format_func=lambda c: f"{c} · {labels[c]}")
        options = _method_options(name, method)
        a, b = st.columns([3, 1])
        title = a.text_input("Name", value=DEFAULT_NAMES[method], max_chars=60)
        replace = b.checkbox("Replace trade areas of that name")
        submitted = st.form_submit_button("Build", type="primary")
    if not submitted:
        return
    if options is None:
        return
    if not codes:
        st.warning("Pick one or more sites.")
        return
    bar = st.progress(0.0, text="Building ...")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0,
                     text=f"{stage.capitalize()}: {done:,} of {total:,}")

    try:
        with st.spinner(f"Building {method} trade areas ..."):
            built = data.tradearea_build(
                name, title.strip(), method,
                sites=() if len(codes) == len(labels) else tuple(codes), replace=replace,
                progress=progress, **options)
    except (data.GcrmError, ValueError) as exc:
        bar.empty()
        st.warning(str(exc))
        return
    st.session_state["ta_built"] = (
        f"Built {built.name!r}: {len(built.areas):,} trade areas of "
        f"{built.areas['site'].nunique():,} sites.", dict(built.skipped))
    st.query_params["build"] = built.name
    st.session_state.pop("ta_build", None)
    st.rerun()


def _method_options(name: str, method: str) -> dict | None:
    """The widgets of ``method``'s own options, and their values (None: not readable, the
    reason shown)."""
    if method == "ring":
        radii = st.text_input("Radii (km)", value="3, 5", help="One ring per radius.")
        return _numbers(radii, "radii_km", "radii")
    if method == "drivetime":
        networks = data.road_networks(name)["network"].tolist()
        if not networks:
            st.info("No road network is loaded, so there are no drive times: load one first "
                    "(gcrm roads load FILE, e.g. an OpenStreetMap extract).")
        a, b = st.columns(2)
        minutes = a.text_input("Minutes", value="5, 10", help="One zone per drive time.")
        network = b.selectbox("Road network", networks or ["(none loaded)"])
        found = _numbers(minutes, "minutes", "minutes")
        return None if found is None else {**found,
                                           "network": network if networks else None}
    if method == "customers":
        a, b = st.columns(2)
        shares = a.text_input("Shares of a site's customers (%)", value="60, 80",
                              help="One area per share: the smallest holding that share.")
        weight = b.radio("Weigh by", ("customers", "revenue"), horizontal=True)
        found = _numbers(shares, "shares", "shares", scale=0.01)
        return None if found is None else {**found, "weight": weight}
    if method == "huff":
        levels = data.region_levels(name)["name"].tolist()
        a, b, c = st.columns(3)
        level = a.selectbox("Regions (demand)", levels,
                            index=levels.index("zip") if "zip" in levels else 0)
        decay = b.number_input("Distance decay", min_value=0.1, max_value=5.0, value=2.0,
                               step=0.1)
        minimum = c.number_input("Minimum probability", min_value=0.0, max_value=1.0,
                                 value=0.0, step=0.05,
                                 help="0: each site's area is where it is the most likely "
                                      "choice; otherwise where its probability reaches this.")
        calibrate = st.checkbox("Calibrate the decay from where customers actually buy")
        return {"level": level, "decay": float(decay), "calibrate": calibrate,
                "min_probability": float(minimum) or None}
    st.caption("Each place goes to its nearest site, over the whole map.")
    return {}


def _numbers(value: str, option: str, what: str, scale: float = 1.0) -> dict | None:
    try:
        found = tuple(float(v) * scale for v in value.replace(";", ",").split(",") if v.strip())
    except ValueError:
        st.warning(f"Write the {what} as numbers separated by commas, e.g. 3, 5.")
        return None
    return {option: found}


# --- what the build holds ----------------------------------------------------------------------
def _figures(areas) -> None:
    st.subheader("Figures per trade area")
    columns = FIGURES + [c for c in HUFF_FIGURES if areas[c].notna().any()]
    st.dataframe(pd.DataFrame(areas[columns]), hide_index=True, width="stretch",
                 key="ta_figures", column_config={
                     "site_name": "name",
                     "households": st.column_config.NumberColumn(format="localized"),
                     "penetration": PERCENT,
                     "revenue_inside": st.column_config.NumberColumn(
                         "revenue inside (12 months)", format="dollar"),
                     "share": st.column_config.NumberColumn(
                         "share of spend", format="percent",
                         help="The site's part of what customers inside spent."),
                     "captured": st.column_config.NumberColumn(
                         format="percent", help="The part of the site's revenue from inside."),
                     "overlap_share": st.column_config.NumberColumn(
                         "overlap", format="percent",
                         help="The part of the area other sites' areas of the band cover."),
                     "huff_share": PERCENT})


def _overlaps(overlaps: pd.DataFrame) -> None:
    st.subheader("Overlapping sites")
    if overlaps.empty:
        st.info("No two sites' trade areas overlap: no cannibalisation.")
        return
    st.caption("Pairs of sites whose trade areas of one band overlap, and the customers "
               "inside both.")
    st.dataframe(overlaps, hide_index=True, width="stretch", key="ta_overlaps",
                 column_config={"share_of_site_area": st.column_config.NumberColumn(
                     "share of site's area", format="percent")})


def _white_space(penetration, level: str) -> None:
    white = penetration[penetration["white_space"]].sort_values("gap", ascending=False)
    st.subheader("White space")
    st.caption(f"The {level} areas with the largest gap: customers they would add at the "
               "average penetration.")
    if white.empty:
        st.info("No white space: every area is at or above the average penetration.")
        return
    shown = pd.DataFrame(white[["code", "name", "potential", "customers", "penetration",
                                "gap", "in_trade_area"]]).head(15)
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "potential": st.column_config.NumberColumn("households", format="localized"),
        "penetration": PERCENT, "gap": st.column_config.NumberColumn(format="%.0f"),
        "in_trade_area": "in a trade area"})


# --- target list -------------------------------------------------------------------------------
@st.fragment
def _target_list(user: dict, chosen: str, sites: list[str], bands: list[str],
                 huff_builds: list[str]) -> None:
    """Filters, the live count, downloads and "create campaign": a fragment, so changing a
    filter reruns this part only (not the map)."""
    name = user["username"]
    st.subheader("Target list")
    if note := st.session_state.pop("ta_campaign_note", None):
        st.success(note)
    segments = data.account_filter_options(name)["segment"]
    a, b, c = st.columns(3)
    channel = a.selectbox("Channel", data.CHANNELS, key="tl_channel",
                          help="Only people who agreed to this channel are listed.")
    statuses = b.multiselect("Statuses", data.TARGET_STATUSES, default=["prospect", "churned"],
                             key="tl_statuses")
    segment = c.multiselect("Segments", segments, key="tl_segments", placeholder="all")
    d, e, f = st.columns(3)
    inside = d.checkbox(f"Inside the trade areas of {chosen}", value=True, key="tl_inside")
    some = e.multiselect("Sites", sites, key=f"tl_sites_{chosen}", placeholder="all",
                         help="Narrows the trade areas, and the score to these sites.")
    band = f.selectbox("Band", ["any", *bands], key=f"tl_band_{chosen}", disabled=not inside)
    context = _context_condition(name)
    g, h = st.columns(2)
    score = g.selectbox("Score by (a Huff build)", [NO_SCORE, *huff_builds], key="tl_score",
                        help="The likelihood that the person's area shops at the sites.")
    minimum = h.slider("Minimum score", 0.0, 1.0, 0.0, 0.05, key="tl_min_score",
                       disabled=score == NO_SCORE)
    min_risk, risk_band = _risk_condition()
    if not statuses:
        st.warning("Pick one or more statuses.")
        return
    where = data.TargetFilter(
        channel=channel, statuses=tuple(statuses), trade_areas=chosen if inside else None,
        sites=tuple(some), band=band if inside and band != "any" else None,
        segments=tuple(segment), context=context[1], context_level=context[0],
        score_build=None if score == NO_SCORE else score,
        min_score=minimum if score != NO_SCORE and minimum > 0 else None,
        min_risk=min_risk, risk_band=risk_band)
    try:
        reached = data.target_count(name, where)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    left, right = st.columns([1, 3])
    left.metric("People on the list", f"{reached:,}",
                help="With consent for the channel; erased people never appear.")
    with right:
        if data.may(user["role"], "export_contacts"):
            columns = st.columns(len(data.TARGET_FORMATS))
            for column, (fmt, label) in zip(columns, data.TARGET_FORMATS.items(), strict=True):
                file_name = f"targets-{chosen}.{fmt}".replace(" ", "-")
                column.download_button(label, data=_deferred(name, where, fmt, file_name),
                                       file_name=file_name, key=f"tl_download_{fmt}",
                                       disabled=reached == 0, on_click="ignore",
                                       help="The whole list; the download is audited.")
        if data.may(user["role"], "campaigns"):
            _create_campaign(name, where, reached)
    with st.expander("Preview: the first 50, best score first"):
        st.dataframe(data.target_preview(name, where), hide_index=True, width="stretch")


def _context_condition(name: str) -> tuple[str | None, tuple[str, ...]]:
    """A condition on the context of the person's region (level, (condition,)), or none."""
    levels = data.region_levels(name)["name"].tolist()
    a, b, c, d = st.columns([2, 3, 1, 2])
    level = a.selectbox("Context of", levels, key="tl_context_level",
                        index=levels.index("zip") if "zip" in levels else 0)
    keys = data.context_keys(name, level) if level else []
    key = b.selectbox("Condition", [NO_CONTEXT, *keys], key=f"tl_context_key_{level}")
    operator = c.selectbox("Operator", OPERATORS, key="tl_context_op",
                           disabled=key == NO_CONTEXT)
    value = d.number_input("Value", value=0.0, key="tl_context_value", format="%g",
                           disabled=key == NO_CONTEXT)
    if key == NO_CONTEXT:
        return None, ()
    return level, (f"{key}{operator}{value:g}",)


def _risk_condition() -> tuple[float | None, str | None]:
    """Customers at churn risk (a retention list): (minimum risk, band and above), off by
    default."""
    a, b, c = st.columns([2, 2, 3])
    on = a.checkbox("Customers at churn risk", value=False, key="tl_at_risk",
                    on_change=_customers_at_risk,
                    help="A retention list: customers whose churn risk (gcrm model churn "
                         "score) reaches the band or the minimum.")
    band = b.selectbox("Risk band", RISK_BANDS, index=1, key="tl_risk_band", disabled=not on,
                       format_func=lambda v: RISK_BAND_LABELS[v])
    percent = c.slider("Minimum churn risk", 0, 100, 0, 5, format="%d%%", key="tl_min_risk",
                       disabled=not on, help="The probability of churning within the "
                                              "model's horizon.")
    if not on:
        return None, None
    # "any band": every scored customer (the low band and above), or those at the minimum.
    return (percent / 100 if percent else None), ("low" if band == "any" else band)


def _customers_at_risk() -> None:
    """Turning the risk switch on makes the list one of customers (only they are scored)."""
    if st.session_state.get("tl_at_risk"):
        st.session_state["tl_statuses"] = ["customer"]


def _deferred(name: str, where, fmt: str, file_name: str):
    """The list is read (and the download audited) when the button is clicked."""
    return lambda: data.target_download(name, where, fmt, file_name)


def _create_campaign(name: str, where, reached: int) -> None:
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    title = a.text_input("Campaign name", key="tl_campaign_name", max_chars=80)
    if b.button("Create campaign", key="tl_create", type="primary", disabled=reached == 0):
        try:
            members = data.campaign_create(name, title.strip(), where)
        except data.GcrmError as exc:
            st.warning(str(exc))
            return
        st.session_state["ta_campaign_note"] = (
            f"Campaign {title.strip()!r} created with {members:,} members.")
        st.session_state.pop("tl_campaign_name", None)
        st.rerun()  # the whole page: the campaigns below list it


# --- campaigns ---------------------------------------------------------------------------------
@st.fragment
def _campaigns(name: str) -> None:
    st.subheader("Campaigns")
    try:
        frame = data.campaign_list(name)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    if frame.empty:
        st.info("No campaign yet: save a target list as one.")
        return
    st.dataframe(formatting.for_people(frame), hide_index=True, width="stretch",
                 key="ta_campaigns",
                 column_config={"response_rate": st.column_config.NumberColumn(
                     "response rate", format="percent")})
    names = frame["name"].tolist()
    levels = data.region_levels(name)["name"].tolist()
    a, b = st.columns(2)
    pick = a.selectbox("Campaign", names, index=len(names) - 1, key="ta_campaign")
    level = b.selectbox("Response rate by", levels, key="ta_campaign_level",
                        index=levels.index("county") if "county" in levels else 0)
    try:
        rates = data.campaign_response_rates(name, pick, level)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    if rates.empty:
        st.info(f"No member of {pick} lies in a {level} area.")
        _response_by_risk(name, pick)
        return
    left, right = st.columns([3, 2])
    with left:
        tiles, attribution = data.map_tiles()
        m, _ = maps.choropleth(rates, "response_rate", label="Response rate", unit="share",
                               tiles=tiles, attribution=attribution)
        components.map_view(m, key=f"campaign-{pick}-{level}", height=360)
    with right:
        st.dataframe(formatting.for_people(pd.DataFrame(rates.drop(columns="geometry"))),
                     hide_index=True,
                     width="stretch", column_config={"response_rate": PERCENT})
    _response_by_risk(name, pick)


def _response_by_risk(name: str, pick: str) -> None:
    """The campaign's response by the churn risk band its members had when targeted."""
    try:
        bands = data.campaign_response_by_risk(name, pick)
    except data.GcrmError as exc:
        st.warning(str(exc))
        return
    st.markdown("**Response by churn risk band when targeted**")
    count = st.column_config.NumberColumn(format="localized")
    st.dataframe(bands.assign(response_rate=bands["response_rate"] * 100), hide_index=True,
                 width="content", key="ta_campaign_risk", column_config={
                     "risk_band": "risk band", "members": count, "responded": count,
                     "response_rate": st.column_config.NumberColumn("response rate",
                                                                    format="%.1f%%")})


main()
