"""Sales, cases, interactions, reps and sites: references checked, values validated."""

from sqlalchemy import text

from gcrm.ingest.load import load_file


def _accounts(db, tmp_path, source="crm"):
    path = tmp_path / "accounts.csv"
    path.write_text("id,name,lat,lon\nA1,Ann,40.4,-79.9\nA2,Bob,40.5,-79.8\n")
    load_file("accounts", path, source=source, engine=db)


def _scalar(db, sql):
    with db.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_sales_rows_are_checked_and_the_good_ones_load(db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,order_date,amount,qty,category,channel\n"
        "O1,A1,2026-01-05,$ 19.99,1,books,web\n"
        "O2,A2,2026-01-06,\"1,250.00\",2,garden,store\n"
        "O3,A1,2026-01-07,abc,1,books,web\n"
        "O4,ZZ,2026-01-07,5.00,1,books,web\n"
        "O5,A1,2026-13-45,5.00,1,books,web\n"
        "O6,A1,2026-01-08,-5,1,books,web\n"
        "O7,A1,2026-01-08,5,1.5,books,web\n"
    )
    result = load_file("sales", path, source="crm", engine=db)
    reasons = dict(zip(result.rejects["line"], result.rejects["reason"], strict=True))
    assert reasons == {
        4: "amount 'abc' is not a number",
        5: "account 'ZZ' not found among the accounts of source 'crm'; "
           "load the account first, or name its source with --ref-source",
        6: "order_date '2026-13-45' is not a date (use YYYY-MM-DD)",
        7: "amount -5 is negative",
        8: "quantity '1.5' is not a whole number",
    }
    assert result.summary.inserted == 2
    assert float(_scalar(db, "SELECT sum(amount) FROM sales")) == 1269.99


def test_sales_can_refer_to_accounts_of_another_source(db, tmp_path):
    _accounts(db, tmp_path, source="crm")
    path = tmp_path / "erp.csv"
    path.write_text("order_id,account,date,amount\nE1,A2,2026-02-01,10\n")
    result = load_file("sales", path, source="erp", ref_source="crm", engine=db)
    assert result.summary.inserted == 1
    assert _scalar(db, "SELECT a.name FROM sales s JOIN accounts a ON a.id = s.account_id") == "Bob"


def test_cases_reject_satisfaction_out_of_range_and_record_new_types(db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,account,opened,closed,type,status,csat\n"
        "T1,A1,2026-01-05 09:00,2026-01-06 10:30,complaint,resolved,4\n"
        "T2,A1,2026-01-05 09:00,,Returns,new,\n"
        "T3,A2,2026-01-05 09:00,,repair,open,7\n"
        "T4,A2,2026-01-05 09:00,,haircut,open,3\n"
    )
    result = load_file("cases", path, source="crm", engine=db)
    assert dict(zip(result.rejects["line"], result.rejects["reason"], strict=True)) == {
        4: "satisfaction 7 is outside 1..5",
    }
    with db.connect() as conn:
        rows = conn.execute(text(
            "SELECT external_id, case_type, status, satisfaction, "
            "extract(epoch FROM closed_at - opened_at) / 3600 AS hours "
            "FROM service_cases ORDER BY external_id")).all()
    assert [tuple(r[:4]) for r in rows] == [("T1", "complaint", "closed", 4),
                                            ("T2", "return", "open", None),
                                            ("T4", "haircut", "open", 3)]
    assert result.summary.new_values == {"case_type": ["haircut"]}
    assert float(rows[0].hours) == 25.5


def test_interactions_map_channel_words_and_record_new_channels(db, tmp_path):
    _accounts(db, tmp_path)
    path = tmp_path / "contacts.csv"
    path.write_text(
        "interaction_id,account,timestamp,channel,outcome,notes\n"
        "I1,A1,2026-03-01T10:00:00Z,Call,reached,asked about prices\n"
        "I2,A1,2026-03-02T10:00:00Z,e-mail,sent,\n"
        "I3,A2,2026-03-03T10:00:00Z,pigeon,lost,\n"
    )
    result = load_file("interactions", path, source="crm", engine=db)
    assert result.rejects.empty
    with db.connect() as conn:
        channels = conn.execute(text(
            "SELECT channel FROM interactions ORDER BY external_id")).scalars().all()
    assert channels == ["phone", "email", "pigeon"]
    assert result.summary.new_values == {"interaction_channel": ["pigeon"]}


def test_reps_then_accounts_owned_by_them(db, tmp_path):
    reps = tmp_path / "reps.csv"
    reps.write_text("rep_id,name,lat,lon,capacity\nR1,Rita,40.44,-79.99,120\n")
    load_file("reps", reps, source="crm", engine=db)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name,owner\nA1,Ann,R1\nA2,Bob,R9\n")
    result = load_file("accounts", accounts, source="crm", engine=db, geocode=False)
    assert result.rejects["reason"].tolist() == [
        "owner 'R9' not found among the reps of source 'crm'; "
        "load the rep first, or name its source with --ref-source"]
    owner = "SELECT r.name FROM accounts a JOIN reps r ON r.id = a.owner_rep_id"
    assert _scalar(db, owner) == "Rita"


def test_load_runs_and_rejects_are_recorded(db, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("id,name,lat,lon\nA1,Ann,40.4,-79.9\nA2,Bob,95,-79.8\n")
    result = load_file("accounts", path, source="crm", engine=db)
    with db.connect() as conn:
        run = conn.execute(text("SELECT * FROM load_runs")).mappings().one()
        reject = conn.execute(text("SELECT * FROM load_rejects")).mappings().one()
    assert (run["entity"], run["file_name"], run["inserted"], run["rejected"]) == (
        "accounts", "accounts.csv", 1, 1)
    assert reject["run_id"] == result.summary.run_id
    assert reject["reason"] == "latitude 95 is outside -90..90"
    assert reject["row"]["name"] == "Bob"
    table = result.summary.as_frame().set_index("what")["count"]
    assert table[["read", "inserted", "updated", "unchanged", "rejected"]].tolist() == [
        2, 1, 0, 0, 1]
