"""The regional cube: measures by region x time x segment x product x channel x status.

>>> from gcrm import cube
>>> cube.build()                                              # doctest: +SKIP
>>> cube.query(["revenue", "customers"], by=["month"], level="county",
...            where={"state": "42"}, period="2026")           # doctest: +SKIP

See docs/cube.md.
"""

from gcrm.cube.build import BuildResult, build
from gcrm.cube.builds import last_build, months
from gcrm.cube.definitions import DIMENSIONS, MEASURES, Measure
from gcrm.cube.export import ExportResult, export
from gcrm.cube.query import drill_down, query, roll_up

__all__ = ["DIMENSIONS", "MEASURES", "BuildResult", "ExportResult", "Measure", "build",
           "drill_down", "export", "last_build", "months", "query", "roll_up"]
