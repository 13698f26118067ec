"""The Overview's Report button on the small CRM world: it offers the PDF of the region and
period on screen, made when clicked (Streamlit runs the button's callable then), as the
signed-in user, and audited."""

import io
from pathlib import Path

import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from gcrm import audit, cube

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PASSWORDS = {"ada": "admin password 1", "nora": "manager password"}


class _Recording(MediaFileManager):
    """Streamlit's own media manager, remembered so the test can click a deferred
    download the way the browser's click does (run its callable)."""

    made: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _Recording.made.append(self)


@pytest.fixture
def built(people, use_database, monkeypatch):
    cube.build(engine=people)
    monkeypatch.setattr(app_test, "MediaFileManager", _Recording)
    _Recording.made.clear()
    return people


def _overview(username: str, **params) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORDS[username])
    at = at.button[0].click().run()
    for key, value in {"period": "2026-Q1", **params}.items():
        at.query_params[key] = value
    at.switch_page("app_pages/overview.py")
    return at.run()


def _download(at: AppTest) -> tuple[str, bytes]:
    """Click the Report button: the file name and the bytes Streamlit would send."""
    (button,) = [b for b in at.download_button if b.label == "Report (PDF)"]
    file_id = button.proto.deferred_file_id
    assert file_id, "the report is made when clicked, not on every run"
    deferred = _Recording.made[-1]._deferred_callables[file_id]
    assert deferred["mimetype"] == "application/pdf"
    return deferred["filename"], deferred["callable"]()


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_report_button_downloads_the_pdf_of_the_region_on_screen(built):
    at = _overview("ada", region="state:N", measure="orders")
    assert not at.exception
    assert not audit.recent("export.report", engine=built).size  # nothing made yet
    name, pdf = _download(at)
    assert name == "gcrm-report-N-2026-Q1.pdf" and pdf.startswith(b"%PDF")
    text = _text(pdf)
    revenue = cube.query(["revenue"], level="state", where={"state": "N"},
                         period="2026-Q1", engine=built)["revenue"].iloc[0]
    assert "North\nState N  ·  2026-Q1" in text and f"${revenue:,.2f}" in text
    assert "Orders by county, 2026-Q1" in text  # the measure on screen
    entry = audit.recent("export.report", engine=built).iloc[0]
    assert entry["actor"] == "ada" and entry["details"]["regions"] == ["state:N"]


def test_a_manager_gets_their_own_region_and_the_top_level_asks_for_one(built):
    at = _overview("nora")  # manager of state N: the page opens on it
    name, pdf = _download(at)
    assert name == "gcrm-report-N-2026-Q1.pdf"
    assert "figures as nora may see them" in _text(pdf) and "South" not in _text(pdf)
    at = _overview("nora", region="state:S")  # a link to a region outside hers
    (button,) = [b for b in at.button if b.label == "Report (PDF)"]
    assert button.disabled and "outside your regions (state:N)" in button.help
    at = _overview("ada")  # two states, none open: nothing to report yet
    (button,) = [b for b in at.button if b.label == "Report (PDF)"]
    assert button.disabled and "Open a region" in button.help
