"""The regional report (Overview's Report button): a PDF made as the user, audited."""

from __future__ import annotations

from gcrm import report
from gcrm.access import user_engine as engine_for


def report_pdf(username: str, regions: tuple[str, ...], period: str, measure: str) -> bytes:
    """The report of ``regions`` ('level:code') for ``period`` as PDF bytes, read as
    ``username`` (row-level security holds; a manager's regions only) and audited. Called
    when the user clicks the button, not before (never cached: each report is audited)."""
    return report.pdf_bytes(list(regions), period=period, measure=measure, user=username,
                            engine=engine_for(username))


__all__ = ["report_pdf"]
