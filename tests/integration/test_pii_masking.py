"""Personal columns: readable by admin, manager and marketer; masked for everyone else,
in query results and in the views the dashboards and exports read."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

PROFILE = """
SELECT name, email, phone, street, unit, ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM account_profiles WHERE external_id = 'A1'
"""


def _profile(engine):
    with engine.connect() as conn:
        return dict(conn.execute(text(PROFILE)).mappings().one())


@pytest.mark.parametrize("username", ["ada", "mia", "nora"])
def test_roles_with_personal_data_access_read_it(as_user, username):
    row = _profile(as_user(username))
    assert row["name"] == "Annabel Northcott"
    assert row["email"] == "annabel.northcott@mail.example"
    assert row["street"] == "12 Elm Street"
    assert (row["lon"], row["lat"]) == (-79.5, 41.5)


@pytest.mark.parametrize("username", ["ana", "pat"])
def test_analysts_and_planners_see_masked_values(as_user, username):
    row = _profile(as_user(username))
    assert row["name"] == "A*** N***"
    assert row["email"] == "a***@mail.example"
    assert row["phone"] == "***01"
    assert row["street"] == "*** Elm Street"
    # The point is generalised to a 0.01 degree grid, not hidden: maps still work.
    assert abs(row["lon"] - -79.5) < 0.01 and abs(row["lat"] - 41.5) < 0.01


@pytest.mark.parametrize(("table", "column"), [
    ("accounts", "name"), ("accounts", "email"), ("accounts", "phone"), ("accounts", "street"),
    ("accounts", "district"), ("accounts", "geom"), ("reps", "email"), ("reps", "home_geom"),
    ("campaign_members", "response"), ("interactions", "notes"),
])
def test_the_raw_personal_columns_are_refused_to_them(as_user, table, column):
    with as_user("ana").connect() as conn, pytest.raises(ProgrammingError,
                                                         match="permission denied"):
        conn.execute(text(f"SELECT {column} FROM {table}"))


def test_interaction_notes_are_hidden_without_personal_data_access(as_user):
    query = "SELECT notes FROM interaction_history WHERE external_id = 'I1'"
    with as_user("pat").connect() as conn:
        assert conn.execute(text(query)).scalar_one() is None
    with as_user("ada").connect() as conn:
        assert "Annabel" in conn.execute(text(query)).scalar_one()
    with as_user("pat").connect() as conn, pytest.raises(ProgrammingError):
        conn.execute(text("SELECT notes FROM interactions"))


def test_masks_cover_every_script_and_every_number_in_a_street(people):
    with people.connect() as conn:
        row = conn.execute(text(
            "SELECT gcrm_mask_name('Zoë Ångström-Berg'), gcrm_mask_name('Łukasz Żółć'), "
            "gcrm_mask_street('12B Main St Apt 4'), gcrm_mask_street('Rue 7, bâtiment 3')"
        )).one()
    assert tuple(row) == ("Z*** Å***", "Ł*** Ż***", "*** Main St Apt ***",
                          "Rue *** bâtiment ***")


def test_fine_grid_cells_of_accounts_are_hidden_without_personal_data_access(people,
                                                                            as_user):
    """A resolution-9 cell is ~0.1 km2, finer than the ~1 km grid masked points snap to."""
    from gcrm import regions
    from gcrm.regions.grid import build_grid

    build_grid([7, 9], engine=people)
    regions.assign(engine=people)
    query = ("SELECT level, count(*) FROM region_assignments WHERE entity = 'account' "
             "AND level LIKE 'h3%' GROUP BY level ORDER BY level")
    with as_user("mia").connect() as conn:  # marketer: personal data
        assert [tuple(r) for r in conn.execute(text(query))] == [("h3_7", 4), ("h3_9", 4)]
    with as_user("ana").connect() as conn:  # analyst: no personal data
        assert [tuple(r) for r in conn.execute(text(query))] == [("h3_7", 4)]
        # Nor the cells' outlines: a fine cell exists only where somebody is.
        for table in ("regions", "region_parts"):
            levels = conn.execute(text(f"SELECT DISTINCT level FROM {table} "
                                       "WHERE level LIKE 'h3%' ORDER BY 1")).scalars().all()
            assert levels == ["h3_7"]
    with as_user("mia").connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM regions WHERE level = 'h3_9'")
                            ).scalar() > 0
    # And the cube stops at resolution 7, for everyone.
    from gcrm import cube
    from gcrm.errors import InvalidInput

    with pytest.raises(InvalidInput, match="stops at H3 resolution 7"):
        cube.query(["revenue"], level="h3_9", engine=people)


@pytest.mark.parametrize("username", ["ana", "pat"])
def test_the_indexed_masked_point_is_the_profiles_point_and_follows_every_move(
        people, as_user, username):
    """``accounts.geom_masked`` (migration 0027) is what the masked roles find a map view's
    accounts by: the snapped point account_profiles shows them, kept by PostgreSQL."""
    same = ("SELECT count(*), count(*) FILTER (WHERE ST_Equals(a.geom_masked, p.geom)) "
            "FROM accounts a JOIN account_profiles p ON p.id = a.id "
            "WHERE a.geom_masked IS NOT NULL")
    with as_user(username).connect() as conn:
        total, equal = conn.execute(text(same)).one()
    assert total > 0 and equal == total
    with people.begin() as conn:  # the operator moves an account
        conn.execute(text("UPDATE accounts SET geom = ST_SetSRID(ST_MakePoint(-79.123456, "
                          "41.987654), 4326) WHERE external_id = 'A1'"))
    with as_user(username).connect() as conn:
        point = conn.execute(text("SELECT ST_X(geom_masked), ST_Y(geom_masked) FROM accounts "
                                  "WHERE external_id = 'A1'")).one()
        profile = conn.execute(text(PROFILE)).mappings().one()
    assert point == pytest.approx((-79.12, 41.99))
    assert (profile["lon"], profile["lat"]) == pytest.approx(point)
