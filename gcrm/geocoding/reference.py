"""Load geocoding reference data into PostGIS: address points, postcode centroids, places.

Files are read and validated like any other input (same readers, column
recognition and reasons); values are normalised with the same functions that
normalise the addresses being geocoded, so both sides compare equal.
Loading reference data empties the geocode cache: earlier answers may improve.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, text

from gcrm.db.copy import copy_frame
from gcrm.db.engine import get_engine
from gcrm.ingest.columns import resolve_columns
from gcrm.ingest.entities import Entity, Field
from gcrm.ingest.readers import read_table
from gcrm.ingest.validate import validate_rows
from spatial.geocoding import normalize_city, normalize_region, parse_addresses
from spatial.geocoding.normalize import normalize_postcode

_LAT = Field("lat", "lat", required=True, low=-90, high=90,
             synonyms=("lat", "latitude", "y"))
_LON = Field("lon", "lon", required=True, low=-180, high=180,
             synonyms=("lon", "lng", "long", "longitude", "x"))
_CITY = Field("city", synonyms=("city", "town", "locality", "place", "municipality"))
_REGION = Field("region", synonyms=("region", "state", "province", "state_code"))
_POPULATION = Field("population", "integer", low=0, synonyms=("population", "pop"))

REFERENCES: dict[str, Entity] = {
    "addresses": Entity("addresses", "ref_addresses", (
        Field("number", synonyms=("number", "house_number", "housenumber", "addr_housenumber",
                                  "street_number", "hno")),
        Field("street", required=True, synonyms=("street", "street_name", "addr_street",
                                                 "address", "address1", "address_line_1")),
        Field("unit", synonyms=("unit", "address2", "apt", "suite")),
        _CITY,
        Field("district", synonyms=("district", "county")),
        _REGION,
        Field("postcode", synonyms=("postcode", "zip", "zipcode", "zip_code", "postal_code",
                                    "postalcode", "zip5")),
        _LAT, _LON,
    )),
    "postcodes": Entity("postcodes", "ref_postcodes", (
        Field("code", required=True, synonyms=("code", "postcode", "zip", "zipcode", "zip_code",
                                               "postal_code", "zcta")),
        _CITY, _REGION, _POPULATION, _LAT, _LON,
    )),
    "places": Entity("places", "ref_places", (
        Field("name", required=True, synonyms=("name", "place", "city", "town", "place_name")),
        _REGION, _POPULATION, _LAT, _LON,
    )),
}


@dataclass
class ReferenceLoad:
    kind: str
    read: int
    loaded: int
    rejects: pd.DataFrame

    @property
    def rejected(self) -> int:
        return len(self.rejects)


def load_reference(
    kind: str,
    path: str | Path,
    *,
    column_map: dict[str, str] | None = None,
    crs=None,
    append: bool = False,
    engine: Engine | None = None,
) -> ReferenceLoad:
    """Load a reference file of ``kind`` (addresses, postcodes or places).

    By default the file replaces that reference; ``append=True`` adds to it.
    """
    if kind not in REFERENCES:
        raise ValueError(f"Unknown reference '{kind}'. Choose one of: {', '.join(REFERENCES)}.")
    spec = REFERENCES[kind]
    table = read_table(path, crs=crs)
    mapping = resolve_columns(
        [c for c in table.frame.columns if c != "_geometry_type"], spec, column_map
    )
    good, reasons = validate_rows(table.frame, spec, mapping, crs=crs)
    for line, reason in table.broken:
        reasons.loc[line] = reason
    rows = _NORMALISERS[kind](good)
    engine = engine or get_engine()
    with engine.begin() as conn:
        if not append:
            conn.execute(text(f"TRUNCATE {spec.table}"))
        _COPIERS[kind](conn, rows)
        if kind == "addresses":
            _rebuild_streets(conn)
        conn.execute(text("DELETE FROM geocode_cache"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"ANALYZE {spec.table}"))
        if kind == "addresses":
            conn.execute(text("ANALYZE ref_streets"))
    rejects = table.frame.reindex(reasons.index).fillna("")
    rejects.insert(0, "reason", reasons.values)
    rejects.insert(0, "line", reasons.index)
    return ReferenceLoad(kind, len(table.frame) + len(table.broken), len(rows),
                         rejects.reset_index(drop=True))


def _addresses(good: pd.DataFrame) -> pd.DataFrame:
    def col(name):
        return good[name].tolist() if name in good else [None] * len(good)

    number = good["number"].fillna("") if "number" in good else pd.Series("", index=good.index)
    street_line = (number.astype(str) + " " + good["street"].fillna("")).str.strip()
    parsed = parse_addresses(street_line.tolist(), units=col("unit"), cities=col("city"),
                             regions=col("region"), postcodes=col("postcode"))
    frame = pd.DataFrame({
        "number": [p.number for p in parsed],
        "number_int": [p.number_int for p in parsed],
        "street": [p.street for p in parsed],
        "unit": [p.unit or None for p in parsed],
        "city": [p.city or None for p in parsed],
        "district": col("district"),
        "region": [p.region or None for p in parsed],
        "postcode": [p.postcode or None for p in parsed],
        "lon": good["lon"].tolist(),
        "lat": good["lat"].tolist(),
    })
    return frame[(frame["street"] != "") & (frame["number"] != "")]


def _postcodes(good: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({
        "code": good["code"].map(normalize_postcode),
        "city": _normalised(good, "city", normalize_city),
        "region": _normalised(good, "region", normalize_region),
        "population": good.get("population"),
        "lon": good["lon"], "lat": good["lat"],
    })
    return frame.drop_duplicates("code", keep="last")


def _places(good: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "name": good["name"].map(normalize_city),
        "region": _normalised(good, "region", normalize_region),
        "population": good.get("population"),
        "lon": good["lon"], "lat": good["lat"],
    })


def _normalised(good: pd.DataFrame, name: str, func) -> pd.Series | None:
    if name not in good:
        return None
    return good[name].map(lambda v: (func(v) or None) if v is not None else None)


def _copy_points(conn: Connection, table: str, rows: pd.DataFrame, columns: list[str]) -> None:
    stage = f"stage_{table}"
    conn.execute(text(f"DROP TABLE IF EXISTS {stage}"))
    conn.execute(text(
        f"CREATE TEMP TABLE {stage} (LIKE {table} INCLUDING DEFAULTS, "
        "lon double precision, lat double precision) ON COMMIT DROP"
    ))
    conn.execute(text(f"ALTER TABLE {stage} DROP COLUMN geom"))
    names = ", ".join(columns + ["lon", "lat"])
    copy_frame(conn, f"COPY {stage} ({names}) FROM STDIN", rows[columns + ["lon", "lat"]])
    upsert = ""
    if table == "ref_postcodes":
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "code")
        upsert = f"ON CONFLICT (code) DO UPDATE SET {sets}, geom = EXCLUDED.geom"
    conn.execute(text(
        f"INSERT INTO {table} ({', '.join(columns)}, geom) "
        f"SELECT {', '.join(columns)}, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM {stage} "
        f"{upsert}"
    ))


def _rebuild_streets(conn: Connection) -> None:
    conn.execute(text("TRUNCATE ref_streets"))
    conn.execute(text(
        "INSERT INTO ref_streets (street, city, region, postcode, addresses) "
        "SELECT street, city, region, postcode, count(*) FROM ref_addresses "
        "GROUP BY street, city, region, postcode"
    ))


_NORMALISERS = {"addresses": _addresses, "postcodes": _postcodes, "places": _places}
_COPIERS = {
    "addresses": lambda conn, rows: _copy_points(
        conn, "ref_addresses", rows,
        ["number", "number_int", "street", "unit", "city", "district", "region", "postcode"]),
    "postcodes": lambda conn, rows: _copy_points(
        conn, "ref_postcodes", rows, ["code", "city", "region", "population"]),
    "places": lambda conn, rows: _copy_points(
        conn, "ref_places", rows, ["name", "region", "population"]),
}
