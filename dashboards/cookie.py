"""The sign-in cookie's name and the server routes that set and clear it (shared by the
server, dashboards/server.py, and the pages' side, dashboards/auth.py; no imports)."""

COOKIE = "gcrm_session"
START_PATH = "/api/gcrm/session"
END_PATH = "/api/gcrm/session/end"
