"""A rep's day of visits: plan it over a target list or named accounts on the road network
(``spatial.routing``, OR-Tools), store it, read it back, export it (CSV, GPX, PDF).

>>> from gcrm import visits
>>> plan = visits.plan(date(2026, 12, 8), ["R1"], from_list="at risk")  # doctest: +SKIP
>>> plan.stops, plan.left_out  # doctest: +SKIP
"""

from gcrm.errors import InvalidInput
from gcrm.visits.export import FORMATS, export
from gcrm.visits.plan import DayRules, plan
from gcrm.visits.show import Plan, plans, show
from gcrm.visits.windows import WindowsLoaded, load_windows

__all__ = ["FORMATS", "DayRules", "InvalidInput", "Plan", "WindowsLoaded", "export", "load_windows",
           "plan", "plans", "show"]
