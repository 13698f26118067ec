"""The Customers & prospects page on the small CRM world (A1, A2 in the North state; A3,
A4 in the South): the view's counts or accounts, filters, search, and the history panel
opened from a link, as each role may see it."""

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PAGE = "app_pages/customers.py"
PASSWORDS = {"ada": "admin password 1", "pat": "planner password", "sam": "manager password",
             "ana": "analyst password"}


@pytest.fixture
def ids(people, use_database) -> dict[str, int]:
    with people.connect() as conn:
        return dict(conn.execute(text("SELECT external_id, id FROM accounts")).all())


def _customers(username: str, **params) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(PASSWORDS[username])
    at = at.button[0].click().run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def _captions(at: AppTest) -> str:
    return " | ".join(c.value for c in at.caption)


def test_the_map_starts_on_every_account_counted_and_filters_narrow_it(ids):
    at = _customers("ada")
    assert not at.exception
    assert "4 accounts in view, counted in" in _captions(at)
    at.selectbox(key="acc_segment").select("business").run()
    assert "1 account in view" in _captions(at)
    at.selectbox(key="acc_segment").select("").run()
    at.selectbox(key="acc_region").select("county:S1").run()
    assert "2 accounts in view" in _captions(at)


def test_search_lists_the_accounts_found_and_opening_one_shows_its_history(ids):
    at = _customers("ada")
    at.text_input(key="acc_search").input("northcott").run()
    assert "1 account found" in _captions(at)
    at.selectbox(key="acc_pick").select(ids["A1"]).run()
    assert at.query_params["account"] in (str(ids["A1"]), [str(ids["A1"])])
    assert at.subheader[0].value == "Annabel Northcott"
    orders, cases, contacts = (frame.value for frame in at.dataframe[0:3])
    assert orders["amount"].tolist() == [50.0, 100.0]
    assert cases[["case_type", "satisfaction"]].values.tolist() == [["complaint", 2]]
    assert contacts["notes"].tolist() == ["Annabel Northcott asked about hedge trimmers"]


def test_a_link_to_an_account_opens_it_masked_for_a_planner(ids):
    at = _customers("pat", account=str(ids["A4"]))
    assert not at.exception
    assert at.subheader[0].value == "D*** L***"
    profile = dict(at.dataframe[-1].value.values.tolist())
    assert profile["email"] == "d***@mail.example"
    assert all("Desmond" not in str(frame.value) for frame in at.dataframe)


def test_a_manager_cannot_open_an_account_outside_their_region(ids):
    at = _customers("sam", account=str(ids["A1"]))
    assert not at.exception
    assert f"No account #{ids['A1']} that you may see" in at.warning[0].value
    assert "2 accounts in view" in _captions(at)  # county S1: A3 and A4


def test_an_analyst_is_not_offered_the_page(ids):
    """Analysts work with aggregates: the page is not among theirs, so not reachable."""
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _customers("ana")


def _options(at: AppTest, key: str) -> list[str]:
    return [o for o in at.selectbox(key=key).options]


def test_a_managers_map_opens_on_their_region_and_filters_list_only_what_they_may_see(ids,
                                                                                        people):
    with people.begin() as conn:  # Rhea owns the North's accounts, Sol the South's
        conn.execute(text("INSERT INTO reps (external_id, name) VALUES ('R1', 'Rhea North'), "
                          "('R2', 'Sol South')"))
        conn.execute(text("UPDATE accounts a SET owner_rep_id = (SELECT r.id FROM reps r "
                          "WHERE r.external_id = CASE WHEN a.external_id IN ('A1', 'A2') "
                          "THEN 'R1' ELSE 'R2' END)"))
    at = _customers("sam")  # county S1
    assert not at.exception
    (lat, lon), _ = at.session_state["customers_view"]["start"]
    assert (lat, lon) == (40.5, -79.0)  # S1's centre (both states': 41.0, -79.0)
    assert _options(at, "acc_region") == ["all you may see", "South (county)"]
    assert _options(at, "acc_owner") == ["anyone", "Sol South"]
    at = _customers("ada")  # an admin sees every region and owner
    assert _options(at, "acc_region") == [
        "all you may see", "North (state)", "South (state)", "North-West (county)",
        "North-East (county)", "South (county)"]
    assert _options(at, "acc_owner") == ["anyone", "Rhea North", "Sol South"]


def test_the_history_shows_no_internal_ids_and_no_time_zones(ids):
    at = _customers("ada", account=str(ids["A1"]))
    assert not at.exception
    orders, cases, contacts, profile = (frame.value for frame in at.dataframe[0:4])
    for frame in (orders, cases, contacts):
        assert "id" not in frame.columns and not [c for c in frame if c.endswith("_id")]
    assert cases["opened_at"].tolist() == ["2026-01-11 09:00"]  # no "+00:00"
    assert orders["order_date"].tolist() == ["2026-02-10", "2026-01-10"]
    fields = dict(profile.values.tolist())
    assert "id" not in fields and "owner_id" not in fields
    assert "+00:00" not in " ".join(str(v) for v in fields.values())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Revenue"] == "$150.00" and metrics["Orders"] == "2"
