"""Work routing: rules that give every new lead and service case an owner as it loads (by
territory, to a team round-robin or by capacity, to a named rep), a default queue for
the rest, SLA clocks per case type, and open cases following their accounts when a
territory plan is applied.

>>> from gcrm import routing
>>> routing.add_rule("complaints to support", priority=10, applies_to="case",
...                  case_type="complaint", method="team", team="support")  # doctest: +SKIP
>>> routing.route().by_rule  # doctest: +SKIP
"""

from gcrm.routing.follow import cases_follow
from gcrm.routing.route import Routed, route, route_in
from gcrm.routing.rules import (
    APPLIES_TO,
    METHODS,
    PICKS,
    add_rule,
    queues,
    remove_rule,
    rep_ids,
    rules,
    set_default_queue,
    set_sla,
    set_team,
    slas,
    teams,
)
from gcrm.routing.sla import overdue

__all__ = ["APPLIES_TO", "METHODS", "PICKS", "Routed", "add_rule", "cases_follow", "overdue",
           "queues", "remove_rule", "rep_ids", "route", "route_in", "rules", "set_default_queue",
           "set_sla", "set_team", "slas", "teams"]
