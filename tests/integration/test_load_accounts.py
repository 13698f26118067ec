"""`gcrm load accounts`: any common format, every row validated, idempotent, all-or-nothing."""

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon
from sqlalchemy import text

from gcrm.ingest.columns import ColumnMappingError
from gcrm.ingest.load import load_file
from gcrm.ingest.readers import FileFormatError

HEADER = "customer_id,full_name,status,address1,city,state,zip,latitude,longitude,email_opt_in\n"
GOOD = [
    "C1,Ada Lovelace,customer,12 Oak St,Pittsburgh,PA,15213,40.4406,-79.9959,yes\n",
    "C2,Alan Turing,lead,5 Elm Ave,Pittsburgh,PA,15217,40.4300,-79.9200,no\n",
    "C3,Grace Hopper,active,9 Pine Rd,Verona,PA,15147,40.5025,-79.8126,\n",
]


def _rows(db, sql="SELECT external_id, name, status, consent_email, ST_X(geom) lon, "
                  "ST_Y(geom) lat, geocode_precision FROM accounts ORDER BY external_id"):
    with db.connect() as conn:
        return pd.DataFrame(conn.execute(text(sql)).mappings().all())


def test_csv_with_common_column_names_loads_without_a_map(db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + "".join(GOOD))
    result = load_file("accounts", path, source="crm", engine=db)

    assert (result.summary.read, result.summary.inserted, result.summary.rejected) == (3, 3, 0)
    rows = _rows(db)
    assert rows["status"].tolist() == ["customer", "prospect", "customer"]  # lead/active mapped
    assert rows["consent_email"].tolist() == [True, False, False]
    assert rows.loc[0, "lon"] == pytest.approx(-79.9959)
    assert rows.loc[0, "lat"] == pytest.approx(40.4406)
    assert set(rows["geocode_precision"]) == {"provided"}


def test_each_bad_row_is_rejected_with_a_reason_and_the_rest_load(db, tmp_path):
    bad = [
        "C4,Bad Lat,customer,1 A St,Pittsburgh,PA,15213,123.4,-79.9,yes\n",
        "C5,,customer,1 A St,Pittsburgh,PA,15213,40.4,-79.9,yes\n",
        "C6,Bad Status,vip,1 A St,Pittsburgh,PA,15213,40.4,-79.9,yes\n",
        "C7,Bad Consent,customer,1 A St,Pittsburgh,PA,15213,40.4,-79.9,maybe\n",
        "C8,Half Point,customer,1 A St,Pittsburgh,PA,15213,40.4,,yes\n",
        "C9,Too,Many,Fields,In,This,Row,1,2,3,4\n",
        "C1,Ada Again Earlier,customer,12 Oak St,Pittsburgh,PA,15213,40.44,-79.99,yes\n",
    ]
    # the duplicate C1 comes first, so the later line (the GOOD one) is loaded
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + bad[-1] + "".join(GOOD) + "".join(bad[:-1]))
    result = load_file("accounts", path, source="crm", engine=db)

    reasons = dict(zip(result.rejects["line"], result.rejects["reason"], strict=True))
    assert reasons == {
        2: "external_id 'C1' appears again on line 3; that later row is loaded instead",
        6: "latitude 123.4 is outside -90..90",
        7: "name is empty",
        8: "status 'vip' is not one of prospect, customer, churned: status drives the "
           "customer counts and churn; put the company's own tiers in segment",
        9: "consent_email 'maybe' is not yes/no",
        10: "latitude is given but longitude is missing",
        11: "row has 11 fields but the header has 10; check for an unquoted delimiter in a value",
    }
    assert result.summary.inserted == 3 and result.summary.rejected == 7
    assert _rows(db)["name"].tolist() == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert result.rejects.loc[0, "full_name"] == "Ada Again Earlier"  # original row kept


def test_a_file_with_ten_percent_bad_rows_loads_the_other_ninety(db, tmp_path):
    lines = [
        f"K{i},Person {i},customer,{i} Main St,Pittsburgh,PA,15213,"
        f"{'999' if i % 10 == 0 else '40.44'},-79.99,yes\n"
        for i in range(200)
    ]
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(lines))
    result = load_file("accounts", path, engine=db)
    assert result.summary.inserted == 180
    assert result.summary.rejected == 20
    assert set(result.rejects["reason"]) == {"latitude 999 is outside -90..90"}


def test_loading_the_same_file_twice_changes_nothing_and_a_changed_row_updates(db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + "".join(GOOD))
    load_file("accounts", path, source="crm", engine=db)
    again = load_file("accounts", path, source="crm", engine=db)
    assert (again.summary.inserted, again.summary.updated, again.summary.unchanged) == (0, 0, 3)

    path.write_text(HEADER + GOOD[0].replace("Ada Lovelace", "Ada King") + "".join(GOOD[1:]))
    changed = load_file("accounts", path, source="crm", engine=db)
    assert (changed.summary.inserted, changed.summary.updated, changed.summary.unchanged) == (
        0, 1, 2)
    assert _rows(db)["name"].tolist() == ["Ada King", "Alan Turing", "Grace Hopper"]
    assert len(_rows(db)) == 3

    other_source = load_file("accounts", path, source="webshop", engine=db)
    assert other_source.summary.inserted == 3  # the key is (source, external id)


def test_an_interrupted_load_writes_nothing_and_running_it_again_completes(db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + "".join(GOOD))

    def interrupt(stage, done, total):
        if stage == "upsert" and done == 1:
            raise KeyboardInterrupt  # Ctrl-C after the rows were written, before commit

    with pytest.raises(KeyboardInterrupt):
        load_file("accounts", path, source="crm", engine=db, progress=interrupt)
    assert _rows(db).empty
    assert _rows(db, "SELECT * FROM load_runs").empty

    result = load_file("accounts", path, source="crm", engine=db)
    assert result.summary.inserted == 3 and len(_rows(db)) == 3


def test_latin1_file_with_semicolons_loads_accented_names(db, tmp_path):
    path = tmp_path / "kunden.csv"
    text_ = ("id;name;city;lat;lon\n"
             "K1;José Müller;Zürich;47.37;8.54\nK2;Zoë Çelik;Genève;46.2;6.14\n")
    path.write_bytes(text_.encode("latin-1"))
    result = load_file("accounts", path, engine=db)
    assert result.summary.inserted == 2
    assert _rows(db)["name"].tolist() == ["José Müller", "Zoë Çelik"]


def test_utf8_file_with_bom_and_tabs_loads(db, tmp_path):
    path = tmp_path / "bom.tsv"
    path.write_bytes("id\tname\tlat\tlon\nB1\tŁukasz Ż\t52.2\t21.0\n".encode("utf-8-sig"))
    result = load_file("accounts", path, engine=db)
    assert result.summary.inserted == 1
    assert _rows(db)["external_id"].tolist() == ["B1"]  # header '\ufeffid' recognised as id
    assert _rows(db)["name"].tolist() == ["Łukasz Ż"]


def test_geopackage_in_web_mercator_is_reprojected(db, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"store_number": ["S1", "S2"], "store_name": ["North", "South"]},
        geometry=[Point(-79.9959, 40.4406), Point(-80.05, 40.40)], crs=4326,
    ).to_crs(3857)
    path = tmp_path / "stores.gpkg"
    gdf.to_file(path)
    result = load_file("sites", path, source="stores", engine=db)
    assert result.summary.inserted == 2
    rows = _rows(db, "SELECT name, ST_X(geom) lon, ST_Y(geom) lat FROM sites ORDER BY name")
    assert rows.loc[0, "lon"] == pytest.approx(-79.9959, abs=1e-6)
    assert rows.loc[0, "lat"] == pytest.approx(40.4406, abs=1e-6)


def test_polygons_are_rejected_for_point_entities(db, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"id": ["P1", "P2"], "name": ["Point", "Area"]},
        geometry=[Point(-80, 40), Polygon([(-80, 40), (-79, 40), (-79, 41)])], crs=4326,
    )
    path = tmp_path / "mixed.geojson"
    gdf.to_file(path, driver="GeoJSON")
    result = load_file("accounts", path, engine=db)
    assert result.summary.inserted == 1
    assert result.rejects["reason"].tolist() == ["geometry is a Polygon; accounts need points"]


def test_csv_coordinates_in_another_crs_are_transformed(db, tmp_path):
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(-80.0, 40.4)
    path = tmp_path / "projected.csv"
    path.write_text(f"id,name,x,y\nM1,Metres,{x:.3f},{y:.3f}\n")
    load_file("accounts", path, crs="EPSG:3857", engine=db)
    row = _rows(db).iloc[0]
    assert row["lon"] == pytest.approx(-80.0, abs=1e-6)
    assert row["lat"] == pytest.approx(40.4, abs=1e-6)


def test_parquet_and_map_override(db, tmp_path):
    path = tmp_path / "export.parquet"
    pd.DataFrame({"Kundennummer": ["Q1"], "Bezeichnung": ["Quinn"], "lat": [40.0],
                  "lon": [-80.0]}).to_parquet(path)
    result = load_file("accounts", path, engine=db,
                       column_map={"Kundennummer": "external_id", "Bezeichnung": "name"})
    assert result.summary.inserted == 1
    assert _rows(db)["name"].tolist() == ["Quinn"]


def test_a_file_without_an_id_column_says_how_to_map_it(db, tmp_path):
    path = tmp_path / "noid.csv"
    path.write_text("nom,ville\nA,B\n")
    with pytest.raises(ColumnMappingError, match="--map COLUMN=external_id"):
        load_file("accounts", path, engine=db)
    spreadsheet = tmp_path / "x.xls"
    spreadsheet.write_bytes(b"\xd0\xcf")
    with pytest.raises(FileFormatError, match="unknown file type '.xls'"):
        load_file("accounts", spreadsheet, engine=db)
