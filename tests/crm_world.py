"""A small CRM world for the access and privacy tests: two states, three counties, four
people with sales, cases, notes and consent, loaded through the normal pipeline."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from gcrm import regions
from gcrm.ingest.load import load_file

# North state N (counties N1 west, N2 east) and south state S (county S1).
STATES = gpd.GeoDataFrame({"code": ["N", "S"], "name": ["North", "South"]},
                          geometry=[box(-80, 41, -78, 42), box(-80, 40, -78, 41)], crs=4326)
COUNTIES = gpd.GeoDataFrame(
    {"code": ["N1", "N2", "S1"], "name": ["North-West", "North-East", "South"],
     "state": ["N", "N", "S"]},
    geometry=[box(-80, 41, -79, 42), box(-79, 41, -78, 42), box(-80, 40, -78, 41)], crs=4326)

ACCOUNTS = """id,name,status,segment,email,phone,street,city,region,postcode,lat,lon,consent_email,consent_sms
A1,Annabel Northcott,customer,retail,annabel.northcott@mail.example,+1 555 010 1001,12 Elm Street,Northtown,NN,11111,41.5,-79.5,true,false
A2,Bertram Eastwood,customer,business,bertram.eastwood@mail.example,+1 555 010 1002,34 Oak Avenue,Easton,NN,11112,41.5,-78.5,false,true
A3,Cordelia Southby,customer,retail,cordelia.southby@mail.example,+1 555 010 1003,56 Pine Road,Southville,SS,22221,40.5,-79.0,true,true
A4,Desmond Lowry,churned,retail,desmond.lowry@mail.example,+1 555 010 1004,78 Birch Lane,Southville,SS,22222,40.4237,-78.6161,true,false
"""
SALES = """id,account_id,order_date,amount,product_category,channel
S1,A1,2026-01-10,100.00,garden,store
S2,A1,2026-02-10,50.00,garden,web
S3,A2,2026-01-15,200.00,tools,store
S4,A3,2026-03-01,400.00,garden,store
S5,A4,2026-03-05,800.00,tools,web
"""
CASES = """id,account_id,opened_at,closed_at,case_type,status,satisfaction
C1,A1,2026-01-11T09:00,2026-01-12T09:00,complaint,closed,2
C2,A3,2026-03-02T09:00,,request,open,
C3,A4,2026-03-06T09:00,2026-03-07T09:00,complaint,closed,1
"""
INTERACTIONS = """id,account_id,occurred_at,channel,outcome,notes
I1,A1,2026-01-09T10:00,phone,interested,Annabel Northcott asked about hedge trimmers
I2,A3,2026-02-20T10:00,email,callback,Call Cordelia Southby back on +1 555 010 1003
I3,A4,2026-03-04T10:00,visit,lost,Desmond Lowry at 78 Birch Lane is moving away
"""

TOTAL_REVENUE = 1550.0
NORTH_REVENUE = 350.0


def build(engine, folder: Path) -> None:
    regions.load_regions(STATES, level="state", code_field="code", name_field="name",
                         engine=engine)
    regions.load_regions(COUNTIES, level="county", code_field="code", name_field="name",
                         parent_level="state", parent_field="state", engine=engine)
    for entity, body in (("accounts", ACCOUNTS), ("sales", SALES), ("cases", CASES),
                         ("interactions", INTERACTIONS)):
        path = folder / f"{entity}.csv"
        path.write_text(body)
        load_file(entity, path, source="crm", engine=engine)
