"""The Streamlit multipage app. Pages call ``dashboards.data``; nothing here writes SQL."""
