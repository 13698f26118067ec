"""The regional report (gcrm.report, `gcrm report`) on the small CRM world (states North
and South; counties N1, N2 in North, S1 in South) and on the Delaware demo world: the PDF
says what the cube says, as the user who asked; managers get only their regions; every
report is audited."""

import io

import pytest
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from gcrm import audit, cube, report
from gcrm.cli import app
from gcrm.errors import InvalidInput, PermissionDenied

runner = CliRunner()


@pytest.fixture
def built(people):
    cube.build(engine=people)
    return people


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _dollars(value: float) -> str:
    return f"${value:,.0f}" if value >= 1000 else f"${value:,.2f}"


def test_the_pdf_has_a_page_per_region_with_the_cubes_figures(built, tmp_path):
    result = report.write(tmp_path / "states.pdf", ["state:N", "S"], period="2026-Q1",
                          engine=built)
    assert result.pages == 2 and result.regions == ["state:N", "state:S"]
    north, south = _pages(result.paths[0].read_bytes())
    kpis = cube.query(["revenue", "orders", "customers", "churn_rate"], level="state",
                      period="2026-Q1", compare="previous_period", engine=built
                      ).set_index("code")
    assert "North\nState N  ·  2026-Q1" in north  # the title: its name, level and code
    assert "South\nState S  ·  2026-Q1" in south
    assert _dollars(kpis.loc["N", "revenue"]) in north  # $350.00
    assert _dollars(kpis.loc["S", "revenue"]) in south  # $1,200
    assert f"Orders\n{int(kpis.loc['N', 'orders']):,}\n" in north
    assert f"{kpis.loc['S', 'churn_rate']:.1%}" in south
    assert "2026-Q1 (Jan – Mar 2026)" in north and "compared with Oct – Dec 2025" in north
    counties = cube.query(["revenue"], level="county", where={"state": "N"},
                          period="2026-Q1", engine=built).set_index("name")
    for name in ("North-West", "North-East"):  # the ranking of the areas inside
        assert f"{name} {_dollars(counties.loc[name, 'revenue'])}" in north
    assert "Revenue by county, 2026-Q1" in north and "Page 1 of 2" in north


def test_a_managers_report_is_their_regions_read_as_them(built, as_user, tmp_path):
    nora = as_user("nora")  # manager of state N
    with pytest.raises(PermissionDenied, match=r"outside your regions \(state:N\)"):
        report.write(tmp_path / "south.pdf", ["state:S"], period="2026-Q1", engine=nora)
    sam = as_user("sam")  # manager of county S1 only: its state is wider than that
    with pytest.raises(PermissionDenied, match="outside your regions"):
        report.pdf_bytes(["state:S"], period="2026-Q1", engine=sam)
    assert not (tmp_path / "south.pdf").exists()
    data = report.pdf_bytes(["state:N"], period="2026-Q1", user="nora", engine=nora)
    (page,) = _pages(data)
    seen = cube.query(["revenue", "complaints"], level="state", where={"state": "N"},
                      period="2026-Q1", engine=nora).iloc[0]
    assert _dollars(seen["revenue"]) in page and "figures as nora may see them" in page
    own = _pages(report.pdf_bytes(["county:S1"], period="2026-03", engine=sam))[0]
    s1 = cube.query(["revenue"], level="county", where={"county": "S1"}, period="2026-03",
                    engine=sam).iloc[0]
    assert "South\nCounty S1" in own and _dollars(s1["revenue"]) in own
    assert "finest level" in own  # a county has no areas below it in this world


def test_every_report_is_audited_without_personal_data(built, as_user, tmp_path):
    nora = as_user("nora")
    report.write(tmp_path / "north.pdf", ["N"], period="2026-Q1", measure="orders",
                 engine=nora)
    entry = audit.recent("export.report", engine=built).iloc[0]
    assert entry["actor"] == "nora" and entry["target"] == "north.pdf"
    assert entry["details"] == {"format": "pdf", "regions": ["state:N"],
                                "period": "2026-Q1", "measure": "orders", "pages": 1}


def test_png_pages_are_a4_landscape_images(built, tmp_path):
    result = report.write(tmp_path / "r.png", ["N", "S"], period="2026", engine=built)
    assert [p.name for p in result.paths] == ["r-N.png", "r-S.png"]
    for path in result.paths:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (int(297 / 25.4 * 150), int(210 / 25.4 * 150))  # A4, 150 dpi


def test_wrong_requests_say_what_to_write(built, tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(InvalidInput, match="No region with code 'X9'"):
        report.write(out / "x.pdf", ["X9"], period="2026-Q1", engine=built)
    with pytest.raises(InvalidInput, match="Unknown measure 'profit'; choose from"):
        report.write(out / "x.pdf", ["N"], period="2026-Q1", measure="profit", engine=built)
    with pytest.raises(InvalidInput, match="name a .pdf or .png"):
        report.write(out / "x.docx", ["N"], period="2026-Q1", engine=built)
    with pytest.raises(InvalidInput, match="Level 'state' is not inside 'county'"):
        report.write(out / "x.pdf", ["N1"], period="2026-Q1", by="state", engine=built)
    with pytest.raises(InvalidInput, match="Unknown period"):
        report.write(out / "x.pdf", ["N"], period="Q1", engine=built)
    assert not out.exists()
    assert audit.recent("export.report", engine=built).empty  # nothing made, nothing logged


def test_the_command_line_writes_the_report_as_a_user(built, use_database, tmp_path):
    out = tmp_path / "north.pdf"
    made = runner.invoke(app, ["report", "--region", "N", "--period", "2026-Q1",
                               "--out", str(out), "--as", "nora"])
    assert made.exit_code == 0, made.output
    assert "Report of state:N (1 page) written to" in made.output
    assert "North\nState N" in _pages(out.read_bytes())[0]
    refused = runner.invoke(app, ["report", "--region", "S", "--period", "2026-Q1",
                                  "--out", str(tmp_path / "south.pdf"), "--as", "nora"])
    assert refused.exit_code == 1 and "outside your regions" in refused.output
    assert "Traceback" not in refused.output and not (tmp_path / "south.pdf").exists()
