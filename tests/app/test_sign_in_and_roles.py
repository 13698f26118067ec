"""The dashboard asks for a sign-in, shows each role its own pages, and reads as the user."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gcrm import audit
from gcrm.access.roles import ROLES

APP = str(Path(__file__).parents[2] / "dashboards" / "streamlit_app.py")
PASSWORDS = {"ada": "admin password 1", "ana": "analyst password", "mia": "marketer password",
             "pat": "planner password", "nora": "manager password", "sam": "manager password"}


@pytest.fixture
def app(people, use_database):
    st.cache_data.clear()
    return AppTest.from_file(APP, default_timeout=30).run()


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(password)
    return at.button[0].click().run()


def _welcome(at: AppTest) -> str:
    return at.title[0].value if len(at.title) else ""


def test_nothing_shows_before_sign_in(app):
    assert not app.exception
    assert [t.value for t in app.title] == ["gcrm"]
    assert len(app.metric) == 0 and len(app.dataframe) == 0


def test_a_wrong_password_is_refused_and_audited(app, people):
    at = _sign_in(app, "nora", "not her password")
    assert "Wrong username or password" in at.error[0].value
    assert "user" not in at.session_state
    assert audit.recent("sign_in.failed", engine=people)["target"].tolist() == ["nora"]


@pytest.mark.parametrize(("username", "role"), [("nora", "manager"), ("sam", "manager"),
                                                 ("ana", "analyst"), ("mia", "marketer"),
                                                 ("pat", "planner"), ("ada", "admin")])
def test_after_sign_in_each_role_lands_on_its_home(app, username, role):
    at = _sign_in(app, username, PASSWORDS[username])
    assert not at.exception
    assert at.session_state["user"]["username"] == username
    assert _welcome(at) == f"Welcome, {username}"
    assert at.caption[0].value == ROLES[role].description


def test_a_manager_sees_their_regions_in_the_sidebar_and_can_sign_out(app, people):
    at = _sign_in(app, "nora", PASSWORDS["nora"])
    assert "Regions: state:N" in [c.value for c in at.sidebar.caption]
    at = at.sidebar.button(key="sign_out").click().run()
    assert "user" not in at.session_state
    assert audit.recent("sign_out", engine=people)["actor"].tolist() == ["nora"]


def test_admin_pages_are_for_admins(app):
    at = _sign_in(app, "ada", PASSWORDS["ada"])
    at.switch_page("app_pages/users.py").run()
    assert not at.exception
    users = at.dataframe[0].value
    assert set(users["username"]) == {"ada", "ana", "mia", "pat", "nora", "sam"}
    assert "password_hash" not in users.columns
    at.switch_page("app_pages/audit.py").run()
    assert "sign_in" in set(at.dataframe[0].value["action"])


@pytest.mark.parametrize("page", ["users.py", "audit.py"])
@pytest.mark.parametrize(("username", "role"), [("ana", "analyst"), ("mia", "marketer"),
                                                ("pat", "planner"), ("nora", "manager")])
def test_other_roles_neither_see_nor_open_admin_pages(app, page, username, role):
    at = _sign_in(app, username, PASSWORDS[username])
    with pytest.raises(ValueError, match="Known pages") as refused:
        at.switch_page(f"app_pages/{page}")  # not in their navigation at all
    known = str(refused.value).split("Known pages:")[1]
    assert "home.py" in known and page not in known
    # And the page itself turns them away, should it be reached some other way.
    direct = AppTest.from_file(str(Path(APP).parent / "app_pages" / page), default_timeout=30)
    direct.session_state["user"] = at.session_state["user"]
    direct.run()
    assert f"not available to the {role} role" in direct.error[0].value
    assert len(direct.dataframe) == 0


def test_a_role_change_applies_at_once_to_a_signed_in_user(app, people):
    from gcrm.access import users

    at = _sign_in(app, "ada", PASSWORDS["ada"])
    at.switch_page("app_pages/users.py").run()
    assert len(at.dataframe) == 1
    users.set_role("ada", "analyst", engine=people)  # demoted while signed in
    at.run()  # her next click: the users page is gone, she is back on the home page
    assert at.session_state["user"]["role"] == "analyst"
    assert all("username" not in frame.value.columns for frame in at.dataframe)
    assert any("You have not exported anything yet" in i.value for i in at.info)  # analyst's
    with pytest.raises(ValueError, match="Known pages"):
        at.switch_page("app_pages/users.py")


def test_a_disabled_user_is_signed_out_on_their_next_click(app, people):
    from gcrm.access import users

    at = _sign_in(app, "nora", PASSWORDS["nora"])
    assert _welcome(at) == "Welcome, nora"
    users.disable("nora", engine=people)
    at.run()
    assert "user" not in at.session_state
    assert _welcome(at) == "gcrm"  # the sign-in form
