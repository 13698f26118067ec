"""Data quality: what each load did, the rows it refused and why, how accounts were placed,
and which fall outside every region; each read as a user, so the database decides."""

import io

import pandas as pd
import pytest

from gcrm import quality, regions
from gcrm.errors import PermissionDenied
from gcrm.ingest.load import load_file

# On top of the CRM world (4 accounts inside the two states): one point far outside every
# region, one address the offline geocoder cannot place, and two rows that cannot load.
SHOP = """id,name,status,street,city,postcode,lat,lon
B1,Farah Away,customer,1 Harbour Road,Portland,04101,43.66,-70.25
B2,Noel Where,prospect,2 Unknown Lane,Nowhere,00000,,
B3,Lattie Wrong,customer,3 Elm Street,Northtown,11111,123.4,-79.5
B4,Vic Status,vip,4 Elm Street,Northtown,11111,41.5,-79.5
"""
REASONS = {4: "latitude 123.4 is outside -90..90",
           5: "status 'vip' is not one of prospect, customer, churned: status drives the "
              "customer counts and churn; put the company's own tiers in segment"}


@pytest.fixture
def shop(people, tmp_path):
    """The world and its users, plus the shop's file loaded (as the operator)."""
    path = tmp_path / "shop.csv"
    path.write_text(SHOP)
    return load_file("accounts", path, source="shop", engine=people).summary


def test_loads_list_each_file_newest_first_with_its_counts(shop, as_user):
    runs = quality.loads(engine=as_user("ada"))
    newest = runs.iloc[0]
    assert (newest["file"], newest["source"], newest["entity"]) == ("shop.csv", "shop",
                                                                  "accounts")
    assert (newest["read"], newest["inserted"], newest["rejected"]) == (4, 2, 2)
    assert newest["run_id"] == shop.run_id
    # The world's four files came before it.
    assert runs["file"].tolist()[1:] == ["interactions.csv", "cases.csv", "sales.csv",
                                         "accounts.csv"]


def test_an_admin_reads_each_reject_with_its_reason_and_original_row(shop, as_user):
    ada = as_user("ada")
    refused = quality.rejects(shop.run_id, engine=ada)
    assert dict(zip(refused["line"], refused["reason"], strict=True)) == REASONS
    assert refused.set_index("line").loc[4, "row"]["name"] == "Lattie Wrong"
    assert quality.rejects(engine=ada)["run_id"].unique().tolist() == [shop.run_id]

    csv = pd.read_csv(io.BytesIO(quality.rejects_csv(shop.run_id, engine=ada)), dtype=str)
    assert csv["reason"].tolist() == list(REASONS.values())
    assert csv["name"].tolist() == ["Lattie Wrong", "Vic Status"]  # ready to fix and reload


def test_the_precision_mix_adds_up_to_the_accounts(shop, as_user):
    mix = quality.geocode_mix(engine=as_user("ada")).set_index("precision")
    assert mix["accounts"].sum() == 6  # the world's 4 and the shop's 2 loaded rows
    assert mix.loc["provided", "accounts"] == 5  # coordinates given in the files
    assert mix.loc["unplaced", "accounts"] == 1  # the address nobody could find
    assert mix["share"].sum() == pytest.approx(1.0)
    assert mix.index[-1] == "unplaced"


def test_unassigned_counts_the_point_outside_every_region(shop, as_user):
    ada = as_user("ada")
    summary = quality.unassigned_summary(engine=ada).set_index("level")["unassigned"]
    assert summary.to_dict() == {"state": 1, "county": 1}
    outside = regions.unassigned("county", engine=ada)
    assert len(outside) == summary["county"]
    assert outside.loc[0, "lon"] == pytest.approx(-70.25, abs=0.01)


def test_an_empty_database_gives_empty_tables_not_errors(db):
    assert quality.loads(engine=db).empty
    assert quality.rejects(engine=db).empty
    assert quality.geocode_mix(engine=db).empty
    assert quality.unassigned_summary(engine=db).empty


@pytest.mark.parametrize("username", ["ana", "mia", "pat", "nora", "sam"])
def test_only_admins_may_read_the_raw_rejected_rows(shop, as_user, username):
    engine = as_user(username)
    with pytest.raises(PermissionDenied, match="admins only"):
        quality.rejects(shop.run_id, engine=engine)
    with pytest.raises(PermissionDenied, match="admins only"):
        quality.rejects_csv(shop.run_id, engine=engine)
    # The counts are not personal: the load table still says two rows were refused.
    assert quality.loads(engine=engine).iloc[0]["rejected"] == 2


def test_an_analyst_sees_the_whole_mix_and_a_manager_only_their_regions(shop, as_user):
    analyst = quality.geocode_mix(engine=as_user("ana"))
    assert analyst["accounts"].sum() == 6
    nora = quality.geocode_mix(engine=as_user("nora"))
    assert nora.set_index("precision")["accounts"].to_dict() == {"provided": 2}
    assert quality.unassigned_summary(engine=as_user("ana"))["unassigned"].sum() == 2
    # The point outside every region is in nobody's region: a manager counts none.
    assert quality.unassigned_summary(engine=as_user("nora"))["unassigned"].sum() == 0
