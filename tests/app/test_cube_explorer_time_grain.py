"""The Cube explorer with requests the cube cannot answer as asked: counts as they are now
(accounts, prospects) by a time grain are said, not a KeyError (issue 19, item 13), and
sales dated years apart offer their months, not every month between (item 8)."""

from pathlib import Path

import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from gcrm import cube

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")


def _explorer(username: str = "nora", password: str = "manager password") -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(password)
    at = at.button[0].click().run()
    at.switch_page("app_pages/cube_explorer.py")
    return at.run()


def test_accounts_by_month_are_refused_by_name_and_the_other_measures_still_show(
        people, use_database):
    cube.build(engine=people)
    at = _explorer()  # a manager: every role reaches the page
    at.multiselect[0].set_value(["revenue", "accounts"]).run()
    at.selectbox[1].select("month").run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "accounts" in warning and "no time grain" in warning
    pivot = at.dataframe[0].value
    assert list(pivot.columns) == ["revenue · 2026-01", "revenue · 2026-02"]  # North's months
    at.multiselect[0].set_value(["prospects"]).run()
    assert not at.exception
    assert "whole period" in " ".join(i.value for i in at.info)
    assert not at.dataframe


def test_sales_dated_years_apart_offer_their_months_not_every_month_between(
        people, use_database):
    with people.begin() as conn:
        conn.execute(text(
            "INSERT INTO sales (source, external_id, account_id, order_date, amount) "
            "SELECT 'operator', 'F' || n, id, CAST(d AS date), 10 * n FROM accounts, "
            "(VALUES (1, '0001-01-01'), (2, '9999-12-31')) v(n, d) WHERE external_id = 'A1'"))
    cube.build(engine=people)
    at = _explorer("ada", "admin password 1")
    assert not at.exception
    periods = at.selectbox[3].options
    assert {"0001-01", "9999-12", "2026-03", "0001", "9999", "2026-Q1"} <= set(periods)
    assert len(periods) == 1 + 3 + 3 + 5  # all; 3 years, 3 quarters, 5 months
    at.selectbox[3].select("9999").run()
    table = at.dataframe[0].value.set_index("code")
    assert table["revenue"].dropna().to_dict() == {"N1": 20.0}
    assert table["customers"].sum() == 3  # carried from March 2026: nobody won or lost since


def test_the_overview_of_a_region_shows_accounts_without_a_monthly_series(people,
                                                                           use_database):
    cube.build(engine=people)
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="username").input("nora")
    at.text_input(key="password").input("manager password")
    at = at.button[0].click().run()
    for key, value in {"period": "2026-Q1", "region": "state:N", "measure": "accounts"}.items():
        at.query_params[key] = value
    at.switch_page("app_pages/overview.py")
    at = at.run()
    assert not at.exception and not at.warning
    assert "counted as they are now" in " ".join(c.value for c in at.caption)
    assert at.dataframe[0].value["Accounts"].tolist() == ["1", "1"]  # the ranking still shows
