"""`gcrm cube export` refuses what the cube cannot answer, saying what it can, instead of a
traceback or an empty file (issue 19: item 13, and the silent empty answers)."""

import pytest
from typer.testing import CliRunner

from gcrm import cube
from gcrm.cli import app
from gcrm.errors import InvalidInput


@pytest.fixture
def built(world, use_database):
    cube.build(engine=world)
    return world


def _export(tmp_path, *args):
    out = tmp_path / "slice.csv"
    result = CliRunner().invoke(app, ["cube", "export", "--out", str(out), *args])
    return result, out


@pytest.mark.parametrize("measures", ["accounts", "prospects", "revenue,accounts"])
@pytest.mark.parametrize("grain", ["month", "year"])
def test_counts_as_of_now_by_a_time_grain_are_refused_with_the_reason(built, tmp_path,
                                                                       measures, grain):
    result, out = _export(tmp_path, "--level", "county", "--measures", measures,
                          "--by", grain)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = " ".join(result.output.split())
    assert "accounts, prospects" in text and "no time grain" in text
    assert not out.exists()


def test_counts_as_of_now_without_a_time_grain_still_export(built, tmp_path):
    result, out = _export(tmp_path, "--level", "county", "--measures", "accounts,prospects",
                          "--period", "2026")
    assert result.exit_code == 0, result.output
    assert out.read_text().count("\n") == 4  # header and three counties


def test_an_unknown_segment_is_refused_with_the_segments_there_are(built, tmp_path):
    result, out = _export(tmp_path, "--level", "county", "--measures", "revenue",
                          "--where", "segment=nonexistent")
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "nonexistent" in text and "business, retail" in text
    assert not out.exists()
    with pytest.raises(InvalidInput, match="garden, tools"):
        cube.query(["revenue"], level="county", where={"category": ["Garden", "garden"]},
                   engine=built)


def test_a_split_at_an_h3_level_is_refused_with_the_levels_that_have_it(built, tmp_path):
    from gcrm.regions.grid import build_grid

    build_grid((5,), engine=built)
    cube.build(engine=built)
    result, out = _export(tmp_path, "--level", "h3_5", "--measures", "revenue",
                          "--by", "segment")
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "h3_5" in text and "state, county" in text
    assert not out.exists()
    plain, out = _export(tmp_path, "--level", "h3_5", "--measures", "revenue")
    assert plain.exit_code == 0, plain.output


def test_a_report_on_prospects_is_written_without_a_monthly_series(built, tmp_path):
    import io

    from pypdf import PdfReader

    result = CliRunner().invoke(app, ["report", "--region", "state:N", "--period", "2026",
                                      "--measure", "prospects",
                                      "--out", str(tmp_path / "p.pdf")])
    assert result.exit_code == 0, result.output
    text = PdfReader(io.BytesIO((tmp_path / "p.pdf").read_bytes())).pages[0].extract_text()
    assert "counted as they are now" in text
