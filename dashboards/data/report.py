"""The regional report (Overview's Report button): a PDF made as the user, audited."""

from __future__ import annotations

import streamlit as st

from gcrm import report
from gcrm.access import user_engine as engine_for
from gcrm.errors import GcrmError


@st.cache_data(ttl=60, show_spinner=False)
def report_refusal(username: str, regions: tuple[str, ...]) -> str | None:
    """Why ``username`` may not have the report of ``regions`` ('level:code'); None when
    they may (checked before the button is offered, so a click never fails silently)."""
    try:
        report.check_regions(list(regions), engine=engine_for(username))
    except GcrmError as exc:
        return str(exc)
    return None


def report_pdf(username: str, regions: tuple[str, ...], period: str, measure: str) -> bytes:
    """The report of ``regions`` ('level:code') for ``period`` as PDF bytes, read as
    ``username`` (row-level security holds; a manager's regions only) and audited. Called
    when the user clicks the button, not before (never cached: each report is audited)."""
    return report.pdf_bytes(list(regions), period=period, measure=measure, user=username,
                            engine=engine_for(username))


__all__ = ["report_pdf", "report_refusal"]
