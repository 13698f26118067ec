"""A region's monthly forecast with its intervals and backtest (the Overview's series)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gcrm.access import user_engine as engine_for
from gcrm.models.forecast import FLOWS
from gcrm.models.forecast import forecast as region_forecast_of

# The measures a forecast is made of: those that add up over regions and months.
FORECAST_MEASURES = FLOWS
FORECAST_MONTHS = 6


@st.cache_data(ttl=600, show_spinner="Fitting the forecast and its backtest ...")
def region_forecast(username: str, measure: str, level: str, code: str,
                    months: int = FORECAST_MONTHS) -> tuple[pd.DataFrame, dict]:
    """``gcrm.models.forecast.forecast`` of one region as the user: its monthly history
    and ``months`` ahead with 80% and 95% intervals (rows of ``kind`` history and
    forecast), and the metadata (model, history, backtest MASE beside seasonal naive)."""
    return region_forecast_of(measure, level=level, months=months, where={level: code},
                              engine=engine_for(username))


FORECAST_FORMATS = {"csv": "CSV", "parquet": "Parquet"}


def forecast_download(username: str, fmt: str, measure: str, level: str, code: str,
                      months: int = FORECAST_MONTHS) -> bytes:
    """The region's forecast (the one on the page) as a ZIP of the file and its
    ``.meta.json``, written by ``gcrm.models.forecast_export`` and audited as the user.
    Called when the user clicks download, not before."""
    import io
    import tempfile
    import zipfile
    from pathlib import Path

    from gcrm.models.forecast_export import export

    frame, meta = region_forecast(username, measure, level, code, months)
    with tempfile.TemporaryDirectory(prefix="gcrm-download-") as tmp:
        path = Path(tmp) / f"gcrm-forecast-{measure}-{level}-{code}.{fmt}"
        sidecar = export(frame, meta, path, actor=username, engine=engine_for(username))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.write(path, path.name)
            bundle.write(sidecar, sidecar.name)
        return buffer.getvalue()


__all__ = ["FORECAST_FORMATS", "FORECAST_MEASURES", "FORECAST_MONTHS", "forecast_download",
           "region_forecast"]


# --- the chart (pure: no st.* calls) -------------------------------------------------------

SERIES_COLOURS = {"Actual": "#1f4e79", "Forecast": "#c55a11", "80%": "#f4b183",
                  "95%": "#fbe5d6"}
SHOWN_HISTORY = 24  # months of history the chart shows before the forecast


def forecast_chart(frame: pd.DataFrame, *, level: str, code: str, unit: str):
    """An Altair chart of one region: its last two years as a line, the forecast dashed
    after it, its 80% and 95% intervals as bands."""
    import altair as alt

    rows = frame[(frame["level"] == level) & (frame["code"] == code)].copy()
    rows["month"] = pd.PeriodIndex(rows["month"], freq="M").to_timestamp()
    history = rows[rows["kind"] == "history"].tail(SHOWN_HISTORY).assign(series="Actual")
    ahead = rows[rows["kind"] == "forecast"]
    # The dashed line starts at the last month of history, so the two lines meet.
    joint = history.tail(1).assign(forecast=history["value"].tail(1).to_numpy())
    line = pd.concat([joint, ahead], ignore_index=True).assign(series="Forecast")
    fmt = "$,.0f" if unit == "currency" else ",.0f"
    scale = alt.Scale(domain=list(SERIES_COLOURS), range=list(SERIES_COLOURS.values()))
    colour = alt.Color("series:N", scale=scale, legend=alt.Legend(
        orient="bottom", title=None, columns=4, columnPadding=8, labelFontSize=11,
        symbolSize=60))
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y"))
    tip = [alt.Tooltip("month:T", title="Month", format="%B %Y")]

    def band(percent: int):
        data = ahead.assign(series=f"{percent}%")
        return alt.Chart(data).mark_area(opacity=0.7).encode(
            x=x, y=alt.Y(f"lo{percent}:Q", title=None, axis=alt.Axis(format=fmt)),
            y2=f"hi{percent}:Q", color=colour,
            tooltip=[*tip, alt.Tooltip(f"lo{percent}:Q", title=f"{percent}% from",
                                       format=fmt),
                     alt.Tooltip(f"hi{percent}:Q", title=f"{percent}% to", format=fmt)])

    past = alt.Chart(history).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=x, y=alt.Y("value:Q", title=None), color=colour,
        tooltip=[*tip, alt.Tooltip("value:Q", title="Actual", format=fmt)])
    future = alt.Chart(line).mark_line(strokeDash=[6, 4], point=alt.OverlayMarkDef(
        size=18)).encode(x=x, y="forecast:Q", color=colour,
                         tooltip=[*tip, alt.Tooltip("forecast:Q", title="Forecast",
                                                    format=fmt)])
    return alt.layer(band(95), band(80), past, future).properties(height=280)


__all__ += ["forecast_chart"]
