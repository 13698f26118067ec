"""A cube download in a real Chromium: the file arrives and parses."""

import io
import zipfile

import pandas as pd
from conftest import go_to, screenshot, settled
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from gcrm import cube


def test_the_cube_explorer_downloads_a_file_that_parses(dashboard, page, people):
    cube.build(engine=people)
    page.goto(dashboard)
    page.get_by_role("textbox", name="Username").fill("ada")
    page.get_by_role("textbox", name="Password").fill("admin password 1")
    page.get_by_role("button", name="Sign in").click()
    go_to(page, "Cube explorer")
    expect(page.get_by_text("3 rows")).to_be_visible()
    screenshot(page, "cube-explorer")
    settled(page)
    payload = _download(page, "CSV").read_bytes()
    with zipfile.ZipFile(io.BytesIO(payload)) as bundle:
        frame = pd.read_csv(bundle.open("gcrm-county.csv"))
        assert "gcrm-county.csv.meta.json" in bundle.namelist()
    assert frame.set_index("code")["revenue"].to_dict() == {"N1": 150.0, "N2": 200.0,
                                                           "S1": 1200.0}
    sheets = pd.read_excel(_download(page, "Excel"), sheet_name=None)
    assert sheets["cube"]["customers"].sum() == 3  # A1, A2, A3 (A4 churned)
    assert page.blocked == []


def _download(page, label: str):
    """Click a download button; once more if the first click landed during a run of the
    page (Streamlit drops it), as a person would."""
    for attempt in range(2):
        try:
            with page.expect_download(timeout=15_000) as download:
                page.get_by_role("button", name=label, exact=True).click()
            return download.value.path()
        except PlaywrightTimeout:
            if attempt:
                raise
    raise AssertionError("unreachable")
