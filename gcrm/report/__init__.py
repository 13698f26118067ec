"""The regional report: one page per region, to send. Title with the region and the
period, KPI cards with their change against the previous period, a choropleth of the
sub-regions (over the base map when one is loaded), the top and bottom sub-regions and the
monthly series. Read as the user (row-level security holds), rendered offline with
matplotlib and GeoPandas into a PDF or PNG, audited.

>>> from gcrm import report
>>> report.write("de.pdf", ["state:DE"], period="2026-Q1")            # doctest: +SKIP

See docs/report.md.
"""

from gcrm.report.content import KPI_MEASURES, Page, check_regions, read_pages
from gcrm.report.export import ReportResult, pdf_bytes, png_bytes, write

__all__ = ["KPI_MEASURES", "Page", "ReportResult", "check_regions", "pdf_bytes", "png_bytes",
           "read_pages", "write"]
