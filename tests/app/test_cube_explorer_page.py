"""The Cube explorer on the small CRM world: the pivot holds the cube's numbers, filters
and splits narrow it, and a download is the same slice with its metadata."""

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gcrm import audit, cube

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PASSWORDS = {"ada": "admin password 1", "nora": "manager password"}


@pytest.fixture
def built(people, use_database):
    cube.build(engine=people)
    return people


def _explorer(username: str) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORDS[username])
    at = at.button[0].click().run()
    at.switch_page("app_pages/cube_explorer.py")
    return at.run()


def _table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def test_revenue_by_county_equals_the_facts(built):
    at = _explorer("ada")
    assert not at.exception
    table = _table(at).set_index("code")
    assert table["revenue"].to_dict() == {"N1": 150.0, "N2": 200.0, "S1": 1200.0}
    assert at.subheader[0].value == "3 rows"


def test_a_split_and_a_filter_narrow_the_pivot(built):
    at = _explorer("ada")
    at.selectbox[2].select("category").run()  # customers have no product category:
    assert "customers cannot be split by product category" in at.warning[0].value
    at.multiselect[0].set_value(["revenue"]).run()
    at.selectbox[4].select("state").run()  # filter: inside regions of state ...
    at.multiselect[1].select("N").run()  # ... North
    pivot = _table(at)
    assert sorted(pivot.index.get_level_values("code")) == ["N1", "N2"]
    assert pivot.loc[("North-West", "N1"), "revenue · garden"] == 150.0
    assert pivot.loc[("North-East", "N2"), "revenue · tools"] == 200.0


def test_a_manager_pivots_only_their_regions(built):
    at = _explorer("nora")
    assert sorted(_table(at)["code"]) == ["N1", "N2"]


def test_a_download_is_the_slice_with_its_metadata_and_is_audited(built):
    from dashboards import data

    payload = data.cube_download("ada", "csv", ("revenue",), "county", (), (), "2026")
    with zipfile.ZipFile(io.BytesIO(payload)) as bundle:
        names = sorted(bundle.namelist())
        frame = pd.read_csv(bundle.open(names[0]))
        metadata = json.loads(bundle.read(names[1]))
    assert names == ["gcrm-county.csv", "gcrm-county.csv.meta.json"]
    assert frame.set_index("code")["revenue"].to_dict() == {"N1": 150.0, "N2": 200.0,
                                                           "S1": 1200.0}
    assert metadata["measures"]["revenue"]["formula"] == "revenue"
    assert metadata["filters"]["period"] == "2026"
    assert audit.recent("cube.export", engine=built)["actor"].tolist() == ["ada"]
    book = data.cube_download("ada", "xlsx", ("revenue",), "state", (), (), None)
    sheets = pd.read_excel(io.BytesIO(book), sheet_name=None)
    assert set(sheets) == {"cube", "metadata"} and sheets["cube"]["revenue"].sum() == 1550


def test_measures_keep_the_order_chosen_and_the_heading_counts_the_rows_shown(built):
    at = _explorer("ada")
    at.multiselect[0].set_value(["revenue", "orders"]).run()
    at.selectbox[1].select("month").run()  # months across: one row per county
    pivot = _table(at)
    assert len(pivot) == 3 and at.subheader[0].value == "3 rows"
    measures = [c.split(" · ")[0] for c in pivot.columns]
    assert measures == sorted(measures, key=["revenue", "orders"].index)  # revenue first
    assert measures[0] == "revenue" and measures[-1] == "orders"


def test_a_split_a_measure_cannot_take_is_explained_and_the_others_still_show(built):
    at = _explorer("ada")  # revenue and customers
    at.selectbox[2].select("category").run()
    assert not at.exception
    [warning] = at.warning
    assert "customers cannot be split by product category; it can by segment" in \
        warning.value
    pivot = _table(at)  # revenue by category still shows
    assert pivot.loc[("North-West", "N1"), "revenue · garden"] == 150.0
    assert not [c for c in pivot.columns if c.startswith("customers")]
