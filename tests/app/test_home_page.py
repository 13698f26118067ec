"""The dashboard's home page reports the real database, and fails politely without one."""

from pathlib import Path

import pytest
import streamlit as st
from geoalchemy2.elements import WKTElement
from sqlalchemy import delete
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from gcrm.access import users
from gcrm.db.migrate import head_revision
from gcrm.db.models import Account, AppUser

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")


@pytest.fixture
def two_accounts(use_database):
    with Session(use_database) as session:
        session.add_all([
            Account(source="app-test", external_id=str(i), name=f"Customer {i}",
                    status="customer", geom=WKTElement(f"POINT(-80 4{i})", srid=4326))
            for i in range(2)
        ])
        session.commit()
    users.add_user("homeadmin", "admin", engine=use_database)
    yield use_database
    with Session(use_database) as session:
        session.execute(delete(Account).where(Account.source == "app-test"))
        session.execute(delete(AppUser).where(AppUser.username == "homeadmin"))
        session.commit()


def _run(signed_in: bool = True) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    if signed_in:
        at.session_state["user"] = {"username": "homeadmin", "label": "Admin", "role": "admin",
                                    "regions": []}
    return at.run()


def test_home_shows_postgis_version_and_rows_loaded(two_accounts):
    at = _run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["PostGIS"].startswith("3.")
    assert metrics["Schema"] == head_revision(two_accounts)
    table = at.dataframe[0].value
    assert table.set_index("table").loc["accounts", "rows"] == 2
    assert table.set_index("table").loc["sales", "rows"] == 0


def test_home_without_a_database_says_so_instead_of_a_traceback(monkeypatch):
    from gcrm.config import get_settings
    from gcrm.db.engine import reset_engines

    monkeypatch.setenv("GCRM_DATABASE_URL", "postgresql://nobody:x@127.0.0.1:9/none")
    get_settings.cache_clear()
    reset_engines()
    try:
        at = _run(signed_in=False)
        at.text_input(key="username").input("someone")
        at.text_input(key="password").input("a password")
        at = at.button[0].click().run()
    finally:
        get_settings.cache_clear()
        reset_engines()
    assert not at.exception
    assert "The database is not available" in at.error[0].value
    assert "gcrm db start" in at.error[0].value
