"""Cost to serve: what a service case of a type and a contact through a channel cost, set
by the admin; the cube turns them into each account's and region's cost to serve and
margin (docs/models.md, "Customer value: cost to serve and margin").

>>> from gcrm import costs
>>> costs.rates()                                    # doctest: +SKIP
>>> costs.set_rate("case", "complaint", "75")        # doctest: +SKIP
"""

from gcrm.costs.rates import DEFAULTS, KINDS, effective, rates, reset_rate, set_rate

__all__ = ["DEFAULTS", "KINDS", "effective", "rates", "reset_rate", "set_rate"]
