"""gcrm dashboard entry point: page config and navigation.

Run with ``make run`` (or ``streamlit run dashboards/streamlit_app.py``).
"""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "app_pages"


def main() -> None:
    st.set_page_config(page_title="gcrm", page_icon=":world_map:", layout="wide")
    navigation = st.navigation(
        [st.Page(PAGES / "home.py", title="Home", icon=":material/home:", default=True)]
    )
    navigation.run()


main()
