"""The Customers & prospects map's data on the small CRM world (tests/crm_world.py: A1 and
A2 in the North state, A3 and A4 in the South): what each role gets for a view, zoomed out
and in, with and without an H3 grid, filtered, searched, and one account's history."""

import pytest
from sqlalchemy import text

from gcrm import accounts, cube, regions
from gcrm.errors import InvalidInput
from gcrm.regions.grid import build_grid

WORLD = (-80.5, 39.5, -77.5, 42.5)  # both states, with a margin
ALL = {"A1", "A2", "A3", "A4"}
NAMES = {"A1": "Annabel Northcott", "A2": "Bertram Eastwood", "A3": "Cordelia Southby",
         "A4": "Desmond Lowry"}


def _ids(people) -> dict[int, str]:
    with people.connect() as conn:
        return dict(conn.execute(text("SELECT id, external_id FROM accounts")).all())


def _external(result, people) -> set[str]:
    ids = _ids(people)
    return {ids[i] for i in result.frame["id"]}


@pytest.mark.parametrize("username, expected", [
    ("ada", ALL), ("mia", ALL), ("pat", ALL), ("ana", ALL),
    ("nora", {"A1", "A2"}), ("sam", {"A3", "A4"})])
def test_zoomed_in_each_role_gets_the_accounts_it_may_see(as_user, people, username,
                                                          expected):
    result = accounts.in_view(WORLD, 14, engine=as_user(username))
    assert result.kind == "accounts"
    assert _external(result, people) == expected
    assert result.total == len(expected)


def test_personal_data_roles_see_names_and_points_others_masked_and_snapped(as_user, people):
    exact = accounts.in_view(WORLD, 14, engine=as_user("ada")).frame.set_index("name")
    masked = accounts.in_view(WORLD, 14, engine=as_user("pat")).frame.set_index("id")
    assert set(exact.index) == set(NAMES.values())
    assert exact.loc["Desmond Lowry", ["lat", "lon"]].tolist() == [40.4237, -78.6161]
    assert not set(masked["name"]) & set(NAMES.values())
    a4 = {v: k for k, v in _ids(people).items()}["A4"]
    assert masked.loc[a4, "name"] == "D*** L***"
    assert masked.loc[a4, ["lat", "lon"]].tolist() == pytest.approx([40.42, -78.62])


def test_zoomed_out_gives_counts_that_add_up_never_a_person(as_user):
    for username, total in (("ada", 4), ("pat", 4), ("nora", 2)):
        result = accounts.in_view(WORLD, 6, engine=as_user(username))
        assert result.kind == "clusters"
        assert result.total == total
        assert result.frame["count"].sum() == total
        assert "name" not in result.frame and "id" not in result.frame


def test_more_accounts_than_the_limit_become_counts_at_most_limit_cells(as_user):
    result = accounts.in_view(WORLD, 14, limit=3, engine=as_user("ada"))
    assert result.kind == "clusters"
    assert result.total == 4
    one = accounts.in_view(WORLD, 14, limit=1, engine=as_user("ada"))
    assert len(one.frame) == 1 and one.kind == "clusters"


def test_filters_narrow_the_view(as_user, people):
    ada = as_user("ada")
    assert _external(accounts.in_view(WORLD, 14, filters={"status": "churned"}, engine=ada),
                     people) == {"A4"}
    assert _external(accounts.in_view(WORLD, 14, filters={"segment": "retail"}, engine=ada),
                     people) == {"A1", "A3", "A4"}
    assert _external(accounts.in_view(WORLD, 14, filters={"region": "county:N2"}, engine=ada),
                     people) == {"A2"}
    # A manager's own scope still holds under a filter for somewhere else.
    assert accounts.in_view(WORLD, 14, filters={"region": "S1"},
                            engine=as_user("nora")).total == 0


@pytest.mark.parametrize("filters, message", [
    ({"segment": "gold"}, "No segment 'gold'; choose from business, retail."),
    ({"status": "vip"}, "No status 'vip'; choose from customer, prospect, churned."),
    ({"region": "county:ZZ"}, "No region 'county:ZZ'; choose from state:N, state:S, "
                              "county:N1, county:N2, county:S1."),
    ({"colour": "red"}, "Cannot filter accounts by colour; choose from status, segment, "
                        "owner, region."),
])
def test_an_unknown_filter_value_is_refused_with_the_values_that_exist(as_user, filters,
                                                                       message):
    with pytest.raises(InvalidInput) as refused:
        accounts.in_view(WORLD, 6, filters=filters, engine=as_user("ada"))
    assert str(refused.value) == message


def test_a_bad_view_is_refused_in_words():
    with pytest.raises(InvalidInput, match="west < east"):
        accounts.in_view((-78, 40, -80, 42), 8)
    with pytest.raises(InvalidInput, match="four numbers"):
        accounts.in_view((float("nan"), 40, -78, 42), 8)


def test_search_finds_by_name_part_or_id_anywhere_and_is_never_sql(as_user, people):
    ada = as_user("ada")
    far_away = (10.0, 10.0, 11.0, 11.0)
    assert _external(accounts.in_view(far_away, 14, search="south", engine=ada),
                     people) == {"A3"}
    assert _external(accounts.in_view(far_away, 14, search="A2", engine=ada),
                     people) == {"A2"}
    for hostile in ("'; DROP TABLE accounts; --", "%", "_", "\\"):
        assert accounts.in_view(far_away, 14, search=hostile, engine=ada).total == 0
    with people.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 4
    # Roles without personal data find by id only (a name search would reveal names).
    assert accounts.in_view(far_away, 14, search="south", engine=as_user("pat")).total == 0
    assert _external(accounts.in_view(far_away, 14, search="A3", engine=as_user("pat")),
                     people) == {"A3"}
    # A manager finds nobody outside their regions.
    assert accounts.in_view(far_away, 14, search="south", engine=as_user("nora")).total == 0


def test_with_an_h3_grid_counts_per_cell_match_the_points_from_the_cube_or_live(
        people, as_user):
    build_grid([5, 7], engine=people)
    regions.assign(engine=people)
    cube.build(engine=people)
    with people.connect() as conn:
        truth = conn.execute(text(
            "SELECT ST_Y(ST_Centroid(r.geom)), count(*) FROM region_assignments ra "
            "JOIN regions r ON r.id = ra.region_id WHERE ra.entity = 'account' "
            "AND ra.level = 'h3_5' GROUP BY r.geom ORDER BY 1")).all()
    assert sum(n for _, n in truth) == 4

    def cells(username, **filters):
        result = accounts.in_view(WORLD, 7, filters=filters, engine=as_user(username))
        assert result.kind == "clusters" and result.level == "h3_5"
        assert result.frame["count"].sum() == result.total
        return sorted(zip(result.frame["lat"].round(9), result.frame["count"], strict=True))

    expected = [(round(lat, 9), n) for lat, n in truth]
    from_cube = {"ada": cells("ada"), "pat": cells("pat"),
                 "retail": cells("ada", segment="retail")}
    assert from_cube["ada"] == from_cube["pat"] == expected
    assert sum(n for _, n in from_cube["retail"]) == 3
    two_filters = cells("ada", status="customer", segment="retail")  # counted live
    assert sum(n for _, n in two_filters) == 2  # A1, A3
    with people.begin() as conn:
        conn.execute(text("DELETE FROM cube_accounts"))  # no cube: everything counted live
    assert cells("ada") == cells("pat") == expected
    assert cells("ada", segment="retail") == from_cube["retail"]
    # Zoomed in, a role without personal data reaches its accounts through the cells.
    zoomed = accounts.in_view(WORLD, 14, engine=as_user("pat"))
    assert zoomed.kind == "accounts" and zoomed.total == 4


def test_an_accounts_history_holds_its_sales_orders_cases_and_contacts(as_user, people):
    a1 = {v: k for k, v in _ids(people).items()}["A1"]
    story = accounts.history(a1, engine=as_user("ada"))
    assert story.profile["name"] == "Annabel Northcott"
    assert story.sales_by_month[["month", "revenue", "orders"]].astype(str).values.tolist() \
        == [["2026-01-01", "100.0", "1"], ["2026-02-01", "50.0", "1"]]
    assert story.orders["amount"].tolist() == [50.0, 100.0]  # newest first
    assert story.orders["channel"].tolist() == ["web", "store"]
    case = story.cases.iloc[0]
    assert (case["case_type"], case["status"], case["satisfaction"],
            case["hours_to_close"]) == ("complaint", "closed", 2, 24.0)
    assert story.interactions["notes"].tolist() == [
        "Annabel Northcott asked about hedge trimmers"]


def test_history_is_masked_or_refused_as_the_database_decides(as_user, people):
    a1 = {v: k for k, v in _ids(people).items()}["A1"]
    masked = accounts.history(a1, engine=as_user("pat"))
    assert masked.profile["name"] == "A*** N***"
    assert masked.profile["email"] == "a***@mail.example"
    assert masked.interactions["notes"].isna().all()
    assert masked.sales_by_month["revenue"].sum() == 150.0  # the figures stay
    with pytest.raises(InvalidInput, match=f"No account #{a1} that you may see"):
        accounts.history(a1, engine=as_user("sam"))


@pytest.mark.parametrize("username, indexed", [
    ("ada", True), ("mia", True), ("nora", False)])
def test_roles_that_see_every_account_reach_the_spatial_index(as_user, username, indexed):
    """Under row-level security PostGIS's && (not leakproof) may use the GiST index only
    when no region condition stands before it: true for roles that see every account."""
    with as_user(username).connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # the index, whenever it is allowed
        plan = "\n".join(conn.execute(text(
            "EXPLAIN SELECT id FROM accounts "
            "WHERE geom && ST_MakeEnvelope(-80, 41, -79, 42, 4326)")).scalars())
    assert ("idx_accounts_geom" in plan) is indexed, plan


def test_every_cell_counts_customers_prospects_and_churned_from_the_cube_or_live(
        people, as_user):
    """A4 is churned: a cell's three statuses add up to its count, whichever way counted."""
    squares = accounts.in_view(WORLD, 6, engine=as_user("ada")).frame  # no H3 grid yet
    assert squares["churned"].sum() == 1 and squares["count"].sum() == 4
    for live in (False, True):
        if not live:
            build_grid([5, 7], engine=people)
            regions.assign(engine=people)
            cube.build(engine=people)
        else:
            with people.begin() as conn:
                conn.execute(text("DELETE FROM cube_accounts"))
        frame = accounts.in_view(WORLD, 7, engine=as_user("ada")).frame
        assert (frame["customers"] + frame["prospects"] + frame["churned"]
                == frame["count"]).all()
        assert (frame["churned"].sum(), frame["customers"].sum()) == (1, 3)


def test_a_manager_starts_on_their_regions_and_is_offered_only_what_they_may_see(
        as_user, people):
    with people.begin() as conn:
        conn.execute(text("INSERT INTO reps (external_id, name) VALUES ('R1', 'Rhea North'), "
                          "('R2', 'Sol South')"))
        conn.execute(text("UPDATE accounts a SET owner_rep_id = (SELECT r.id FROM reps r "
                          "WHERE r.external_id = CASE WHEN a.external_id IN ('A1', 'A2') "
                          "THEN 'R1' ELSE 'R2' END)"))
    assert accounts.extent(engine=as_user("ada")) == (-80.0, 40.0, -78.0, 42.0)
    assert accounts.extent(engine=as_user("sam")) == (-80.0, 40.0, -78.0, 41.0)  # S1
    assert accounts.extent(engine=as_user("nora")) == (-80.0, 41.0, -78.0, 42.0)  # N
    sam, nora = (accounts.known_values(engine=as_user(u)) for u in ("sam", "nora"))
    assert (sam["region"], sam["owner"]) == (["county:S1"], ["Sol South"])
    assert nora["region"] == ["state:N", "county:N1", "county:N2"]
    assert nora["region_name"] == ["North", "North-West", "North-East"]
    assert nora["owner"] == ["Rhea North"]
    assert accounts.known_values(engine=as_user("pat"))["owner"] == ["Rhea North",
                                                                    "Sol South"]
