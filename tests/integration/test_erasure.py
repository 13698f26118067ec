"""`gcrm privacy erase`: no trace of the person anywhere; every total unchanged."""

import pandas as pd
import pytest
from sqlalchemy import text

from gcrm import audit, privacy
from gcrm.errors import GcrmError
from gcrm.geocoding.batch import geocode_records
from gcrm.ingest.load import load_file

# Desmond Lowry (A4, county S1): every way he appears in the world.
TRACES = ["desmond", "lowry", "555 010 1004", "5550101004", "birch"]

TEXT_COLUMNS = """
SELECT c.table_name, c.column_name FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
  AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json')
"""
TOTALS = """
SELECT (SELECT sum(amount) FROM sales) AS revenue, (SELECT count(*) FROM sales) AS sales,
       (SELECT count(*) FROM service_cases) AS cases,
       (SELECT count(*) FROM interactions) AS interactions,
       (SELECT count(*) FROM accounts WHERE status = 'churned') AS churned,
       (SELECT string_agg(r.code || ':' || n, ',' ORDER BY r.code) FROM (
            SELECT region_id, count(*) AS n FROM region_assignments GROUP BY region_id) x
        JOIN regions r ON r.id = x.region_id) AS by_region
"""


def _traces(engine) -> list[tuple[str, str, str]]:
    found = []
    with engine.connect() as conn:
        for table, column in conn.execute(text(TEXT_COLUMNS)).all():
            for needle in TRACES:
                hit = conn.execute(text(
                    f'SELECT count(*) FROM "{table}" '
                    f'WHERE strpos(lower(CAST("{column}" AS text)), :n) > 0'),
                    {"n": needle}).scalar_one()
                if hit:
                    found.append((table, column, needle))
    return found


@pytest.fixture
def desmond_everywhere(world, tmp_path):
    """Put Desmond in the geocode cache, a rejected load row and a campaign response too."""
    with world.begin() as conn:
        geocode_records(conn, pd.DataFrame({"street": ["78 Birch Lane"], "city": ["Southville"],
                                            "region": ["SS"], "postcode": ["22222"]}))
        conn.execute(text("INSERT INTO campaigns (name, channel) VALUES ('Spring', 'email')"))
        conn.execute(text(
            "INSERT INTO campaign_members (campaign_id, account_id, response) "
            "SELECT c.id, a.id, 'Desmond Lowry wrote back: stop mailing me' "
            "FROM campaigns c, accounts a WHERE a.external_id = 'A4'"))
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,email,lat,lon\n"
                   "A4,Desmond Lowry,desmond.lowry@mail.example,north,-78.6161\n")
    assert load_file("accounts", bad, source="crm", engine=world).summary.rejected == 1
    assert {t[0] for t in _traces(world)} >= {"accounts", "interactions", "geocode_cache",
                                              "load_rejects", "campaign_members"}
    return world


def test_no_trace_remains_and_every_total_is_unchanged(desmond_everywhere):
    db = desmond_everywhere
    with db.connect() as conn:
        before = dict(conn.execute(text(TOTALS)).mappings().one())
    result = privacy.erase(source="crm", external_id="A4", engine=db)
    assert result.changed["accounts"] == 1 and result.changed["geocode_cache"] == 1
    assert result.changed["load_rejects"] == 1 and result.changed["interactions"] == 1
    assert _traces(db) == []
    with db.connect() as conn:
        assert dict(conn.execute(text(TOTALS)).mappings().one()) == before
        row = conn.execute(text(
            "SELECT name, erased_at IS NOT NULL AS erased, consent_email, ST_X(geom) AS lon, "
            "ST_Y(geom) AS lat, external_id FROM accounts WHERE id = :id"),
            {"id": result.account_id}).mappings().one()
    assert row["name"] == "[erased]" and row["erased"] and not row["consent_email"]
    # The source id is a keyed hash now: it names nobody (an email id would have).
    assert row["external_id"].startswith("erased-") and "A4" not in row["external_id"]
    # The point is generalised to the 0.01 degree grid (it was at -78.6161, 40.4237).
    assert (row["lon"], row["lat"]) == (pytest.approx(-78.62), pytest.approx(40.42))
    entry = audit.recent("privacy.erase", engine=db).iloc[0]
    assert entry["target"] == f"account:{result.account_id}"
    assert entry["details"]["changed"]["accounts"] == 1


def test_loading_the_source_again_does_not_bring_the_person_back(world, tmp_path):
    import crm_world

    erased = privacy.erase(source="crm", external_id="A4", engine=world).account_id
    again = tmp_path / "again.csv"
    again.write_text(crm_world.ACCOUNTS)
    load_file("accounts", again, source="crm", engine=world)
    # The interactions again, plus a new one about him: the notes stay out, the rows count.
    notes = tmp_path / "interactions.csv"
    notes.write_text(crm_world.INTERACTIONS
                     + "I4,A4,2026-03-05T10:00,phone,lost,Desmond Lowry called from Birch Lane\n")
    result = load_file("interactions", notes, source="crm", engine=world)
    assert result.summary.rejected == 0
    with world.connect() as conn:
        name = conn.execute(text("SELECT name FROM accounts WHERE id = :id"),
                            {"id": erased}).scalar()
        kept = conn.execute(text("SELECT count(*) FROM interactions WHERE account_id = :id"),
                            {"id": erased}).scalar()
        # Reloaded, the person is neither back nor a second account.
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar() == 4
        others = conn.execute(text("SELECT notes FROM interactions "
                                   "WHERE external_id = 'I1'")).scalar()
    assert name == "[erased]" and kept == 2
    assert _traces(world) == []
    assert others.startswith("Annabel")  # everybody else's notes load as before


def test_a_rejected_row_about_an_erased_person_is_not_kept(world, tmp_path):
    privacy.erase(source="crm", external_id="A4", engine=world)
    bad = tmp_path / "reload.csv"
    bad.write_text("id,name,email,phone,street,customer_since\n"
                   "A4,Desmond Lowry,desmond.lowry@mail.example,+1 555 010 1004,"
                   "78 Birch Lane,not-a-date\n")
    result = load_file("accounts", bad, source="crm", rejects_path=tmp_path / "rejects.csv",
                       engine=world)
    assert result.summary.rejected == 1
    assert "erased person" in result.rejects["reason"].iloc[0]
    assert _traces(world) == []
    assert "desmond" not in (tmp_path / "rejects.csv").read_text().lower()


def test_erasure_drops_fine_grid_cells_and_a_full_reassignment_keeps_the_rest(world):
    from gcrm import regions
    from gcrm.regions.grid import build_grid

    build_grid([7, 9], engine=world)
    regions.assign(engine=world)
    with world.connect() as conn:
        a4 = conn.execute(text("SELECT id FROM accounts WHERE external_id = 'A4'")).scalar()
    query = text("SELECT level, region_id FROM region_assignments "
                 "WHERE entity = 'account' AND entity_id = :id ORDER BY 1").bindparams(id=a4)
    with world.connect() as conn:
        before = [tuple(r) for r in conn.execute(query)]
    assert "h3_9" in {level for level, _ in before}
    privacy.erase(source="crm", external_id="A4", engine=world)
    with world.connect() as conn:
        after = [tuple(r) for r in conn.execute(query)]
    assert after == [r for r in before if r[0] != "h3_9"]
    regions.assign(incremental=False, engine=world, levels=["state", "county", "h3_7"])
    with world.connect() as conn:
        assert [tuple(r) for r in conn.execute(query)] == after
        # ... and everybody else's assignments at the other levels stay too.
        assert conn.execute(text("SELECT count(*) FROM region_assignments "
                                 "WHERE entity = 'account' AND level = 'h3_9'")).scalar() == 3


def test_erasing_twice_or_someone_unknown_changes_nothing(world):
    first = privacy.erase(source="crm", external_id="A4", engine=world)
    assert privacy.erase(first.account_id, engine=world).already
    with pytest.raises(GcrmError, match="No account"):
        privacy.erase(source="crm", external_id="nobody", engine=world)
    assert len(audit.recent("privacy.erase", engine=world)) == 1


def test_the_cli_asks_before_erasing(world, use_database):
    from typer.testing import CliRunner

    from gcrm.cli import app

    runner = CliRunner()
    no = runner.invoke(app, ["privacy", "erase", "--source", "crm", "--external-id", "A3"],
                       input="n\n")
    assert no.exit_code == 1
    yes = runner.invoke(app, ["privacy", "erase", "--source", "crm", "--external-id", "A3",
                              "--yes"])
    assert yes.exit_code == 0, yes.output
    assert "Erased account" in yes.output and "Cordelia" not in yes.output
    with world.connect() as conn:
        assert conn.execute(text("SELECT name FROM accounts "
                                 "WHERE email IS NULL AND street IS NULL")).scalar() == "[erased]"
