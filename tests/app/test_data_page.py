"""The Data page on the small CRM world plus a file with bad rows: the counts, the
precision mix and the accounts outside every region for admins and analysts; the raw
rejected rows, and their CSV, for admins only."""

import io
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gcrm.access import users
from gcrm.ingest.load import load_file

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PAGE = "app_pages/data_quality.py"
PASSWORDS = {"ada": "admin password 1", "ana": "analyst password"}
SHOP = """id,name,status,street,city,postcode,lat,lon
B1,Farah Away,customer,1 Harbour Road,Portland,04101,43.66,-70.25
B2,Noel Where,prospect,2 Unknown Lane,Nowhere,00000,,
B3,Lattie Wrong,customer,3 Elm Street,Northtown,11111,123.4,-79.5
B4,Vic Status,vip,4 Elm Street,Northtown,11111,41.5,-79.5
"""


@pytest.fixture
def shop(people, use_database, tmp_path):
    path = tmp_path / "shop.csv"
    path.write_text(SHOP)
    return load_file("accounts", path, source="shop", engine=people).summary


def _data_page(username: str) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORDS[username])
    at = at.button[0].click().run()
    at.switch_page(PAGE)
    return at.run()


def _metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def test_an_admin_sees_the_counts_the_mix_and_the_rejects_and_can_download_them(shop):
    at = _data_page("ada")
    assert not at.exception
    assert _metrics(at) == {"Accounts loaded": "6", "Rejected rows": "2",
                            "Geocoded at rooftop": "0%", "Unassigned": "1"}
    loads = at.dataframe[0].value
    assert loads.iloc[0][["file", "read", "inserted", "rejected"]].tolist() == [
        "shop.csv", 4, 2, 2]
    mix = at.dataframe[1].value.set_index("precision")["accounts"]
    assert mix.to_dict() == {"provided": 5, "unplaced": 1}
    outside = at.dataframe[2].value.set_index("level")["unassigned"]
    assert outside.to_dict() == {"state": 1, "county": 1}

    assert at.selectbox(key="reject_run").value == shop.run_id  # the only run with rejects
    rejects = at.dataframe[3].value
    assert rejects["reason"].tolist() == ["latitude 123.4 is outside -90..90",
                                          "status 'vip' is not one of prospect, customer, "
                                          "churned: status drives the customer counts and "
                                          "churn; put the company's own tiers in segment"]
    assert "Lattie Wrong" in rejects["row"].iloc[0]
    button = at.get("download_button")
    assert [b.label for b in button] == ["Download these rejects (CSV)"]
    assert button[0].proto.url.endswith(".csv")
    from dashboards import data  # the bytes behind that button, as the page asks for them

    csv = pd.read_csv(io.BytesIO(data.quality_rejects_csv("ada", shop.run_id)), dtype=str)
    assert csv[["line", "name"]].values.tolist() == [["4", "Lattie Wrong"],
                                                     ["5", "Vic Status"]]


def test_an_analyst_sees_the_summary_but_no_rejected_row(shop):
    at = _data_page("ana")
    assert not at.exception and not at.error
    assert _metrics(at)["Rejected rows"] == "2"  # how many, not what
    assert _metrics(at)["Accounts loaded"] == "6"
    assert len(at.dataframe) == 3  # loads, precision mix, outside every region
    assert all("reason" not in frame.value.columns for frame in at.dataframe)
    assert not at.get("download_button")
    assert any("available to admins only" in info.value for info in at.info)
    # Nor can the data layer be talked into it: the database refuses the analyst.
    from dashboards import data

    with pytest.raises(data.GcrmError, match="admins only"):
        data.quality_rejects("ana", shop.run_id)


def test_a_manager_cannot_open_the_data_page(people, use_database):
    direct = AppTest.from_file(str(Path(APP).parent / PAGE), default_timeout=30)
    direct.session_state["user"] = {"username": "nora", "label": "nora", "role": "manager",
                                    "regions": ["state:N"]}
    direct.run()
    assert "not available to the manager role" in direct.error[0].value
    assert len(direct.metric) == 0 and len(direct.dataframe) == 0


def test_an_empty_database_says_nothing_is_loaded_yet(db, use_database):
    users.add_user("dataadmin", "admin", engine=db)
    st.cache_data.clear()
    at = AppTest.from_file(str(Path(APP).parent / PAGE), default_timeout=30)
    at.session_state["user"] = {"username": "dataadmin", "label": "Admin", "role": "admin",
                                "regions": []}
    at.run()
    assert not at.exception and not at.error
    assert "Nothing has been loaded yet" in at.info[0].value
    assert len(at.metric) == 0 and len(at.dataframe) == 0
