"""Trade areas around sites: build them by method, measure what they hold, read them back
(see ``build``, ``figures``), and road networks for drive times (``roads``)."""

from gcrm.tradeareas.build import METHODS, Built, build
from gcrm.tradeareas.figures import areas, builds, overlaps, penetration, site_points
from gcrm.tradeareas.roads import load as load_roads
from gcrm.tradeareas.roads import networks

__all__ = ["METHODS", "Built", "areas", "build", "builds", "load_roads", "networks",
           "overlaps", "penetration", "site_points"]
