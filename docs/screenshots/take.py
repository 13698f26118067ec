"""Screenshots of the dashboard as each demo role sees it, at 1400x1000 and 1280x720.

Run against a dashboard serving the demo world (see docs/screenshots/README.md)::

    .venv/bin/python docs/screenshots/take.py --url http://127.0.0.1:8611 \
        --password-file .gcrm/demo-password --out docs/screenshots --label after

Every shot is taken in a fresh browser context: open the page's address, sign in as the
role (the sign-in form leads to the address asked for), wait until the page has settled
(Streamlit's status widget gone, no spinner, every map drawn and its tiles loaded), and
save what the window shows as ``<label>-<role>-<page>-<width>x<height>.png``, reduced to a
256-colour palette PNG so each file stays small. Nothing beyond this machine is fetched:
a request to another host is refused and listed at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SIZES = ((1400, 1000), (1280, 720))
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# Philadelphia's centre at street zoom: the densest place of the default demo world
# (`gcrm demo`, Pennsylvania); --at picks another.
DEFAULT_AT = "39.9520,-75.1640,15"


@dataclass(frozen=True)
class View:
    role: str  # the demo username (gcrm/demo/users.py)
    page: str  # the file name's page part
    path: str  # the address under the app, with its query
    tab: str | None = None  # a tab to open once the page has settled


def views(at: str, scenario: str | None, state: str, account: int) -> list[View]:
    """The curated set: every role's Home, then the pages the issue is about."""
    territories = "/territories" + (f"?{urllib.parse.urlencode({'scenario': scenario})}"
                                    if scenario else "")
    zoomed_in = f"/customers?at={at}"
    return [
        *(View(role, "home", "/") for role in
          ("admin", "analyst", "marketer", "planner", "manager", "county_manager")),
        View("admin", "overview", "/overview"),
        View("manager", "overview", "/overview"),
        View("manager", "overview-customers", "/overview?measure=customers"),
        View("county_manager", "overview", "/overview"),
        # Where the county manager's breadcrumb ("› PA") leads: the state above their county.
        View("county_manager", "overview-state", f"/overview?region=state:{state}"),
        View("manager", "customers-zoomed-out", "/customers"),
        View("manager", "customers-zoomed-in", zoomed_in),
        View("manager", "customer-history", f"{zoomed_in}&account={account}", tab="Orders"),
        View("planner", "customers-zoomed-out", "/customers"),
        View("planner", "customers-zoomed-in", zoomed_in),
        View("analyst", "cube-explorer", "/cube_explorer"),
        View("planner", "territories", territories),
        View("marketer", "tradeareas", "/tradeareas"),
        View("admin", "data", "/data_quality"),
    ]


# True when every Leaflet map in this frame has drawn: its container is there, every
# tile (raster or vector) has loaded, and something is drawn on it (a shape, a marker or a canvas).
_MAP_DRAWN = """() => {
    const maps = document.querySelectorAll('.leaflet-container');
    if (maps.length === 0) return document.readyState === 'complete';
    for (const m of maps) {
        if (m.querySelector('.leaflet-tile:not(.leaflet-tile-loaded)')) return false;
        if (!m.querySelector('.leaflet-overlay-pane > *, .leaflet-marker-pane > *, '
                             + '.leaflet-tile-pane canvas, .leaflet-tile-pane img')) return false;
    }
    return true;
}"""


def settle(page: Page, *, timeout: float = 90.0, quiet: int = 3) -> None:
    """Wait until the page has finished its runs and its maps have drawn, ``quiet`` times in
    a row a second apart (a map's first report of its view makes Streamlit run the page
    again, a moment after it has drawn)."""
    deadline = time.monotonic() + timeout
    calm = 0
    while calm < quiet:
        if time.monotonic() > deadline:
            print(f"  (not settled after {timeout:.0f} s; shooting anyway)", file=sys.stderr)
            return
        page.wait_for_timeout(1000)
        calm = calm + 1 if not busy(page) and _maps_drawn(page) else 0


def busy(page: Page) -> bool:
    """Streamlit is running the page (its status widget shows), or something still loads."""
    return bool(page.get_by_test_id("stStatusWidget").count()
                + page.get_by_test_id("stSpinner").count()
                + page.locator("[data-stale='true']").count())


def _maps_drawn(page: Page) -> bool:
    """Every frame has drawn its maps; a map component's frame (its title names folium,
    leaflet or a map) must hold one."""
    for iframe in page.locator("iframe").all():
        try:
            title = (iframe.get_attribute("title") or "").lower()
            frame = iframe.element_handle(timeout=1000).content_frame()
            if frame is None:
                return False
            if any(word in title for word in ("folium", "leaflet", "map")) and not frame.evaluate(
                    "() => document.querySelector('.leaflet-container') !== null"):
                return False
            if not frame.evaluate(_MAP_DRAWN):
                return False
        except PlaywrightError:  # a frame replaced while asked: ask again next time
            return False
    return True


def sign_in(page: Page, username: str, password: str) -> None:
    """Fill the sign-in form when it shows (a remembered session may skip it)."""
    box = page.get_by_role("textbox", name="Username")
    signed_in = page.get_by_role("button", name="Sign out")
    box.or_(signed_in).first.wait_for(timeout=60_000)
    if signed_in.count():
        return
    box.fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    box.wait_for(state="detached", timeout=60_000)  # the form gives way to the app


def shrink(path: Path) -> int:
    """The PNG at ``path`` rewritten as a 256-colour palette PNG; returns its size."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the dashboard, e.g. http://127.0.0.1:8611")
    secret = parser.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-file", type=Path,
                        help="the demo users' password file ($GCRM_HOME/demo-password)")
    secret.add_argument("--password", help="the demo users' password")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--label", required=True, choices=("before", "after"))
    parser.add_argument("--at", default=DEFAULT_AT,
                        help=f"lat,lon,zoom of the zoomed-in Customers view ({DEFAULT_AT})")
    parser.add_argument("--scenario", help="the territory scenario to show (default: the "
                        "page's own choice)")
    parser.add_argument("--state", default="PA",
                        help="the demo's state (its USPS code), above the county manager's "
                        "county (PA)")
    parser.add_argument("--account", type=int, default=1,
                        help="the account whose history the manager opens (1)")
    parser.add_argument("--only", help="comma-separated roles or pages to take, e.g. "
                        "'overview,manager'")
    args = parser.parse_args(argv)
    password = (args.password if args.password is not None
                else args.password_file.read_text().strip())
    base = args.url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only.split(",")) if args.only else None
    chosen = [v for v in views(args.at, args.scenario, args.state, args.account)
              if wanted is None or v.role in wanted or v.page in wanted]
    blocked: list[str] = []

    def local_only(route):
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for view in chosen:
            for width, height in SIZES:
                context = browser.new_context(viewport={"width": width, "height": height})
                context.route("**/*", local_only)
                page = context.new_page()
                page.set_default_timeout(60_000)
                started = time.monotonic()
                page.goto(base + view.path)
                sign_in(page, view.role, password)
                settle(page)
                if view.tab:
                    tab = page.get_by_role("tab", name=view.tab)
                    if tab.count():
                        tab.first.click()
                        settle(page)
                    else:
                        print(f"  (no tab {view.tab!r} on {view.path})", file=sys.stderr)
                path = args.out / f"{args.label}-{view.role}-{view.page}-{width}x{height}.png"
                # What the window shows: Streamlit scrolls inside the page, so a "full page"
                # shot would be the same. A run that starts as the shot is taken: again.
                for _ in range(3):
                    page.screenshot(path=str(path))
                    if not busy(page):
                        break
                    settle(page)
                size = shrink(path)
                took = time.monotonic() - started
                print(f"{path}  {size / 1024:,.0f} KB  {took:.1f} s", flush=True)
                context.close()
        browser.close()
    if blocked:
        print("Refused (not this machine): " + ", ".join(sorted(set(blocked))), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
