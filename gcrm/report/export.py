"""Reports as files: a PDF of one page per region, or PNG images of the same pages, read
as the user of the engine given and audited (``export.report``: regions, period, measure,
pages; never personal data)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib import rc_context
from matplotlib.backends.backend_pdf import PdfPages
from sqlalchemy import Engine

from gcrm import audit, cube
from gcrm.config import get_settings
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput
from gcrm.report import basemap
from gcrm.report.content import Page, read_pages
from gcrm.report.page import Footer, figure

FORMATS = ("pdf", "png")
PNG_DPI = 150  # A4 landscape: 1753 x 1240 pixels
# Text stays text in the PDF (TrueType, searchable and copyable), not Type 3 outlines; a
# dollar sign is a dollar sign, not the start of a formula.
PDF_STYLE = {"pdf.fonttype": 42, "font.family": "DejaVu Sans", "text.parse_math": False}

Progress = Callable[[str, int, int], None]
# matplotlib's settings are process-wide and it is not thread-safe: one report is drawn at
# a time (the dashboard serves several sessions from threads of one process).
_DRAWING = threading.Lock()


@dataclass
class ReportResult:
    paths: list[Path]
    pages: int
    regions: list[str]  # 'level:code'


def write(path: str | Path, regions: Sequence[str], *, period, measure: str = "revenue",
          level: str | None = None, by: str | None = None, fmt: str | None = None,
          user: str | None = None, engine: Engine | None = None,
          progress: Progress | None = None) -> ReportResult:
    """Write the report of ``regions`` to ``path`` (.pdf, or .png: one image per page,
    ``name-<code>.png`` when there are several regions)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"Cannot write a report as {fmt or 'a file without a suffix'!r}: "
                           "name a .pdf or .png file.")
    engine = engine or get_engine()
    pages = read_pages(regions, period=period, measure=measure, level=level, by=by,
                       engine=engine, progress=progress)
    _audit(pages, fmt, path.name, engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        path.write_bytes(_pdf(pages, _footer(user, engine), engine, progress))
        paths = [path]
    else:
        images = _pngs(pages, _footer(user, engine), engine, progress)
        paths = ([path] if len(images) == 1 else
                 [path.with_name(f"{path.stem}-{p.region.code}{path.suffix}") for p in pages])
        for target, image in zip(paths, images, strict=True):
            target.write_bytes(image)
    return ReportResult(paths, len(pages), [p.region.key for p in pages])


def pdf_bytes(regions: Sequence[str], *, period, measure: str = "revenue",
              level: str | None = None, by: str | None = None, user: str | None = None,
              engine: Engine | None = None, progress: Progress | None = None) -> bytes:
    """The report as PDF bytes (for a download), audited like a file."""
    engine = engine or get_engine()
    pages = read_pages(regions, period=period, measure=measure, level=level, by=by,
                       engine=engine, progress=progress)
    _audit(pages, "pdf", None, engine)
    return _pdf(pages, _footer(user, engine), engine, progress)


def png_bytes(regions: Sequence[str], *, period, measure: str = "revenue",
              level: str | None = None, by: str | None = None, user: str | None = None,
              engine: Engine | None = None) -> list[bytes]:
    """One PNG per page, audited."""
    engine = engine or get_engine()
    pages = read_pages(regions, period=period, measure=measure, level=level, by=by,
                       engine=engine)
    _audit(pages, "png", None, engine)
    return _pngs(pages, _footer(user, engine), engine, None)


# --- rendering -------------------------------------------------------------------------------

def _figures(pages: list[Page], footer: Footer, engine: Engine, progress: Progress | None):
    for i, page in enumerate(pages):
        if progress:
            progress("Drawing", i, len(pages))
        base = None
        if len(page.areas):
            west, south, east, north = page.areas.total_bounds
            base = basemap.features((west, south, east, north), engine=engine)
        yield figure(page, footer, number=i + 1, of=len(pages), base=base)
    if progress:
        progress("Drawing", len(pages), len(pages))


def _pdf(pages: list[Page], footer: Footer, engine: Engine,
         progress: Progress | None) -> bytes:
    buffer = io.BytesIO()
    title = "Regional report: " + ", ".join(p.region.name for p in pages)
    with _DRAWING, rc_context(PDF_STYLE), PdfPages(buffer, metadata={
            "Title": title, "Subject": f"{pages[0].measure}, {pages[0].period}",
            "Creator": "gcrm report", "Author": footer.user}) as pdf:
        for fig in _figures(pages, footer, engine, progress):
            pdf.savefig(fig)
    return buffer.getvalue()


def _pngs(pages: list[Page], footer: Footer, engine: Engine,
          progress: Progress | None) -> list[bytes]:
    images = []
    with _DRAWING, rc_context(PDF_STYLE):
        for fig in _figures(pages, footer, engine, progress):
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=PNG_DPI)
            images.append(buffer.getvalue())
    return images


def _footer(user: str | None, engine: Engine) -> Footer:
    build = cube.last_build(engine=engine)
    built = build["finished_at"] if build else None
    source = (f"regional cube built {built:%Y-%m-%d %H:%M} UTC" if built is not None
              else "regional cube")
    now = dt.datetime.now(dt.UTC)
    return Footer(user=user or get_settings().user or audit.operator_name(),
                  generated=f"{now:%Y-%m-%d %H:%M} UTC", source=source)


def _audit(pages: list[Page], fmt: str, file_name: str | None, engine: Engine) -> None:
    audit.record("export.report", file_name or f"report.{fmt}", {
        "format": fmt, "regions": [p.region.key for p in pages], "period": pages[0].period,
        "measure": pages[0].measure, "pages": len(pages)}, engine=engine)
