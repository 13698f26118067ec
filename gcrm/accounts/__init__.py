"""Accounts for the map and the history panel: what is in a view, and one account's story.

>>> from gcrm import accounts
>>> accounts.in_view((-80.5, 39.7, -74.7, 42.3), zoom=7)   # doctest: +SKIP
>>> accounts.history(42)                                     # doctest: +SKIP
"""

from gcrm.accounts.history import AccountHistory, history
from gcrm.accounts.viewport import ViewResult, extent, in_view, known_values

__all__ = ["AccountHistory", "ViewResult", "extent", "history", "in_view", "known_values"]
