"""The lake: the facts as a partitioned columnar copy (Parquet by month, accounts as
GeoParquet by a coarse H3 cell), written from PostGIS and read back checked against its
manifest. PostGIS stays the system of record; the lake holds only what an analyst may see."""

from gcrm.lake.check import check
from gcrm.lake.layout import SCHEMA_VERSION, TABLES, LakeError
from gcrm.lake.read import read
from gcrm.lake.write import write

__all__ = ["SCHEMA_VERSION", "TABLES", "LakeError", "check", "read", "write"]
