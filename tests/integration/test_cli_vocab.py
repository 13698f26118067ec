"""`gcrm vocab` and `gcrm load --value` as a person runs them: tables, one-line answers,
errors that say what to do, no traceback."""

from sqlalchemy import text
from typer.testing import CliRunner

from gcrm.cli import app

runner = CliRunner()
FEEDBACK = "case_id,account,opened,type\nF1,A1,2026-03-10 09:00,feedback\nF2,A1,2026-03-11,repair\n"


def _account(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("id,name,lat,lon\nA1,Ann,40.4,-79.9\n")
    assert runner.invoke(app, ["load", "accounts", str(path), "--source", "crm"]).exit_code == 0


def _run(*args):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def test_vocab_list_add_close_open_and_rename(use_database, db, tmp_path):
    lists = _run("vocab", "list")
    assert lists.exit_code == 0, lists.output
    for name in ("case_type", "interaction_channel", "segment", "product_category",
                 "sales_channel"):
        assert name in lists.output

    added = _run("vocab", "add", "case_type", "Review", "--label", "Product review")
    assert added.exit_code == 0, added.output
    assert "Added 'review' to case types (label 'Product review')." in added.output
    assert "Already there" in _run("vocab", "add", "case_type", "review").output

    closed = _run("vocab", "close", "case_type")
    assert closed.exit_code == 0, closed.output
    assert "Case types closed at 6 values:" in closed.output
    values = _run("vocab", "list", "case_type")
    assert "Case types (closed, 6 values)" in values.output
    assert "Product review" in values.output
    assert "gcrm vocab open case_type" in values.output

    assert "Case types open" in _run("vocab", "open", "case_type").output
    assert "Case types (open, 6 values)" in _run("vocab", "list", "case_type").output

    _account(tmp_path)
    _run("vocab", "add", "segment", "Gold")
    renamed = _run("vocab", "rename", "segment", "Gold", "Premium")
    assert renamed.exit_code == 0, renamed.output
    assert "Renamed 'Gold' to 'Premium': 0 stored rows changed." in renamed.output
    assert "Premium" in _run("vocab", "list", "segment").output


def test_vocab_explains_fixed_fields_and_unknown_lists(use_database, db):
    status = _run("vocab", "add", "status", "vip")
    assert status.exit_code == 1
    assert "status is not the company's own list: status drives the customer counts and " \
           "churn; put the company's own tiers in segment." in " ".join(status.output.split())
    channel = _run("vocab", "close", "channel")
    assert channel.exit_code == 1
    assert "for channel say interaction_channel or sales_channel" in " ".join(
        channel.output.split())


def test_gcrm_load_maps_values_and_reports_the_new_ones(use_database, db, tmp_path):
    _account(tmp_path)
    path = tmp_path / "feedback.csv"
    path.write_text(FEEDBACK)
    mapped = _run("load", "cases", str(path), "--source", "desk", "--ref-source", "crm",
                  "--value", "case_type:feedback=review")
    assert mapped.exit_code == 0, mapped.output
    assert "New case_type values recorded: review" in mapped.output
    with db.connect() as conn:
        types = conn.execute(text("SELECT case_type FROM service_cases ORDER BY external_id")
                             ).scalars().all()
    assert types == ["review", "repair"]


def test_gcrm_load_with_a_closed_list_loads_the_rest_and_says_how_to_open_it(
        use_database, db, tmp_path):
    _account(tmp_path)
    assert _run("vocab", "close", "case_type").exit_code == 0
    path = tmp_path / "feedback.csv"
    path.write_text(FEEDBACK)
    result = _run("load", "cases", str(path), "--source", "desk", "--ref-source", "crm")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "line 2: case_type 'feedback' is not in the company's case types, a closed list" \
        in output
    assert "gcrm vocab open case_type" in output
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM service_cases")).scalar_one() == 1

    wrong = _run("load", "cases", str(path), "--value", "case_type=review")
    assert wrong.exit_code == 1
    assert "should look like FIELD:SOURCE=TARGET" in wrong.output
    onto = _run("load", "cases", str(path), "--source", "desk", "--ref-source", "crm",
                "--value", "case_type:feedback=reviews")
    assert onto.exit_code == 1
    assert "'reviews' is not in the company's case types" in " ".join(onto.output.split())
