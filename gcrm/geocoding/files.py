"""Geocode a file of addresses without loading it into the CRM."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gcrm.db.engine import get_engine
from gcrm.errors import GcrmError
from gcrm.geocoding.batch import Progress, geocode_records
from gcrm.ingest.columns import resolve_columns
from gcrm.ingest.entities import Entity, entity
from gcrm.ingest.readers import read_table

ADDRESS_FIELDS = ("street", "unit", "city", "region", "postcode")
_ADDRESS = Entity(
    "addresses", "-",
    tuple(f for f in entity("accounts").fields if f.name in ADDRESS_FIELDS),
)


def geocode_file(
    input_path: str | Path,
    output_path: str | Path,
    *,
    column_map: dict[str, str] | None = None,
    progress: Progress | None = None,
    run_on: str | None = None,
) -> dict[str, int]:
    """Write ``output_path``: the input columns plus lon, lat, precision, score, matched.

    The output format follows the suffix: .csv, .parquet, .geojson or .gpkg
    (the spatial ones carry a point geometry). Returns counts by precision. ``run_on``:
    as :func:`gcrm.geocoding.batch.geocode_records`.
    """
    output_path = Path(output_path)
    table = read_table(input_path)
    frame = table.frame.drop(columns=["_geometry_type"], errors="ignore")
    mapping = resolve_columns(frame.columns, _ADDRESS, column_map)
    if "street" not in mapping and "postcode" not in mapping and "city" not in mapping:
        raise GcrmError(
            f"No address columns found in {Path(input_path).name} (columns: "
            f"{', '.join(frame.columns)}). Name them with --map COLUMN=street, "
            "--map COLUMN=city, --map COLUMN=postcode."
        )
    addresses = pd.DataFrame({name: frame[column] for name, column in mapping.items()})
    with get_engine().begin() as conn:
        results = geocode_records(conn, addresses, progress=progress, run_on=run_on)
    out = pd.concat([frame.reset_index(drop=True), results.reset_index(drop=True)], axis=1)
    _write(out, output_path)
    return dict(Counter(results["precision"]).most_common())


def _write(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix in (".parquet", ".pq"):
        frame.to_parquet(path, index=False)
    elif suffix in (".geojson", ".gpkg"):
        geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=4326)
        gpd.GeoDataFrame(frame, geometry=geometry).to_file(path)
    else:
        raise GcrmError(f"Cannot write '{suffix}': use .csv, .parquet, .geojson or .gpkg.")
