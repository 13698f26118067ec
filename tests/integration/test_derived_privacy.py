"""What is derived from a person must not locate or name them for roles that may not read
personal data (issue 19, part B), read through users' own SQL logins:

- a customer-derived trade area's stored radius is whole kilometres, not the distance of
  the farthest customer taken (which put that customer on a ring around the store);
- an erased account's source id (an email, a phone number) is replaced by a keyed hash,
  and reloading the source file neither brings the person back nor duplicates them;
- the name and street masks hide numbers written as words like digits.
"""

import math

import pytest
from sqlalchemy import create_engine, text

from gcrm import privacy, tradeareas
from gcrm.access import users
from gcrm.ingest.load import load_file

STORE = (-79.0, 40.6)  # in county S1 of tests/crm_world.py


@pytest.fixture
def login(people):
    """Factory: an engine on a user's own SQL login (as `gcrm users sql-login` gives)."""
    engines = []

    def make(username: str):
        password = users.sql_login(username, engine=people)
        role = users.get_user(username, engine=people).pg_role
        engine = create_engine(people.url.set(username=role, password=password))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def store_with_customers(people):
    """A store and 23 customers around it (1 to 12 km away), each with a sale there."""
    with people.begin() as conn:
        conn.execute(text("INSERT INTO sites (source, external_id, name, geom) VALUES "
                          "('crm', 'ST1', 'Store', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                     {"x": STORE[0], "y": STORE[1]})
        conn.execute(text("""
            INSERT INTO accounts (source, external_id, name, status, geom)
            SELECT 'crm', 'C' || i, 'Customer ' || i, 'customer',
                   ST_Project(ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography,
                              1000 + 487.3 * i, radians(i * 137.5))::geometry
            FROM generate_series(1, 23) i"""), {"x": STORE[0], "y": STORE[1]})
        conn.execute(text("""
            INSERT INTO sales (source, external_id, account_id, site_id, order_date, amount)
            SELECT 'crm', 'SC' || a.id, a.id, s.id, DATE '2026-03-01', 10
            FROM accounts a, sites s WHERE a.external_id LIKE 'C%'"""))
    return people


# --- item 2: customer-derived trade areas -------------------------------------------------
def test_a_customer_derived_radius_does_not_put_a_customer_on_a_ring(store_with_customers,
                                                                     as_user, login):
    db = store_with_customers
    tradeareas.build("drawn", "customers", shares=(0.6, 0.8), engine=as_user("mia"))
    with db.connect() as conn:  # every customer's geodesic distance from the store, sorted
        distances = conn.execute(text("""
            SELECT ST_Distance(a.geom::geography, s.geom::geography)
            FROM sales x JOIN accounts a ON a.id = x.account_id JOIN sites s ON s.id = x.site_id
            ORDER BY 1""")).scalars().all()
    for username in ("ana", "pat"):  # analyst, planner: no personal data
        with login(username).connect() as conn:
            areas = conn.execute(text("""
                SELECT t.band, t.params,
                       bool_and(abs(ST_X(p.geom) * 100 - round(ST_X(p.geom) * 100)) < 1e-6
                                AND abs(ST_Y(p.geom) * 100 - round(ST_Y(p.geom) * 100)) < 1e-6)
                         AS on_grid
                FROM trade_areas t, ST_DumpPoints(t.geom) p
                GROUP BY t.id ORDER BY t.band""")).all()
        assert [a.band for a in areas] == ["60%", "80%"]
        for band, params, on_grid in areas:
            share = int(band[:-1]) / 100
            farthest = distances[math.ceil(share * len(distances)) - 1]  # the last one taken
            radius_m = params["radius_km"] * 1000
            assert abs(radius_m - farthest) > 1, f"{band}: the radius is a customer's distance"
            assert params["radius_km"] == int(params["radius_km"])  # whole kilometres
            assert farthest <= radius_m < farthest + 1000  # ... rounded up: still true
            assert on_grid  # the outline's corners are on the masked ~1 km grid


# --- item 3: a source id that is an email or a phone number -------------------------------
SHOP_ACCOUNTS = """id,name,status,email,street,city,lat,lon
erin.west@mail.example,Erin West,customer,erin.west@mail.example,9 Ash Road,Southville,40.5,-79.2
+1 555 010 2002,Felix Hart,customer,,11 Yew Road,Southville,40.6,-79.3
"""
SHOP_SALES = """id,account,order_date,amount
W1,erin.west@mail.example,2026-03-01,30.00
W2,+1 555 010 2002,2026-03-02,40.00
"""
SHOP_TRACES = ("erin.west", "555 010 2002", "erin west", "felix")
ID_QUERY = "SELECT string_agg(external_id, ',' ORDER BY external_id) FROM {}"


def _shop_traces(engine) -> list[tuple[str, str, str]]:
    """Every text column of every table holding a trace of Erin or Felix."""
    found = []
    with engine.connect() as conn:
        columns = conn.execute(text("""
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('text', 'jsonb', 'json', 'character varying')""")).all()
        for table, column in columns:
            for needle in SHOP_TRACES:
                if conn.execute(text(f'SELECT count(*) FROM "{table}" WHERE strpos(lower('
                                     f'CAST("{column}" AS text)), :n) > 0'),
                                {"n": needle}).scalar_one():
                    found.append((table, column, needle))
    return found


def _load_shop(db, folder):
    accounts, sales = folder / "shop_accounts.csv", folder / "shop_sales.csv"
    accounts.write_text(SHOP_ACCOUNTS)
    sales.write_text(SHOP_SALES)
    return (load_file("accounts", accounts, source="shop", engine=db).summary,
            load_file("sales", sales, source="shop", ref_source="shop", engine=db).summary)


def test_an_erased_email_or_phone_id_is_gone_and_a_reload_keeps_it_gone(people, login,
                                                                       tmp_path):
    db = people
    _load_shop(db, tmp_path)
    bad = tmp_path / "bad.csv"  # a refused row that quotes Erin's id
    bad.write_text("id,name,lat,lon\nerin.west@mail.example,Erin West,north,-79.2\n")
    assert load_file("accounts", bad, source="shop", engine=db).summary.rejected == 1
    for external_id in ("erin.west@mail.example", "+1 555 010 2002"):
        privacy.erase(source="shop", external_id=external_id, engine=db)
    assert _shop_traces(db) == []  # accounts, load_rejects, audit_log: nowhere
    with db.connect() as conn:
        before = conn.execute(text("SELECT count(*), sum(amount) FROM accounts a "
                                   "JOIN sales s ON s.account_id = a.id")).one()

    # Every role reads the ids of every account in scope: none is Erin's or Felix's.
    for username in ("ana", "pat", "mia", "ada", "sam"):
        with login(username).connect() as conn:
            for relation in ("accounts", "account_profiles"):
                ids = conn.execute(text(ID_QUERY.format(relation))).scalar_one()
                assert "erin" not in ids and "555" not in ids, (username, relation, ids)
                assert ids.count(",erased-") + ids.startswith("erased-") == 2

    # The same files again: nobody comes back, nobody is duplicated, the sales still
    # belong to the erased accounts (not refused, not doubled).
    accounts, sales = _load_shop(db, tmp_path)
    assert (accounts.inserted, accounts.updated, accounts.rejected) == (0, 0, 0)
    assert (sales.inserted, sales.updated, sales.rejected) == (0, 0, 0)
    assert _shop_traces(db) == []
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*), sum(amount) FROM accounts a "
                                 "JOIN sales s ON s.account_id = a.id")).one() == before
        assert conn.execute(text("SELECT count(*) FROM accounts WHERE source = 'shop' "
                                 "AND name = '[erased]'")).scalar_one() == 2
    # Erasing by the original id again finds the same (already erased) account.
    assert privacy.erase(source="shop", external_id="erin.west@mail.example",
                         engine=db).already


# --- item 7: numbers written as words ----------------------------------------------------
MASKED_STREETS = {
    "One Hundred Main Street": "*** Main Street",
    "One-Hundred Twenty Two Elm Road": "*** Elm Road",
    "Two Thousand and Five Oak Lane": "*** Oak Lane",
    "Forty-Second Street": "*** Street",
    "Fifth Avenue, Apartment Twelve": "*** Avenue, Apartment ***",
    "THIRTY 3rd Avenue": "*** *** Avenue",
    "12B Main St Apt 4": "*** Main St Apt ***",
    "Tenby Road by Someone Oneida": "Tenby Road by Someone Oneida",  # words, not numbers
}
SPELLED = {"one", "two", "five", "twelve", "twenty", "thirty", "hundred", "thousand",
           "second", "fifth"}


def test_numbers_written_as_words_are_masked_like_digits(people, login):
    analyst = login("ana")  # reads masked personal columns
    for street, masked in MASKED_STREETS.items():
        with people.begin() as conn:
            conn.execute(text("UPDATE accounts SET street = :s, name = :s "
                              "WHERE external_id = 'A1'"), {"s": street})
        with analyst.connect() as conn:
            row = conn.execute(text("SELECT street, name FROM account_profiles "
                                    "WHERE external_id = 'A1'")).one()
        assert row.street == masked
        # A name keeps the first letter of its words, none of a number's.
        assert not SPELLED & {w.strip(",").lower() for w in row.name.split()}, row.name
        assert all(w == "***" or (len(w) == 4 and w.endswith("***"))
                   for w in row.name.replace(",", "").split()), row.name
    with analyst.connect() as conn:
        assert conn.execute(text("SELECT gcrm_mask_name('One Hundred Main Street')")
                            ).scalar_one() == "*** M*** S***"
