"""Routing for the day's field work: travel matrices over a drive network (or in a
straight line where none covers the area) and a day of visits per rep, solved by Google
OR-Tools; pure functions and a solver object, no database.

>>> from spatial import routing
>>> matrix = routing.road_matrix(nodes, edges, lon, lat)  # doctest: +SKIP
>>> plan = routing.VisitPlanner(visits, reps, matrix.seconds, matrix.metres)  # doctest: +SKIP
>>> plan.solve().routes_  # doctest: +SKIP
"""

from spatial.routing.matrix import TravelMatrix, road_matrix, straight_line_matrix
from spatial.routing.visits import RepDay, Route, Stop, Visit, VisitPlanner, clock, search_seconds

__all__ = ["RepDay", "Route", "Stop", "TravelMatrix", "Visit", "VisitPlanner", "clock",
           "road_matrix", "search_seconds", "straight_line_matrix"]
