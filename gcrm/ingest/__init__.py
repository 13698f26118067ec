"""Getting data in: read any common file, validate every row, load idempotently.

>>> from gcrm.ingest import load_file
>>> result = load_file("accounts", "customers.csv", source="crm")  # doctest: +SKIP
>>> result.summary.as_frame(), result.rejects  # doctest: +SKIP
"""

from gcrm.ingest.entities import ENTITIES
from gcrm.ingest.load import LoadResult, LoadSummary, load_file

__all__ = ["ENTITIES", "LoadResult", "LoadSummary", "load_file"]
