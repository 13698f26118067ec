"""Users (admin): who may sign in, with which role and regions."""

import streamlit as st

from dashboards import auth, data

user = auth.require("users")
st.title("Users")
st.caption("Change users with `gcrm users add|set-role|set-regions|disable`; every change "
           "is in the audit log.")
st.dataframe(data.users_table(user["username"]), hide_index=True, width="stretch")
