"""``gcrm demo``: a complete, realistic CRM world built offline and loaded through the
same functions a user's own files go through (regions, reference data, loads, context).

Geography: real ZIP centroids of the chosen states (the ``zipcodes`` package) grown into
approximate ZIP areas, counties and states. Everything else is generated, deterministic
for a seed. See docs/demo.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, text

from gcrm import basemap
from gcrm.cube import build as build_cube
from gcrm.db.engine import get_engine
from gcrm.db.optimize import cluster_accounts
from gcrm.demo.geography import build_geography
from gcrm.demo.world import write_world
from gcrm.geocoding.reference import load_reference
from gcrm.ingest.load import load_file
from gcrm.regions import assign, load_context, load_regions
from gcrm.regions.grid import build_grid
from gcrm.tradeareas import build as build_trade_areas

SOURCE = "demo"
# Real OpenStreetMap roads beside the project (../shared/data/roads): a demo whose states
# they fall in gets them in its base map too.
SHARED_ROADS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "roads"
GRID = (5, 7)
Step = Callable[[str], None]


@dataclass
class DemoResult:
    files: dict[str, Path]
    loaded: dict[str, int] = field(default_factory=dict)
    skipped: bool = False
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each step


def write_demo_files(out: Path, *, seed: int = 42, accounts: int = 50_000,
                     states: tuple[str, ...] = ("PA",)) -> dict[str, Path]:
    """Write the demo world's files into ``out`` (same seed, same files)."""
    rng = np.random.default_rng(seed)
    geography = build_geography(list(states), rng)
    return write_world(Path(out), geography, accounts=accounts, rng=rng)


def build_demo(out: Path, *, seed: int = 42, accounts: int = 50_000,
               states: tuple[str, ...] = ("PA",), if_empty: bool = False,
               engine: Engine | None = None, step: Step | None = None) -> DemoResult:
    """Write the demo files and load them; with ``if_empty`` do nothing when accounts exist."""
    engine = engine or get_engine()
    if if_empty:
        with engine.connect() as conn:
            if conn.execute(text("SELECT EXISTS (SELECT 1 FROM accounts)")).scalar_one():
                # A world loaded before base maps gets one from its reference; the user's
                # own accounts without a geocoding reference are left as they are.
                has_reference = conn.execute(text(
                    "SELECT EXISTS (SELECT 1 FROM ref_addresses) OR "
                    "EXISTS (SELECT 1 FROM ref_places)")).scalar_one()
                if has_reference and basemap.basemaps(engine=engine).empty:
                    build_basemap(engine=engine)
                return DemoResult({}, skipped=True)
    say = _Steps(step or (lambda message: None))
    say(f"Writing the demo world ({accounts:,} accounts, {', '.join(states)}) to {out}")
    files = write_demo_files(out, seed=seed, accounts=accounts, states=states)
    loaded: dict[str, int] = {}
    say("Loading regions: state > county > zip")
    for level, parent in (("state", None), ("county", "state"), ("zip", "county")):
        result = load_regions(files[f"regions_{level}"], level=level, code_field="code",
                              name_field="name", parent_level=parent,
                              parent_field="parent" if parent else None,
                              population_field="population", households_field="households",
                              engine=engine)
        loaded[f"regions {level}"] = result.loaded
    say("Loading the geocoding reference")
    for kind in ("addresses", "postcodes", "places"):
        loaded[f"reference {kind}"] = load_reference(kind, files[f"ref_{kind}"],
                                                     engine=engine).loaded
    for entity in ("reps", "sites", "accounts", "sales", "cases", "interactions"):
        if entity == "cases":
            say("Setting up work routing: cases to their account's rep; SLA clocks")
            _routing(engine)
        say(f"Loading {entity}")
        summary = load_file(entity, files[entity], source=SOURCE, engine=engine).summary
        loaded[entity] = summary.inserted + summary.updated + summary.unchanged
    say("Loading context layers")
    load_context(files["context_zip"], level="zip", code_field="zip", engine=engine)
    say(f"Building the H3 grid (resolutions {', '.join(map(str, GRID))}) and assigning")
    build_grid(GRID, engine=engine)
    assign(engine=engine)
    say("Putting the accounts in map order (gcrm db optimize)")
    cluster_accounts(engine=engine)
    say("Building the regional cube")
    build_cube(engine=engine)
    say("Building trade areas (rings of 3 and 5 km; the Huff model, calibrated on the sales)")
    build_trade_areas("rings 3-5 km", "ring", radii_km=(3, 5), created_by="demo",
                      engine=engine)
    build_trade_areas("huff", "huff", level="zip", calibrate=True, created_by="demo",
                      engine=engine)
    say("Building the base map: streets from the address points, towns, roads between them")
    loaded.update(build_basemap(engine=engine))
    say.finish()
    return DemoResult(files, loaded, seconds=say.seconds)


# The demo's clocks (hours to the first response, to resolution) per case type.
DEMO_SLAS = {"complaint": (8, 72), "return": (24, 120), "repair": (24, 168),
             "request": (8, 48)}


def _routing(engine: Engine) -> None:
    """Cases go to their account's rep as they load (the demo's accounts all have one); the
    clocks make the open cases of the demo's history overdue on the Routing page."""
    from gcrm import routing

    routing.add_rule("the account's rep", priority=10, applies_to="case",
                     method="territory", created_by="demo", engine=engine)
    for case_type, (first, resolution) in DEMO_SLAS.items():
        routing.set_sla(case_type, first_response_hours=first, resolution_hours=resolution,
                        actor="demo", engine=engine)


def build_basemap(*, engine: Engine) -> dict[str, int]:
    """The demo's base map (``demo``: its generated streets, towns and buildings) and the
    real OpenStreetMap roads of ../shared/data/roads that fall inside its regions."""
    built = basemap.build_from_reference("demo", buildings=True,
                                         attribution="gcrm demo world (generated)",
                                         engine=engine)
    counts = {f"base map {layer}": n for layer, n in built.features.items()}
    for path in sorted(SHARED_ROADS.glob("*.geojson")) if SHARED_ROADS.is_dir() else []:
        if _inside_regions(path, engine):
            summary = basemap.load(path, name=f"osm {path.stem}", engine=engine)
            counts[f"base map osm roads ({path.stem})"] = summary.total
    return counts


def _inside_regions(path: Path, engine: Engine) -> bool:
    import pyogrio

    west, south, east, north = pyogrio.read_info(path, force_total_bounds=True)["total_bounds"]
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT EXISTS (SELECT 1 FROM regions WHERE geom && "
            "ST_MakeEnvelope(:w, :s, :e, :n, 4326))"),
            {"w": west, "s": south, "e": east, "n": north}).scalar_one()


class _Steps:
    """Announces each step of the demo and times it (wall seconds per step)."""

    def __init__(self, report: Step) -> None:
        self.report, self.seconds = report, {}
        self._name: str | None = None
        self._start = 0.0

    def __call__(self, name: str) -> None:
        self.finish()
        self._name, self._start = name, time.perf_counter()
        self.report(name)

    def finish(self) -> None:
        if self._name is not None:
            self.seconds[self._name] = round(time.perf_counter() - self._start, 1)
            self._name = None
