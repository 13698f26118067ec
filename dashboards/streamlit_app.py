"""gcrm dashboard entry point: page config, sign-in, and the pages of the user's role.

Run with ``make run`` (or ``streamlit run dashboards/server.py``: this script served
with the routes that keep a sign-in across reloads; see dashboards/auth.py).
"""

from pathlib import Path

import streamlit as st

from dashboards import auth, data

PAGES = Path(__file__).parent / "app_pages"

# key -> (file, title, icon); a role's pages are listed in gcrm/access/roles.py.
CATALOGUE = {
    "home": ("home.py", "Home", ":material/home:"),
    "overview": ("overview.py", "Overview", ":material/map:"),
    "customers": ("customers.py", "Customers & prospects", ":material/person_pin_circle:"),
    "cube": ("cube_explorer.py", "Cube explorer", ":material/table_chart:"),
    "territories": ("territories.py", "Territories", ":material/border_all:"),
    "tradeareas": ("tradeareas.py", "Trade areas", ":material/storefront:"),
    "visits": ("visits.py", "Visits", ":material/route:"),
    "routing": ("routing.py", "Routing", ":material/alt_route:"),
    "data": ("data_quality.py", "Data", ":material/fact_check:"),
    "users": ("users.py", "Users", ":material/group:"),
    "audit": ("audit.py", "Audit log", ":material/policy:"),
    "system": ("system.py", "System", ":material/dns:"),
}


def main() -> None:
    st.set_page_config(page_title="gcrm", page_icon=":world_map:", layout="wide")
    user = auth.current_user()  # this run's session, or the cookie of a reload or a link
    if user is None:
        # Every page's address leads to the sign-in form, so a shared link (a page with its
        # region, period or view in the URL) opens that page once the user has signed in.
        sign_in = [st.Page(PAGES / "sign_in.py", title="Sign in", icon=":material/login:",
                           default=True)]
        sign_in += [st.Page(PAGES / "sign_in.py", title="Sign in", url_path=Path(file).stem)
                    for key, (file, _, _) in CATALOGUE.items() if key != "home"]
        st.navigation(sign_in, position="hidden").run()
        auth.sync_cookie()  # after the form, so nothing on the page moves when it goes
        return
    with st.sidebar:
        st.markdown(f"**{user['label']}** · {user['role']}")
        if user["regions"]:
            st.caption("Regions: " + ", ".join(user["regions"]))
        if st.button("Sign out", key="sign_out"):
            auth.sign_out()
            st.rerun()
        auth.sync_cookie()  # last in the sidebar: nothing moves when it goes
    pages = [st.Page(PAGES / CATALOGUE[key][0], title=CATALOGUE[key][1],
                     icon=CATALOGUE[key][2], default=(key == "home"))
             for key in data.pages_for(user["role"]) if key in CATALOGUE]
    st.navigation(pages).run()


main()
