"""Twenty people at once: the dashboard under 20 concurrent browser sessions, against the
same sequences run by one session at a time on the same server and data.

    .venv/bin/python bench/concurrent_sessions.py [--sessions 20] [--repeat 3]
                                                  [--accounts 10000] [--rounds 2]

1. The demo world (``gcrm demo --accounts N --states DE``, with its users, cube, trade
   areas and base map) in its own database, ``gcrm_bench_sessions`` on the configured
   server, with its own ``GCRM_HOME`` (``.gcrm/bench_sessions``: the demo users' password);
   reused when it already holds that many demo accounts (``--rebuild-world`` to redo it).
2. The dashboard as ``make run`` serves it (``streamlit run dashboards/server.py``) on a
   free port of this machine, started afresh for each phase (its caches cold).
3. One Chromium (Debian's, ``/usr/bin/chromium``) driven by Playwright's async API, one
   browser context (its own cookies: its own sign-in) per session, 1400x1000, no network
   beyond this machine. Each session signs in as a demo user (the roles cycle: admin,
   analyst, marketer, planner, a state manager, a county manager), then ``--rounds``
   times: Overview, a click on the map's first region (the drill into its ZIP areas),
   Customers & prospects (the roles that have it), Cube explorer, Home; with a think time
   of ``--think`` seconds (seeded, +-50%) between actions.
4. Each action's settle time: from the click until the page's expected element is visible
   and Streamlit's status widget is gone (its run finished; ``settled()`` in the browser
   tests). An error is an action that timed out (``--timeout``), a page showing a Streamlit
   exception (``stException``), or an HTTP response >= 400 from the server.
5. The peer, in the same run on the same data: the same sequences by one session at a
   time (one per role, each alone on its own fresh server), so the ratio of the two p95s
   says how the server degrades under 20 sessions.

Core budget (the machine has 2 cores): the server and the PostgreSQL backends serving its
database are pinned to core 0 (``sched_setaffinity``; backends by their pids from
``pg_stat_activity``, pinned as they appear), this process, Playwright's driver and
Chromium to core 1. Other work on the machine (and the rest of the PostgreSQL cluster)
is not pinned: the load average is recorded with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).parent))
from harness import (  # noqa: E402
    holds_world,
    recreate_database,
    spread,
    summary_row,
    write_results,
)

from gcrm.db.engine import database_url  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "gcrm_bench_sessions"
HOME = ROOT / ".gcrm" / "bench_sessions"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ROLES = ("admin", "analyst", "marketer", "planner", "manager", "county_manager")
NO_CUSTOMERS = {"analyst"}  # roles without the Customers page (gcrm/access/roles.py)
LOCAL = ("127.0.0.1", "localhost")
SERVER_CORE, BROWSER_CORE = 0, 1
LOGS = Path(__file__).parent / "results" / "logs"  # screenshots of failed actions


@dataclass
class Action:
    session: int
    user: str
    action: str
    seconds: float | None  # None: the action failed
    error: str | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3,
                        help="Runs of both phases (one session at a time, then all at once).")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--states", default="DE")
    parser.add_argument("--rounds", type=int, default=2,
                        help="Times each session goes through its pages.")
    parser.add_argument("--think", type=float, default=1.0,
                        help="Seconds between a session's actions (+-50%%, seeded).")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="Seconds an action may take before it counts as an error.")
    parser.add_argument("--rebuild-world", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="Print every action.")
    args = parser.parse_args()

    url = world(args.accounts, args.states, args.rebuild_world)
    password = (HOME / "demo-password").read_text().strip()
    pinned = pin_self()
    load_before = os.getloadavg()
    runs: list[dict] = []
    for run in range(args.repeat):
        with Served(url) as server:  # the peer: each role's sequence, alone, in turn
            asyncio.run(phase(server.url, ["admin"], password, args, seed=-1, warm_up=True))
            alone: list[Action] = []
            for i, user in enumerate(ROLES):
                alone += asyncio.run(phase(server.url, [user], password, args, seed=run,
                                           first=i))
        pinned_alone = server.pinned
        with Served(url) as server:
            asyncio.run(phase(server.url, ["admin"], password, args, seed=-1, warm_up=True))
            users = [ROLES[i % len(ROLES)] for i in range(args.sessions)]
            ticks = core_times()
            together = asyncio.run(phase(server.url, users, password, args, seed=run))
            cores = busy(ticks, core_times())
        runs.append({"alone": [asdict(a) for a in alone],
                     "together": [asdict(a) for a in together],
                     "server_pinned": pinned_alone and server.pinned,
                     "cores_busy_together": cores})
        print(f"run {run + 1}: while {args.sessions} sessions ran, core {SERVER_CORE} "
              f"(server) was busy {cores.get(SERVER_CORE, 0):.0%}, core {BROWSER_CORE} "
              f"(browsers) {cores.get(BROWSER_CORE, 0):.0%}", flush=True)
        for name, actions in (("1 session at a time", alone),
                              (f"{args.sessions} sessions at once", together)):
            figures = stats(actions)
            print(f"run {run + 1}, {name}: {figures['actions']} actions, median "
                  f"{figures['median']:.2f} s, p95 {figures['p95']:.2f} s, "
                  f"{figures['errors']} errors", flush=True)
    load_after = os.getloadavg()
    rows = summary(runs, args, pinned and all(r["server_pinned"] for r in runs),
                   load_before, load_after)
    for phase_name, actions in by_action(runs).items():
        for name, f in actions.items():
            print(f"{phase_name}, {name}: {f['actions']} actions, median {f['median']} s, "
                  f"max {f['max']} s, {f['errors']} errors")
    for row in rows:
        print(f"{row['measure']}: {row['gcrm']['median']:g} {row['unit']} "
              f"(peer {row['peer']['median']:g}); {row['note']}")
    write_results("concurrent_sessions", {
        "accounts": args.accounts, "states": args.states, "sessions": args.sessions,
        "repeat": args.repeat, "rounds": args.rounds, "think_s": args.think,
        "timeout_s": args.timeout, "roles": list(ROLES),
        "cores": {"server_and_postgres_backends": SERVER_CORE, "browsers": BROWSER_CORE,
                  "pinned": pinned},
        "load_average": {"before": load_before, "after": load_after},
        "by_action": by_action(runs), "runs": runs, "summary": rows})
    errors = sum(stats([Action(**a) for a in r["together"]])["errors"] for r in runs)
    if errors:
        print(f"{errors} errors under {args.sessions} sessions (see the JSON's runs)")


def core_times() -> dict[int, tuple[int, int]]:
    """Per core: (busy, total) clock ticks since boot, from /proc/stat."""
    cores = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *ticks = line.split()
        if name.startswith("cpu") and name != "cpu":
            values = [int(t) for t in ticks[:8]]
            idle = values[3] + values[4]  # idle + iowait
            cores[int(name[3:])] = (sum(values) - idle, sum(values))
    return cores


def busy(before: dict, after: dict) -> dict[int, float]:
    """Each core's busy share between two ``core_times()`` (whoever used it)."""
    return {c: round((after[c][0] - before[c][0]) / max(after[c][1] - before[c][1], 1), 3)
            for c in after if c in before}


async def quiet(page, seconds: float = 0.7) -> None:
    """Until Streamlit has had no run going (no status widget) for ``seconds``: a map's
    first report of its view starts another run after the page looked finished."""
    since = None
    while True:
        if await page.get_by_test_id("stStatusWidget").count() == 0:
            since = since or time.perf_counter()
            if time.perf_counter() - since >= seconds:
                return
        else:
            since = None
        await page.wait_for_timeout(50)


def stats(actions: list[Action]) -> dict:
    """Median and 95th percentile of the settle times of the actions that succeeded, and
    how many failed."""
    times = sorted(a.seconds for a in actions if a.seconds is not None)
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 \
        else (times[0] if times else float("nan"))
    return {"actions": len(actions), "errors": sum(a.error is not None for a in actions),
            "median": statistics.median(times) if times else float("nan"), "p95": p95}


def by_action(runs: list[dict]) -> dict:
    """Per phase and action, over every run: how many, median and max settle, errors."""
    out: dict[str, dict] = {}
    for phase_name in ("alone", "together"):
        actions = [Action(**a) for r in runs for a in r[phase_name]]
        names = dict.fromkeys(a.action for a in actions)
        out[phase_name] = {}
        for name in names:
            these = [a for a in actions if a.action == name]
            times = [a.seconds for a in these if a.seconds is not None]
            out[phase_name][name] = {
                "actions": len(these), "errors": sum(a.error is not None for a in these),
                "median": round(statistics.median(times), 3) if times else None,
                "max": max(times) if times else None}
    return out


def summary(runs: list[dict], args, pinned: bool, before, after) -> list[dict]:
    together = [stats([Action(**a) for a in r["together"]]) for r in runs]
    alone = [stats([Action(**a) for a in r["alone"]]) for r in runs]
    n = args.sessions
    peer = "the same sequences, one session at a time"
    sequence = (f"each session signs in (roles cycling over {len(ROLES)}: admin, analyst, "
                f"marketer, planner, a state and a county manager) then {args.rounds} x "
                "Overview, drill into a region, Customers, Cube explorer, Home, "
                f"{args.think:g} s think time; {together[0]['actions']:,} actions at once vs "
                f"{alone[0]['actions']:,} alone a run; demo world of {args.accounts:,} "
                f"accounts ({args.states}); a fresh server per phase")
    cores = ("server and its PostgreSQL backends pinned to core 0, Chromium and Playwright "
             "to core 1" if pinned else "not pinned (sched_setaffinity refused)")
    shares = [r.get("cores_busy_together", {}) for r in runs]
    server_busy = statistics.median(c.get(SERVER_CORE, 0) for c in shares)
    browser_busy = statistics.median(c.get(BROWSER_CORE, 0) for c in shares)
    conditions = (f"{cores} (busy {server_busy:.0%} and {browser_busy:.0%} while the "
                  f"{n} sessions ran, other work included); load average {before[0]:.1f} "
                  f"before, {after[0]:.1f} after (other work on the same 2 cores)")
    rows = []
    for key, what in (("median", "median"), ("p95", "95th percentile")):
        mine = spread([s[key] for s in together])
        theirs = spread([s[key] for s in alone])
        slower = mine["median"] / theirs["median"] if theirs["median"] else float("nan")
        rows.append(summary_row(
            f"{n} concurrent browser sessions: settle time, {what} (click to page settled)",
            mine, peer_name=peer, peer=theirs, peer_is_gcrm=True,
            note=f"the ratio is 1-session / {n}-session {key}: {n} sessions are "
                 f"{slower:.2f}x slower at the {key}; {sequence}; {conditions}"))
    rows.append(summary_row(
        f"{n} concurrent browser sessions: errors (timeouts, stException, HTTP >= 400)",
        spread([s["errors"] for s in together]), peer_name=peer,
        peer=spread([s["errors"] for s in alone]), unit="errors", peer_is_gcrm=True,
        note=f"errors per run of {together[0]['actions']:,} actions ({n} sessions) and "
             f"{alone[0]['actions']:,} (alone); an action times out after {args.timeout:g} s"))
    return rows


# --- the world ---------------------------------------------------------------------------

def world(accounts: int, states: str, rebuild: bool) -> str:
    """The URL of the demo world at ``accounts`` in its database, built when missing."""
    url = make_url(database_url()).set(database=DATABASE).render_as_string(
        hide_password=False)
    env = {**os.environ, "GCRM_DATABASE_URL": url, "GCRM_HOME": str(HOME)}
    gcrm = str(Path(sys.executable).with_name("gcrm"))
    if not rebuild and holds_world(url, accounts) and (HOME / "demo-password").exists():
        print(f"world: reusing {DATABASE} ({accounts:,} demo accounts)", flush=True)
        subprocess.run([gcrm, "db", "upgrade"], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        return url
    print(f"world: building {DATABASE} with {accounts:,} accounts ({states}) ...", flush=True)
    recreate_database(DATABASE)
    (HOME / "demo-password").unlink(missing_ok=True)  # the users are new: so is their password
    start = time.perf_counter()
    for argv in ([gcrm, "db", "upgrade"],
                 [gcrm, "demo", "--accounts", str(accounts), "--states", states]):
        subprocess.run(argv, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    print(f"world: built in {time.perf_counter() - start:.0f} s", flush=True)
    return url


# --- cores ---------------------------------------------------------------------------------

def pin_self() -> bool:
    """This process (and so Playwright's driver and Chromium, started from it) on the
    browsers' core; False when the machine has one core or refuses."""
    try:
        if len(os.sched_getaffinity(0)) < 2:
            return False
        os.sched_setaffinity(0, {BROWSER_CORE})
        return True
    except OSError:
        return False


class Served:
    """The dashboard (``streamlit run dashboards/server.py``, as ``make run``) on a free
    port, on the server's core, with the PostgreSQL backends of its database pinned to
    that core as they appear; ``url``, and ``pinned`` once stopped."""

    def __init__(self, database: str):
        self.database = database

    def __enter__(self) -> Served:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.pinned = True

        def on_server_core():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, {SERVER_CORE})

        self.server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboards/server.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, "GCRM_DATABASE_URL": self.database,
                           "GCRM_HOME": str(HOME)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=on_server_core)
        self.url = f"http://127.0.0.1:{port}"
        self._stop = threading.Event()
        self._backends: set[int] = set()
        self._pinner = threading.Thread(target=self._pin_backends, daemon=True)
        self._pinner.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return self
            except OSError:
                if self.server.poll() is not None:
                    break
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("the dashboard did not start within 120 s")

    def _pin_backends(self) -> None:
        """Every half second: the backends serving the world's database onto the server's
        core (they are forked by the postmaster, which stays on every core)."""
        engine = create_engine(self.database, pool_size=1)
        name = make_url(self.database).database
        try:
            while not self._stop.wait(0.5):
                with engine.connect() as conn:
                    pids = set(conn.execute(text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = :d "
                        "AND pid <> pg_backend_pid()"), {"d": name}).scalars())
                for pid in pids - self._backends:
                    try:
                        os.sched_setaffinity(pid, {SERVER_CORE})
                    except ProcessLookupError:
                        continue
                    except OSError:
                        self.pinned = False
                    self._backends.add(pid)
        finally:
            engine.dispose()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._pinner.join(timeout=5)
        self.server.terminate()
        try:
            self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        everywhere = set(range(os.cpu_count() or 1))
        for pid in self._backends:  # pooled backends outlive a terminated server briefly
            with contextlib.suppress(OSError):
                os.sched_setaffinity(pid, everywhere)


# --- the sessions ----------------------------------------------------------------------------

async def phase(url: str, users: list[str], password: str, args, *, seed: int,
                first: int = 0, warm_up: bool = False) -> list[Action]:
    """The sessions of ``users``, all at once in one Chromium (a context each);
    ``warm_up``: sign in and leave (the server's first run imports the app), untimed."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            done = await asyncio.gather(*(
                session(browser, url, first + i, user, password, args,
                        random.Random(f"{seed}-{first + i}"), warm_up=warm_up)
                for i, user in enumerate(users)))
        finally:
            await browser.close()
    return [a for actions in done for a in actions]


async def session(browser, url: str, number: int, user: str, password: str, args,
                  rng: random.Random, warm_up: bool = False) -> list[Action]:
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    http_errors: list[str] = []

    async def local_only(route):
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if host in LOCAL or route.request.url.startswith(("data:", "blob:", "about:")):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", local_only)
    page = await context.new_page()
    page.on("response", lambda r: http_errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.url.startswith(url) else None)
    timeout_ms = args.timeout * 1000
    page.set_default_timeout(timeout_ms)
    actions: list[Action] = []
    main = page.get_by_test_id("stMain")
    maps = page.locator("iframe[title*='st_folium']")
    drawn = "path.leaflet-interactive:not([fill='none'])"  # regions, not plain outlines
    caption = main.get_by_test_id("stCaptionContainer").filter(
        has_text=re.compile(r" by (\w+), .*Click a region"))

    async def timed(name: str, click, *expected, ready=None) -> None:
        """Time ``click`` until each of ``expected`` is visible and Streamlit has
        finished (after ``ready``, untimed); a failure is recorded and the session goes on
        from Home."""
        await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
        seen = len(http_errors)
        error = None
        start = time.perf_counter()
        try:
            await quiet(page)  # no run going: a click during one can be lost
            if ready is not None:
                await ready()
            start = time.perf_counter()
            await click()
            for locator in expected:
                await locator.first.wait_for(state="visible", timeout=timeout_ms)
            await page.wait_for_timeout(100)  # a run the click starts shows its widget
            await expect(page.get_by_test_id("stStatusWidget")).to_have_count(
                0, timeout=timeout_ms)
            seconds = time.perf_counter() - start - 0.1
            if await page.get_by_test_id("stException").count():
                error = "stException: " + (await page.get_by_test_id("stException")
                                           .first.inner_text())[:200]
        except Exception as exc:  # noqa: BLE001 - a timeout or a lost page: an error
            lines = str(exc).splitlines()
            waited = next((x.strip() for x in lines if "waiting for" in x), "")
            error = f"{type(exc).__name__}: {lines[0][:120]} {waited[:200]}".strip()
            with contextlib.suppress(Exception):  # what the page showed, for people to see
                LOGS.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(
                    LOGS / f"concurrent_sessions-{number}-{name.replace(' ', '_')}.png"))
        if error is None and len(http_errors) > seen:
            error = "HTTP " + "; ".join(http_errors[seen:])[:200]
        actions.append(Action(number, user, name, None if error else round(seconds, 3),
                              error))
        if args.verbose or error:
            print(f"  session {number} ({user}) {name}: "
                  f"{error or f'{seconds:.2f} s'}", flush=True)
        if error and name != "sign in":
            try:  # start again from Home, still signed in (the session cookie)
                await page.goto(url)
                await main.get_by_role("heading").first.wait_for(timeout=timeout_ms)
            except Exception:  # noqa: BLE001 - the next action will fail and count
                pass

    def sidebar(name: str):
        return lambda: page.get_by_test_id("stSidebarNav").get_by_role(
            "link", name=name, exact=True).click()

    async def sign_in():
        await page.goto(url)
        await page.get_by_role("textbox", name="Username").fill(user)
        await page.get_by_role("textbox", name="Password").fill(password)
        await page.get_by_role("button", name="Sign in").click()

    async def one_map():  # the drill's click goes to the map on screen, not a stale one
        await expect(maps).to_have_count(1, timeout=timeout_ms)
        await maps.content_frame.locator(drawn).first.wait_for(state="visible")

    async def drill():
        await maps.content_frame.locator(drawn).first.click()

    async def deeper() -> str | None:
        """The level a click on the Overview's map goes to (None: the finest shown)."""
        shown = re.search(r" by (\w+), ", await caption.first.inner_text()).group(1)
        return {"state": "county", "county": "zip"}.get(shown)

    welcome = main.get_by_role("heading", name=re.compile("^Welcome"))
    try:
        await timed("sign in", sign_in, welcome)
        if actions[-1].error is None and not warm_up:
            for _ in range(args.rounds):
                await timed("Overview", sidebar("Overview"),
                            main.get_by_role("heading", name="Overview", exact=True),
                            caption, maps.last.content_frame.locator(drawn))
                level = await deeper() if actions[-1].error is None else None
                if level:  # a county manager's map shows ZIP areas: nothing to drill into
                    await timed("drill into a region", drill,
                                caption.filter(has_text=f" by {level}, "),
                                maps.last.content_frame.locator(drawn), ready=one_map)
                if user not in NO_CUSTOMERS:
                    await timed("Customers", sidebar("Customers & prospects"),
                                main.get_by_text(re.compile(r"\bin view\b|\bfound\b")))
                await timed("Cube explorer", sidebar("Cube explorer"),
                            main.get_by_role("heading", name=re.compile(r"^[\d,]+ rows?$")))
                await timed("Home", sidebar("Home"), welcome)
    finally:
        await context.close()
    return [] if warm_up else actions


if __name__ == "__main__":
    main()
