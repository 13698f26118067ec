"""The dashboard's web server: Streamlit's app (``streamlit_app.py``) plus two small routes
that set and clear the sign-in cookie, since a Streamlit page run cannot send HTTP headers.

Run with ``streamlit run dashboards/server.py`` (``make run`` does): Streamlit finds the
``st.App`` below and serves it with its own server (uvicorn), routes included.

- ``POST /api/gcrm/session`` with ``{"code": ...}``: trades the one-time code the page got
  at sign-in for the session's token, sent back as an HTTP-only, SameSite=Lax cookie that
  lasts as long as the session (``GCRM_SESSION_HOURS``). The token never passes through
  the page's JavaScript.
- ``POST /api/gcrm/session/end``: ends the session of the cookie sent, and deletes it.

Both refuse requests from another origin.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dashboards.cookie import COOKIE, END_PATH, START_PATH


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # not a browser's cross-site request (browsers send Origin on POST)
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


async def start_session(request: Request) -> Response:
    if not _same_origin(request):
        return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
    try:
        code = str((await request.json()).get("code") or "")
    except ValueError:
        code = ""
    from dashboards import data  # imported once the app runs (its caches need the runtime)

    token = await run_in_threadpool(data.redeem_session, code) if code else None
    if token is None:
        return JSONResponse({"error": "unknown, used or late sign-in code"}, status_code=403)
    seconds = int((token.expires_at - dt.datetime.now(dt.UTC)).total_seconds())
    response = Response(status_code=204)
    response.set_cookie(COOKIE, token.value, max_age=max(seconds, 0), path="/",
                        httponly=True, samesite="lax", secure=_secure(request))
    return response


async def end_session(request: Request) -> Response:
    if not _same_origin(request):
        return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
    token = request.cookies.get(COOKIE)
    if token:
        from dashboards import data

        await run_in_threadpool(data.end_session_by_token, token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_secure(request))
    return response


app = st.App(Path(__file__).with_name("streamlit_app.py"), routes=[
    Route(START_PATH, start_session, methods=["POST"]),
    Route(END_PATH, end_session, methods=["POST"]),
])
