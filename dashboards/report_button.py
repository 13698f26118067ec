"""The Report button: the regional report (PDF) of the region and period on screen,
made when clicked and offered as a download."""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

from dashboards import data


def show(username: str, regions: Sequence[tuple[str, str]], period: str, measure: str, *,
         key: str = "report") -> None:
    """A download button for the report of ``regions`` ((level, code), one page each); a
    disabled button saying what to do when no region is open."""
    if not regions:
        st.button("Report (PDF)", key=key, disabled=True, icon=":material/picture_as_pdf:",
                  help="Open a region (click it on the map) to make its report.")
        return
    wanted = tuple(f"{level}:{code}" for level, code in regions)
    refusal = data.report_refusal(username, wanted)
    if refusal:
        st.button("Report (PDF)", key=key, disabled=True, icon=":material/picture_as_pdf:",
                  help=refusal)
        return
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(code for _, code in regions))[:60]
    st.download_button(
        "Report (PDF)", key=key, icon=":material/picture_as_pdf:",
        data=lambda: data.report_pdf(username, wanted, period, measure),
        file_name=f"gcrm-report-{name}-{period}.pdf", mime="application/pdf",
        on_click="ignore",
        help=f"One page per region for {period}: KPIs with their change, the map of "
             f"{measure.replace('_', ' ')}, top and bottom areas and the monthly series, as "
             "you may see them. Made when you click (and audited).")
