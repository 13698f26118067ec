"""Territory scenarios: design, move, compare, apply (see ``scenarios``)."""

from gcrm.territories.scenarios import (
                                        Scenario,
                                        WouldSplit,
                                        apply,
                                        compare,
                                        design,
                                        move,
                                        plan_areas,
                                        rep_homes,
                                        scenarios,
                                        show,
)

__all__ = ["Scenario", "apply", "compare", "design", "move", "plan_areas", "rep_homes",
           "scenarios", "show", "WouldSplit"]
