"""A day of visits for one or several reps: which visits, in what order, at what times,
solved by Google OR-Tools' vehicle-routing solver.

Every rep leaves home no earlier than the day's start and is home again by its end; a
visit starts within its window and lasts its minutes (it must end by the window's close);
a rep makes at most ``max_stops`` visits. Visits that do not fit are left out with a
reason. The solver first serves as many visits (weighted by ``value``) as fit, then drives
as little as it can.

Times are seconds from midnight of the day planned; the matrix's places are the reps'
homes first (in the order of ``reps``), then the visits (in the order of ``visits``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

#: What keeping one visit of value 1 is worth against seconds of driving: any visit is
#: worth more than any route's extra driving.
_VISIT_WEIGHT = 10_000_000


def search_seconds(n_visits: int) -> float:
    """How long the solver searches by default: 2 s for a rep's day of a dozen visits,
    growing with the visits to 8 s from about 90 (measured on the Los Altos roads,
    bench/visit_routes.py: by then a longer search finds no shorter routes), so a plan
    with its matrix is ready within 10 s."""
    return min(8.0, max(2.0, 1.0 + 0.08 * n_visits))


@dataclass(frozen=True)
class Visit:
    """A visit to make: its window (seconds from midnight), its length in seconds, what
    keeping it is worth against other visits, and the reps who may make it (None: any)."""

    key: object
    opens: int
    closes: int
    seconds: int
    value: int = 1
    reps: tuple | None = None


@dataclass(frozen=True)
class RepDay:
    """A rep's day: when they may leave home and must be back, and its most visits."""

    key: object
    start: int
    end: int
    max_stops: int = 12


@dataclass(frozen=True)
class Stop:
    """A planned visit: whose day, which visit, when it starts and ends, and the drive to
    it (from home or the stop before)."""

    rep: object
    visit: object
    order: int
    arrive: int
    start: int
    depart: int
    drive_seconds: int
    drive_metres: float


@dataclass(frozen=True)
class Route:
    """One rep's day: the stops in order, leaving and coming home, the drive home."""

    rep: object
    leave: int
    back: int
    stops: list[Stop]
    home_seconds: int
    home_metres: float

    @property
    def drive_seconds(self) -> int:  # a day without stops drives nothing home either
        return sum(s.drive_seconds for s in self.stops) + self.home_seconds

    @property
    def drive_metres(self) -> float:
        return sum(s.drive_metres for s in self.stops) + self.home_metres


@dataclass
class VisitPlanner:
    """Plans ``visits`` into the days of ``reps`` over ``seconds`` and ``metres``
    (square, homes first, then visits; ``inf`` where no way exists).

    >>> planner = VisitPlanner(visits, reps, seconds, metres).solve()  # doctest: +SKIP
    >>> planner.routes_, planner.left_out_  # doctest: +SKIP
    """

    visits: list[Visit]
    reps: list[RepDay]
    seconds: np.ndarray
    metres: np.ndarray
    time_limit_s: float | None = None  # None: search_seconds(len(visits))
    routes_: list[Route] = field(default_factory=list, init=False)
    left_out_: dict = field(default_factory=dict, init=False)
    objective_: int | None = field(default=None, init=False)

    def solve(self) -> VisitPlanner:
        n_reps, n_visits = len(self.reps), len(self.visits)
        if self.seconds.shape != (n_reps + n_visits,) * 2:
            raise ValueError(f"the matrix is {self.seconds.shape}, not the "
                             f"{n_reps + n_visits} homes and visits square")
        if n_reps == 0:
            raise ValueError("no rep to plan a day for")
        self.left_out_ = {}
        candidates = [i for i, v in enumerate(self.visits) if self._fits_alone(i, v)]
        self.routes_, self.objective_ = self._route(candidates)
        served = {s.visit for r in self.routes_ for s in r.stops}
        for i in candidates:
            if self.visits[i].key not in served:
                self.left_out_[self.visits[i].key] = self._why_dropped(self.visits[i])
        return self

    # --- before solving: visits no rep could make even alone ----------------------------
    def _fits_alone(self, i: int, visit: Visit) -> bool:
        if visit.closes - visit.opens < visit.seconds:
            self.left_out_[visit.key] = (
                f"its window {clock(visit.opens)}-{clock(visit.closes)} is shorter than "
                f"the {visit.seconds // 60}-minute visit")
            return False
        node = len(self.reps) + i
        allowed = self._allowed(visit)
        if not allowed:
            self.left_out_[visit.key] = "none of the reps who may make it is in this plan"
            return False
        there = self.seconds[allowed, node]
        back = self.seconds[node, allowed]
        if not np.isfinite(there).any() or not np.isfinite(back).any():
            self.left_out_[visit.key] = "no road leads there from a rep's home"
            return False
        reps = [self.reps[r] for r in allowed]
        for k, rep in enumerate(reps):
            start = max(rep.start + there[k], visit.opens)
            if (np.isfinite(there[k]) and start + visit.seconds <= visit.closes
                    and start + visit.seconds + back[k] <= rep.end):
                return True
        if all(rep.start + there[k] + visit.seconds > visit.closes
               for k, rep in enumerate(reps) if np.isfinite(there[k])):
            self.left_out_[visit.key] = (
                f"its window {clock(visit.opens)}-{clock(visit.closes)} closes before a rep "
                "could get there and finish the visit")
        else:
            self.left_out_[visit.key] = (
                "the day is too short: the visit and the drive there and home do not fit "
                f"between {clock(min(r.start for r in reps))} and "
                f"{clock(max(r.end for r in reps))}")
        return False

    def _allowed(self, visit: Visit) -> list[int]:
        """The positions of the reps who may make ``visit``."""
        return [r for r, rep in enumerate(self.reps)
                if visit.reps is None or rep.key in visit.reps]

    def _why_dropped(self, visit: Visit) -> str:
        if sum(rep.max_stops for rep in self.reps) <= sum(
                len(r.stops) for r in self.routes_):
            each = sorted({rep.max_stops for rep in self.reps})
            return (f"the day is full: {sum(len(r.stops) for r in self.routes_)} visits "
                    f"planned, the most the reps' days allow ({' or '.join(map(str, each))} "
                    "each)")
        return ("no room left in the day: it does not fit between the visits planned and "
                "their windows")

    # --- the solver ----------------------------------------------------------------------
    def _route(self, candidates: list[int]) -> tuple[list[Route], int]:
        n_reps = len(self.reps)
        places = list(range(n_reps)) + [n_reps + i for i in candidates]
        horizon = max(r.end for r in self.reps)
        big = 4 * horizon + 1  # no way: never taken inside a day
        drive = np.where(np.isfinite(self.seconds), np.rint(self.seconds), big)
        drive = drive[np.ix_(places, places)].astype(np.int64)
        service = [0] * n_reps + [self.visits[i].seconds for i in candidates]
        manager = pywrapcp.RoutingIndexManager(len(places), n_reps, list(range(n_reps)),
                                               list(range(n_reps)))
        routing = pywrapcp.RoutingModel(manager)

        # The matrices live in the solver (C++): no Python call per arc it weighs.
        driving = routing.RegisterTransitMatrix(drive.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(driving)
        time = routing.RegisterTransitMatrix((drive + np.array(service)[:, None]).tolist())
        routing.AddDimension(time, horizon, horizon, False, "time")
        clock_dim = routing.GetDimensionOrDie("time")
        counted = routing.RegisterUnaryTransitVector([0] * n_reps + [1] * len(candidates))
        routing.AddDimensionWithVehicleCapacity(
            counted, 0, [r.max_stops for r in self.reps], True, "stops")
        for k, i in enumerate(candidates):
            visit, index = self.visits[i], manager.NodeToIndex(n_reps + k)
            clock_dim.CumulVar(index).SetRange(visit.opens, visit.closes - visit.seconds)
            routing.AddDisjunction([index], _VISIT_WEIGHT * max(int(visit.value), 1))
            if visit.reps is not None:
                routing.VehicleVar(index).SetValues([-1, *self._allowed(visit)])
        for v, rep in enumerate(self.reps):
            clock_dim.CumulVar(routing.Start(v)).SetRange(rep.start, rep.end)
            clock_dim.CumulVar(routing.End(v)).SetRange(rep.start, rep.end)
            routing.AddVariableMinimizedByFinalizer(clock_dim.CumulVar(routing.End(v)))
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION)
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
        seconds = (search_seconds(len(candidates)) if self.time_limit_s is None
                   else self.time_limit_s)
        params.time_limit.FromMilliseconds(max(int(seconds * 1000), 1))
        solution = routing.SolveWithParameters(params)
        if solution is None:  # cannot happen with every visit optional; said plainly
            raise RuntimeError("the routing solver found no plan at all")
        routes = []
        for v, rep in enumerate(self.reps):
            index, stops = routing.Start(v), []
            previous, at = v, rep.start
            index = solution.Value(routing.NextVar(index))
            while not routing.IsEnd(index):  # each visit as early as it may start
                node = manager.IndexToNode(index)
                place, visit = places[node], self.visits[candidates[node - n_reps]]
                arrive = at + int(drive[previous, node])
                start = max(arrive, visit.opens)
                stops.append(Stop(rep=rep.key, visit=visit.key, order=len(stops) + 1,
                                  arrive=int(arrive), start=int(start),
                                  depart=int(start + visit.seconds),
                                  drive_seconds=int(drive[previous, node]),
                                  drive_metres=float(self.metres[places[previous], place])))
                previous, at = node, start + visit.seconds
                index = solution.Value(routing.NextVar(index))
            # leave home in time for the first visit, not to wait at its door
            leave = stops[0].start - stops[0].drive_seconds if stops else rep.start
            if stops:
                stops[0] = replace(stops[0], arrive=stops[0].start)
            home_s = int(drive[previous, v]) if stops else 0
            back = (stops[-1].depart + home_s) if stops else leave
            routes.append(Route(rep=rep.key, leave=int(leave), back=int(back), stops=stops,
                                home_seconds=home_s,
                                home_metres=float(self.metres[places[previous], v])
                                if stops else 0.0))
        return routes, int(solution.ObjectiveValue())


def clock(seconds: float) -> str:
    """Seconds from midnight as a clock time: 30600 -> "08:30"."""
    minutes = int(round(seconds / 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
