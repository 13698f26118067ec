"""A small HTTP endpoint for the base map's vector tiles: ``GET /tiles/{z}/{x}/{y}.pbf``.

Started in-process by the dashboard (a daemon thread) or alone by ``gcrm basemap serve``.
Standard library only (``ThreadingHTTPServer``); tiles come from :func:`gcrm.basemap.tile`
(PostGIS, LRU-cached). Any origin may fetch them (the dashboard's page is served from
another port), and browsers may keep them a few minutes.
"""

from __future__ import annotations

import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import Engine

from gcrm.basemap.tiles import tile
from gcrm.db.engine import get_engine
from gcrm.errors import GcrmError

TILE_PATH = re.compile(r"^/tiles/(\d+)/(\d+)/(\d+)\.pbf$")
MAX_AGE = 300  # seconds a browser may reuse a tile
MVT = "application/vnd.mapbox-vector-tile"


def make_server(port: int = 0, *, host: str = "127.0.0.1",
                engine: Engine | None = None) -> ThreadingHTTPServer:
    """An HTTP server answering tile requests (port 0: any free port; ``server_port``
    says which). Raises OSError when the port is taken."""
    engine = engine or get_engine()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            path = self.path.split("?", 1)[0]
            if path == "/health":
                return self._send(HTTPStatus.OK, b"ok", "text/plain")
            match = TILE_PATH.match(path)
            if not match:
                return self._send(HTTPStatus.NOT_FOUND, b"Tiles are at /tiles/{z}/{x}/{y}.pbf",
                                  "text/plain")
            try:
                body = tile(*map(int, match.groups()), engine=engine)
            except GcrmError as error:
                return self._send(HTTPStatus.BAD_REQUEST, str(error).encode(), "text/plain")
            self._send(HTTPStatus.OK, body, MVT, cache=True)

        def do_OPTIONS(self) -> None:  # noqa: N802 - a CORS preflight
            self._send(HTTPStatus.NO_CONTENT, b"", "text/plain")

        def _send(self, status, body: bytes, content_type: str, *, cache: bool = False):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Cache-Control", f"public, max-age={MAX_AGE}" if cache
                             else "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format, *args) -> None:  # noqa: A002 - quiet by default
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def start(port: int = 0, *, host: str = "127.0.0.1",
          engine: Engine | None = None) -> ThreadingHTTPServer:
    """:func:`make_server` answering in a daemon thread (it ends with the process)."""
    server = make_server(port, host=host, engine=engine)
    threading.Thread(target=server.serve_forever, name="gcrm-basemap-tiles",
                     daemon=True).start()
    return server
