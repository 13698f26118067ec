"""The demo world: deterministic for a seed, loaded through the real pipeline, coherent."""

import hashlib

import pytest
from sqlalchemy import text

from gcrm.demo import build_demo, write_demo_files


def _digest(files) -> dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}


def test_the_same_seed_writes_the_same_files(tmp_path):
    first = write_demo_files(tmp_path / "a", seed=7, accounts=400, states=("DE",))
    second = write_demo_files(tmp_path / "b", seed=7, accounts=400, states=("DE",))
    other = write_demo_files(tmp_path / "c", seed=8, accounts=400, states=("DE",))
    assert _digest(first) == _digest(second)
    assert _digest(first)["accounts"] != _digest(other)["accounts"]


@pytest.fixture(scope="module")
def demo_db(engine, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = build_demo(out, seed=3, accounts=1500, states=("DE",), engine=engine)
    yield engine, result
    from empty_tables import empty_all_tables

    empty_all_tables(engine)


def _one(engine, sql):
    with engine.connect() as conn:
        return conn.execute(text(sql)).one()


def test_demo_loads_every_kind_of_data(demo_db):
    engine, result = demo_db
    assert result.loaded["accounts"] == 1500
    assert result.loaded["regions state"] == 1 and result.loaded["regions county"] == 3
    assert 10 <= result.loaded["reps"] <= 20 and 20 <= result.loaded["sites"] <= 60
    sales, first, last = _one(engine, "SELECT count(*), min(order_date), max(order_date) "
                                      "FROM sales")
    assert sales > 5 * 1500 * 0.5
    assert (last - first).days > 3 * 365 - 60  # three years of history


def test_demo_accounts_are_geocoded_offline_at_every_precision(demo_db):
    engine, _ = demo_db
    with engine.connect() as conn:
        mix = dict(conn.execute(text(
            "SELECT geocode_precision, count(*) FROM accounts GROUP BY 1")).all())
    assert set(mix) >= {"rooftop", "interpolated", "postcode", "provided"}
    assert mix["rooftop"] > 0.5 * 1500
    assert None not in mix and "none" not in mix


def test_demo_hierarchy_and_assignment_are_complete(demo_db):
    engine, _ = demo_db
    orphans, = _one(engine, "SELECT count(*) FROM regions r WHERE level IN ('county', 'zip') "
                            "AND parent_id IS NULL")
    assert orphans == 0
    unassigned, = _one(engine, "SELECT count(*) FROM accounts a WHERE NOT EXISTS ("
                               "SELECT 1 FROM region_assignments ra WHERE ra.entity = 'account' "
                               "AND ra.entity_id = a.id AND ra.level = 'zip' "
                               "AND ra.region_id IS NOT NULL)")
    assert unassigned == 0
    with_context, = _one(engine, "SELECT count(*) FROM regions WHERE level = 'zip' "
                                 "AND context ? 'foot_traffic_index'")
    zips, = _one(engine, "SELECT count(*) FROM regions WHERE level = 'zip'")
    assert with_context == zips


def test_churned_customers_complain_more_and_are_less_satisfied(demo_db):
    engine, _ = demo_db
    with engine.connect() as conn:
        rows = {r.status: r for r in conn.execute(text(
            "SELECT a.status, count(c.id)::float / count(DISTINCT a.id) AS cases_per_account, "
            "avg(c.satisfaction) AS satisfaction FROM accounts a "
            "LEFT JOIN service_cases c ON c.account_id = a.id "
            "WHERE a.status <> 'prospect' GROUP BY a.status"))}
    assert rows["churned"].cases_per_account > 2 * rows["customer"].cases_per_account
    assert rows["churned"].satisfaction < rows["customer"].satisfaction - 1


def test_demo_users_sign_in_and_managers_see_their_regions(demo_db, tmp_path):
    from sqlalchemy import create_engine

    from gcrm.access import users
    from gcrm.demo.users import ensure_demo_users

    engine, _ = demo_db
    password_file = tmp_path / "demo-password"
    created = ensure_demo_users(password_file, engine=engine)
    assert created == ["admin", "analyst", "marketer", "planner", "manager", "county_manager"]
    assert password_file.stat().st_mode & 0o777 == 0o600
    assert ensure_demo_users(password_file, engine=engine) == []  # idempotent
    password = password_file.read_text().strip()
    seen = {}
    for username in ("admin", "manager", "county_manager"):
        user = users.authenticate(username, password, engine=engine)
        scoped = create_engine(engine.url, connect_args={"options": f"-c role={user.pg_role}"})
        with scoped.connect() as conn:
            seen[username] = conn.execute(text("SELECT count(*) FROM accounts")).scalar_one()
        scoped.dispose()
    assert seen["admin"] == seen["manager"] == 1500  # Delaware is the demo's only state
    assert 0 < seen["county_manager"] < 1500


def test_demo_reports_the_time_of_each_step(demo_db):
    _, result = demo_db
    assert list(result.seconds)[0].startswith("Writing the demo world")
    assert any(step == "Loading accounts" for step in result.seconds)
    assert all(secs >= 0 for secs in result.seconds.values())
