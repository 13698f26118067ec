"""Sign in: a local account (gcrm users add), checked against its Argon2 hash."""

import streamlit as st

from dashboards import auth, data


def main() -> None:
    st.title("gcrm")
    st.caption("Sign in to see your regions, customers and prospects.")
    if auth.sso_configured():
        signed_in = auth.sign_in_sso()
        if signed_in:
            st.rerun()
        if signed_in is False:
            st.error("Your single sign-on worked, but no enabled gcrm user has that email; "
                     "ask an admin to add you (`gcrm users add --email`).")
        st.button("Sign in with single sign-on", on_click=st.login)
        st.divider()
    with st.form("sign_in"):
        username = st.text_input("Username", key="username")
        password = st.text_input("Password", type="password", key="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    st.caption(f"You stay signed in in this browser for {data.session_hours():g} hours, "
               "reloads and shared links included, until you sign out.")
    if submitted:
        try:
            signed_in = auth.sign_in(username, password)
        except data.GcrmError as exc:
            st.error(f"The database is not available. {exc}")
            return
        if signed_in:
            st.rerun()
        st.error("Wrong username or password (or the user is disabled).")


main()
