"""Audit log (admin): sign-ins, exports, erasures, role changes, newest first."""

import streamlit as st

from dashboards import auth, data

user = auth.require("audit")
st.title("Audit log")
log = data.audit_log(user["username"])
actions = sorted(log["action"].unique())
chosen = st.multiselect("Actions", actions, default=actions)
st.dataframe(log[log["action"].isin(chosen)], hide_index=True, width="stretch")
