"""Home: what gcrm is and the state of its database."""

import pandas as pd
import streamlit as st

from dashboards import auth, data


def main() -> None:
    user = auth.require("home")
    st.title("gcrm")
    st.caption(
        "Geographic CRM analytics: customers, prospects and trade areas in PostGIS, "
        "aggregated by region."
    )
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

    rows = pd.DataFrame(
        {"table": list(health.row_counts), "rows": list(health.row_counts.values())}
    )
    st.subheader("What you can see")
    if rows["rows"].sum() == 0:
        st.info("The database is empty. Load your own files with `gcrm load`.")
    st.dataframe(rows, hide_index=True, width="content")


main()
