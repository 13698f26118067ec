"""The company's own vocabulary: case types, channels, segments, product categories and sales
channels take the values a company uses; a closed list refuses new ones with a reason a
person can act on; what stays fixed says why."""

import os

import pytest
from sqlalchemy import create_engine, text

from gcrm import cube, vocab
from gcrm.db import migrate
from gcrm.errors import GcrmError, InvalidInput, PermissionDenied
from gcrm.ingest.columns import ColumnMappingError, parse_values
from gcrm.ingest.entities import entity
from gcrm.ingest.load import load_file

FEEDBACK = """case_id,account_id,opened_at,case_type,satisfaction
F1,A1,2026-03-10T09:00,review,5
F2,A2,2026-03-11T09:00,Review,4
F3,A3,2026-03-12T09:00,complaint,1
"""


def _cases(folder, body, name="feedback.csv"):
    path = folder / name
    path.write_text(body)
    return path


def _case_types(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT external_id, case_type FROM service_cases WHERE source = 'desk'")).all())


def test_a_feedback_file_of_reviews_loads_and_the_cube_has_a_review_member(world, tmp_path):
    result = load_file("cases", _cases(tmp_path, FEEDBACK), source="desk", ref_source="crm",
                       engine=world)
    assert result.rejects.empty
    assert _case_types(world) == {"F1": "review", "F2": "review", "F3": "complaint"}
    assert result.summary.new_values == {"case_type": ["review"]}

    cube.build(engine=world)
    split = cube.query(["service_cases", "complaints"], by=["case_type"], level="state",
                       period="2026-03", engine=world)
    by_member = split.groupby("case_type")[["service_cases", "complaints"]].sum()
    # Reviews: A1 and A2 in the North state; the crm world's own March cases: a request
    # (A3) and a complaint (A4), and the feedback file's complaint (A3).
    assert by_member.loc["review"].tolist() == [2, 0]
    assert by_member.loc["complaint"].tolist() == [2, 2]
    north = split[(split["code"] == "N") & (split["case_type"] == "review")]
    assert north["service_cases"].tolist() == [2]
    only = cube.query(["service_cases"], where={"case_type": "review"}, level="county",
                      period="2026-03", engine=world)
    assert dict(zip(only["code"], only["service_cases"], strict=True)) == {"N1": 1, "N2": 1}


def test_value_maps_the_files_word_onto_the_companys_value(world, tmp_path):
    body = FEEDBACK.replace("review", "feedback").replace("Review", "FEEDBACK")
    result = load_file("cases", _cases(tmp_path, body), source="desk", ref_source="crm",
                       value_map=parse_values(["case_type:feedback=review"], entity("cases")),
                       engine=world)
    assert result.rejects.empty
    assert _case_types(world) == {"F1": "review", "F2": "review", "F3": "complaint"}
    assert "feedback" not in vocab.value_names("case_type", engine=world)


def test_a_closed_list_refuses_a_new_value_with_the_reason_and_loads_the_other_rows(
        world, tmp_path):
    vocab.close("case_type", engine=world)
    with world.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM service_cases")).scalar_one()
    result = load_file("cases", _cases(tmp_path, FEEDBACK), source="desk", ref_source="crm",
                       engine=world)
    reasons = dict(zip(result.rejects["line"], result.rejects["reason"], strict=True))
    assert reasons == {
        line: f"case_type '{word}' is not in the company's case types, a closed list "
              "(complaint, other, repair, request, return); an admin adds it with `gcrm vocab "
              f"add case_type {word}` or opens the list with `gcrm vocab open case_type`, or "
              f"map it with --value case_type:{word}=VALUE"
        for line, word in ((2, "review"), (3, "Review"))}
    assert _case_types(world) == {"F3": "complaint"}
    with world.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM service_cases")).scalar_one() == before + 1
    assert "review" not in vocab.value_names("case_type", engine=world)

    # The admin adds the value: the same file now loads whole.
    assert vocab.add("case_type", "Review", label="Product review", engine=world) is True
    again = load_file("cases", _cases(tmp_path, FEEDBACK), source="desk", ref_source="crm",
                      engine=world)
    assert again.rejects.empty
    assert _case_types(world) == {"F1": "review", "F2": "review", "F3": "complaint"}


def test_a_value_onto_a_value_the_closed_list_lacks_is_refused_before_loading(world, tmp_path):
    vocab.close("case_type", engine=world)
    with pytest.raises(InvalidInput, match="'reviews' is not in the company's case types"):
        load_file("cases", _cases(tmp_path, FEEDBACK), source="desk", ref_source="crm",
                  value_map={"case_type": {"review": "reviews"}}, engine=world)
    assert _case_types(world) == {}


def test_an_open_list_records_new_values_with_who_and_which_load(world, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("id,account_id,order_date,amount,category,channel\n"
                    "W1,A1,2026-04-01,10,Garden,marketplace\n"
                    "W2,A2,2026-04-02,20,furniture,Marketplace\n")
    result = load_file("sales", path, source="shop", ref_source="crm", engine=world)
    assert result.rejects.empty
    # 'Garden' is the crm world's 'garden'; the marketplace is new, written as first seen.
    assert result.summary.new_values == {"product_category": ["furniture"],
                                         "sales_channel": ["marketplace"]}
    with world.connect() as conn:
        stored = conn.execute(text("SELECT product_category, channel FROM sales "
                                   "WHERE source = 'shop' ORDER BY external_id")).all()
    assert [tuple(r) for r in stored] == [("garden", "marketplace"), ("furniture", "marketplace")]
    added = vocab.values("sales_channel", engine=world).set_index("value")
    assert added.loc["marketplace", "origin"] == "load"
    assert added.loc["marketplace", "added_by"].startswith("operator")
    assert added.loc["marketplace", "added_by"].endswith("(load from shop)")
    assert vocab.value_names("segment", engine=world) == ["business", "retail"]


def test_status_and_consent_say_why_they_are_fixed(db, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("id,name,status,lat,lon\nA1,Ann,vip,40.4,-79.9\nA2,Bob,customer,40.5,-79.8\n")
    result = load_file("accounts", path, source="crm", engine=db)
    assert result.rejects["reason"].tolist() == [
        "status 'vip' is not one of prospect, customer, churned: status drives the customer "
        "counts and churn; put the company's own tiers in segment"]
    with pytest.raises(InvalidInput, match="status drives the customer counts and churn"):
        vocab.add("status", "vip", engine=db)
    with pytest.raises(InvalidInput, match="consent is recorded per channel"):
        vocab.add("consent_channel", "whatsapp", engine=db)
    with pytest.raises(ColumnMappingError, match="status 'gold' is not one of prospect, "
                                                 "customer, churned: status drives"):
        parse_values(["status:vip=gold"], entity("accounts"))
    # A fixed list still takes the file's own words for its values.
    mapped = load_file("accounts", path, source="crm", engine=db,
                       value_map=parse_values(["status:VIP=customer"], entity("accounts")))
    assert mapped.rejects.empty
    with db.connect() as conn:
        assert conn.execute(text("SELECT status FROM accounts WHERE external_id = 'A1'")
                            ).scalar_one() == "customer"


def test_campaign_channels_say_why_they_are_fixed(world):
    from gcrm.campaigns.targets import TargetFilter, count

    with pytest.raises(GcrmError, match="consent is recorded per channel"):
        count(TargetFilter(channel="whatsapp"), engine=world)


def test_every_role_reads_the_lists_and_only_admins_change_them(people, as_user):
    analyst, admin = as_user("ana"), as_user("ada")
    assert "complaint" in vocab.value_names("case_type", engine=analyst)
    with pytest.raises(PermissionDenied, match="changed by an admin"):
        vocab.add("case_type", "review", engine=analyst)
    with pytest.raises(PermissionDenied):
        vocab.close("segment", engine=analyst)
    assert vocab.add("case_type", "review", engine=admin) is True
    assert vocab.close("segment", engine=admin).closed
    lists = vocab.summary(engine=analyst).set_index("field")
    assert lists.loc["segment", "closed"] and lists.loc["segment", "changed_by"] == "ada"
    assert vocab.values("case_type", engine=analyst).set_index("value").loc[
        "review", "added_by"] == "ada"
    with pytest.raises(PermissionDenied, match="renaming rewrites the stored rows"):
        vocab.rename("segment", "retail", "consumer", engine=admin)


def test_rename_changes_the_list_and_the_stored_rows(world):
    assert vocab.rename("segment", "business", "B2B", engine=world) == 1
    with world.connect() as conn:
        segments = conn.execute(text("SELECT DISTINCT segment FROM accounts ORDER BY 1")
                                ).scalars().all()
    assert segments == ["B2B", "retail"]
    assert vocab.value_names("segment", engine=world) == ["B2B", "retail"]
    with pytest.raises(InvalidInput, match="segment has no value 'gold'"):
        vocab.rename("segment", "gold", "platinum", engine=world)


def test_the_customers_filter_lists_the_vocabularys_segments(world):
    from gcrm import accounts

    vocab.add("segment", "wholesale", engine=world)
    assert accounts.known_values(engine=world)["segment"] == ["business", "retail", "wholesale"]


def test_the_migration_keeps_the_data_both_ways(scratch_database):
    engine = create_engine(scratch_database(f"gcrm_test_vocab_migration_{os.getpid()}"))
    insert_case = ("INSERT INTO service_cases (source, external_id, account_id, opened_at, "
                   "case_type) SELECT 'desk', :id, id, now(), :type FROM accounts")
    try:
        migrate.upgrade(engine, "0016")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO accounts (source, external_id, name, segment) "
                              "VALUES ('crm', 'A1', 'Ann', 'Gold')"))
            conn.execute(text(insert_case), {"id": "C1", "type": "complaint"})
        migrate.upgrade(engine)
        assert vocab.value_names("segment", engine=engine) == ["Gold"]
        assert vocab.value_names("case_type", engine=engine) == [
            "complaint", "other", "repair", "request", "return"]
        with engine.begin() as conn:  # no CHECK refuses the company's own case type now
            conn.execute(text(insert_case), {"id": "C2", "type": "review"})
        migrate.downgrade(engine, "0016")
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT external_id, case_type FROM service_cases "
                                     "ORDER BY 1")).all()
        assert [tuple(r) for r in kept] == [("C1", "complaint"), ("C2", "review")]
        migrate.upgrade(engine)
        assert "review" in vocab.value_names("case_type", engine=engine)
    finally:
        engine.dispose()
