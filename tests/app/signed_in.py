"""Open a dashboard page in AppTest as a user signed in through the real form."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")


def open_page(page: str, username: str, password: str) -> AppTest:
    """``page`` (e.g. "app_pages/visits.py") as ``username``, caches empty."""
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(password)
    at = at.button[0].click().run()
    at.switch_page(page)
    return at.run()
