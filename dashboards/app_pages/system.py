"""System (admin): the database's versions, size, schema and rows, and who is signed in."""

import pandas as pd
import streamlit as st

from dashboards import auth, data


def main() -> None:
    user = auth.require("system")
    st.title("System")
    st.caption("The database gcrm runs on, and who is signed in now.")
    try:
        health = data.health(user["username"])
    except data.GcrmError as exc:
        st.error(f"The database is not available. {exc}")
        return
    cols = st.columns(4)
    cols[0].metric("PostgreSQL", health.server_version.split()[0])
    cols[1].metric("PostGIS", health.postgis_version or "missing")
    cols[2].metric("Database size", health.size_pretty)
    cols[3].metric("Schema", health.revision or "empty")
    if not health.up_to_date:
        st.warning("The schema is not up to date: run `gcrm db upgrade`.")
        return

    st.subheader("Rows per table")
    rows = pd.DataFrame({"table": list(health.row_counts),
                         "rows": list(health.row_counts.values())})
    if rows["rows"].sum() == 0:
        st.info("The database is empty. Load your own files with `gcrm load`.")
    st.dataframe(rows, hide_index=True, width="content",
                 column_config={"rows": st.column_config.NumberColumn("rows", format="localized")})

    st.subheader("Signed in now")
    live = data.live_sessions(user["username"])
    st.caption(f"A sign-in lasts {data.session_hours():g} hours in its browser "
               "(GCRM_SESSION_HOURS) unless the user signs out or is disabled.")
    st.dataframe(pd.DataFrame({
        "user": live["username"],
        "since": [pd.Timestamp(t).strftime("%Y-%m-%d %H:%M") for t in live["created_at"]],
        "until": [pd.Timestamp(t).strftime("%Y-%m-%d %H:%M") for t in live["expires_at"]],
    }), hide_index=True, width="content")


main()
