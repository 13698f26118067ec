"""Batch geocoding on Dask (issue 22): the addresses are parsed on real worker processes and
matched in PostGIS; the answers equal this process's at every precision, a worker killed
once is retried, and a worker dying for good stores nothing."""

from __future__ import annotations

import pandas as pd
import pytest
from distributed import get_task_stream
from dying_workers import KillOnTask, dying_for_good
from sqlalchemy import text

from gcrm.errors import EngineUnavailable
from gcrm.geocoding import batch
from gcrm.geocoding.batch import geocode_accounts, geocode_records
from gcrm.geocoding.reference import load_reference
from gcrm.ingest.load import load_file

# Main Street runs east from (-79.95, 40.44): house number n sits n * 1e-5 degrees east.
MAIN = range(100, 160, 2)
POINTS = """
SELECT external_id, ST_AsText(geom), geocode_precision, geocode_score, geocode_source
FROM accounts ORDER BY external_id
"""


@pytest.fixture
def reference(db, tmp_path):
    addresses = tmp_path / "addresses.csv"
    rows = ["number,street,city,region,postcode,lon,lat"]
    rows += [f"{n},Main Street,Pittsburgh,PA,15213,{-79.95 + n * 1e-5:.6f},40.4400"
             for n in MAIN]
    rows += ["7,Hamill Road,Verona,PA,15147,-79.8126,40.5025"]
    addresses.write_text("\n".join(rows) + "\n")
    postcodes = tmp_path / "zips.csv"
    postcodes.write_text("zip,latitude,longitude,city,state\n"
                         "15213,40.4433,-79.9553,Pittsburgh,PA\n"
                         "15147,40.4960,-79.8300,Verona,PA\n")
    places = tmp_path / "places.csv"
    places.write_text("name,region,lat,lon,population\nOakmont,PA,40.5217,-79.8420,6700\n")
    for kind, path in (("addresses", addresses), ("postcodes", postcodes), ("places", places)):
        load_reference(kind, path, engine=db)
    return db


def _addresses() -> pd.DataFrame:
    """480 addresses, every precision: points, numbers between points (interpolated), a
    misspelt road, an unknown street in a known postcode or town, and nowhere at all."""
    rows = []
    for i in range(80):
        n = 100 + 2 * (i % 30)
        rows += [
            {"street": f"{n} Main St", "city": "Pittsburgh", "region": "PA",
             "postcode": "15213"},
            {"street": f"{n + 1} main street", "postcode": "15213"},
            {"street": "7 Hamil Rd", "city": "Verona", "region": "PA"},
            {"street": f"{i} Nowhere Lane", "postcode": "15147"},
            {"street": f"{i} Unknown Way", "city": "Oakmont", "region": "PA"},
            {"street": f"Lorem ipsum {i}", "city": "Atlantis"},
        ]
    return pd.DataFrame(rows)


def test_addresses_geocoded_on_dask_equal_this_process_s_at_every_precision(
        reference, dask_client, monkeypatch):
    addresses = _addresses()
    monkeypatch.setattr(batch, "BATCH", 100)  # five parsing tasks
    with reference.begin() as conn:
        here = geocode_records(conn, addresses, use_cache=False, run_on="local")
    with reference.begin() as conn, get_task_stream(client=dask_client) as stream:
        there = geocode_records(conn, addresses, use_cache=False, run_on="dask",
                                client=dask_client)
    pd.testing.assert_frame_equal(there, here)
    assert set(here["precision"]) == {"rooftop", "interpolated", "postcode", "city", "none"}
    assert sum(str(t["key"]).startswith("parse_batch") for t in stream.data) == 5


def _load_accounts(engine, tmp_path):
    path = tmp_path / "accounts.csv"
    frame = _addresses().head(120).rename(columns={"street": "address", "region": "state",
                                                   "postcode": "zip"})
    frame.insert(0, "name", [f"Person {i}" for i in range(len(frame))])
    frame.insert(0, "id", [f"A{i:03d}" for i in range(len(frame))])
    frame.to_csv(path, index=False)
    load_file("accounts", path, source="crm", engine=engine)  # geocoded here
    with engine.connect() as conn:
        return conn.execute(text(POINTS)).all()


def _forget_points(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET geom = NULL, geocode_precision = NULL, "
                          "geocode_score = NULL, geocode_source = NULL"))


def test_accounts_geocoded_on_dask_past_a_killed_worker_get_this_process_s_points(
        reference, dask_client, tmp_path, monkeypatch):
    expected = _load_accounts(reference, tmp_path)
    assert sum(row[1] is not None for row in expected) == 100  # the 20 in Atlantis: none
    _forget_points(reference)
    monkeypatch.setattr(batch, "BATCH", 30)
    flag = tmp_path / "killed"
    dask_client.register_plugin(KillOnTask("parse_batch", once_flag=str(flag)),
                                name="die-once-geocode")
    try:
        with reference.begin() as conn:
            counts = geocode_accounts(conn, use_cache=False, run_on="dask",
                                      client=dask_client)
    finally:
        dask_client.unregister_worker_plugin("die-once-geocode")
    assert flag.exists()                      # a worker died parsing a batch, which ran again
    assert counts == {"rooftop": 40, "interpolated": 20, "postcode": 20, "city": 20,
                      "none": 20}
    with reference.connect() as conn:
        assert conn.execute(text(POINTS)).all() == expected


def test_a_worker_dying_for_good_mid_geocoding_stores_nothing(reference, tmp_path):
    _load_accounts(reference, tmp_path)
    _forget_points(reference)
    with reference.connect() as conn:
        before = conn.execute(text(POINTS)).all()
    died = "parsing addresses on Dask: a Dask worker died while running it"
    with dying_for_good("parse_batch") as client, \
            pytest.raises(EngineUnavailable, match=died), reference.begin() as conn:
        geocode_accounts(conn, use_cache=False, run_on="dask", client=client)
    with reference.connect() as conn:
        assert conn.execute(text(POINTS)).all() == before
