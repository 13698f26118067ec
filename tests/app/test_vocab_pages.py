"""The pages follow the company's own lists: a case type first seen in a load is a member
of the Cube explorer's case-type split after a build; a segment an admin adds is offered
by the Customers filter."""

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from gcrm import cube, vocab
from gcrm.ingest.load import load_file

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
FEEDBACK = """case_id,account_id,opened_at,case_type,satisfaction
F1,A1,2026-03-10T09:00,review,5
F2,A2,2026-03-11T09:00,review,4
"""


def _page(page: str) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="username").input("ada")
    at.text_input(key="password").input("admin password 1")
    at = at.button[0].click().run()
    at.switch_page(page)
    return at.run()


def test_the_cube_explorer_splits_cases_by_a_case_type_first_seen_in_a_load(
        people, use_database, tmp_path):
    path = tmp_path / "feedback.csv"
    path.write_text(FEEDBACK)
    assert load_file("cases", path, source="desk", ref_source="crm", engine=people
                     ).rejects.empty
    cube.build(engine=people)
    at = _page("app_pages/cube_explorer.py")
    at.multiselect[0].set_value(["service_cases"]).run()
    split = at.selectbox[2]
    assert "case type" in split.options
    split.select("case_type").run()
    assert not at.exception
    pivot = at.dataframe[0].value
    review = [c for c in pivot.columns if c.endswith(" · review")]
    assert len(review) == 1
    counts = pivot[review[0]].fillna(0)
    assert dict(zip(pivot.index.get_level_values("code"), counts, strict=True)) == {
        "N1": 1, "N2": 1, "S1": 0}


def test_the_customers_segment_filter_offers_a_segment_the_admin_added(people, use_database):
    vocab.add("segment", "wholesale", engine=people)
    at = _page("app_pages/customers.py")
    options = list(at.selectbox(key="acc_segment").options)
    assert options[1:] == ["business", "retail", "wholesale"]  # after "all"
