"""The SQL of loading, in one place: a staging table per load, reference checks, upsert.

Statements are generated from the entity definitions; values always travel as
bound parameters or through COPY, never inside the SQL text.
"""

from __future__ import annotations

from gcrm.ingest.entities import Entity, Field

STAGE = "gcrm_stage"
PG_TYPES = {
    "text": "text", "ref": "text", "enum": "text", "number": "numeric", "integer": "bigint",
    "date": "date", "datetime": "timestamptz", "bool": "boolean",
    "lat": "double precision", "lon": "double precision",
}
ADDRESS_COLUMNS = ("street", "unit", "city", "district", "region", "postcode", "country")
_REF_NOUNS = {"accounts": "account", "reps": "rep", "sites": "site"}


def create_stage(fields: list[Field]) -> str:
    columns = ", ".join(f'"{f.name}" {PG_TYPES[f.kind]}' for f in fields)
    return f"CREATE TEMP TABLE {STAGE} (line integer PRIMARY KEY, {columns}) ON COMMIT DROP"


def copy_stage(fields: list[Field]) -> str:
    names = ", ".join(f'"{f.name}"' for f in fields)
    return f"COPY {STAGE} (line, {names}) FROM STDIN WITH (FORMAT csv)"


def unresolved_references(fields: list[Field]) -> str | None:
    """Rows naming an account/rep/site that does not exist: (line, reason)."""
    parts = []
    for f in fields:
        if f.kind != "ref":
            continue
        noun = _REF_NOUNS[f.ref]
        parts.append(
            f"SELECT s.line, '{f.name} ' || quote_literal(s.\"{f.name}\") || "
            f"' not found among the {f.ref} of source ' || quote_literal(:ref_source) || "
            f"'; load the {noun} first, or name its source with --ref-source' AS reason "
            f"FROM {STAGE} s WHERE s.\"{f.name}\" IS NOT NULL AND NOT EXISTS ("
            f"SELECT 1 FROM {f.ref} r WHERE r.source = :ref_source "
            f"AND r.external_id = s.\"{f.name}\")"
        )
    return " UNION ALL ".join(parts) if parts else None


def delete_stage_lines() -> str:
    return f"DELETE FROM {STAGE} WHERE line = ANY(:lines)"


def upsert(entity: Entity, fields: list[Field]) -> str:
    """INSERT ... ON CONFLICT (source, external_id) DO UPDATE only when something changed.

    Returns one row per inserted or updated row: ``inserted`` true/false.
    """
    names = {f.name for f in fields}
    has_point = entity.point is not None and {"lat", "lon"} <= names
    columns, selects, joins = ["source", "external_id"], [":source", 's."external_id"'], []
    for f in fields:
        if f.name in ("external_id", "lat", "lon"):
            continue
        columns.append(f.db_column)
        if f.kind == "ref":
            alias = f"r_{f.name}"
            joins.append(
                f"LEFT JOIN {f.ref} {alias} ON {alias}.source = :ref_source "
                f'AND {alias}.external_id = s."{f.name}"'
            )
            selects.append(f"{alias}.id")
        else:
            selects.append(f's."{f.name}"')
    point_expr = (
        "CASE WHEN s.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) END"
    )
    compared = [c for c in columns if c not in ("source", "external_id")]
    sets = [f"{c} = EXCLUDED.{c}" for c in compared]
    changed = [f"({', '.join('t.' + c for c in compared)}) IS DISTINCT FROM "
               f"({', '.join('EXCLUDED.' + c for c in compared)})"] if compared else []

    if has_point and entity.geocodes:
        columns += [entity.point, "geocode_precision", "geocode_score", "geocode_source"]
        selects += [
            point_expr,
            "CASE WHEN s.lon IS NOT NULL THEN 'provided' END",
            "CASE WHEN s.lon IS NOT NULL THEN 1.0 END",
            "CASE WHEN s.lon IS NOT NULL THEN 'file' END",
        ]
    elif has_point:
        columns.append(entity.point)
        selects.append(point_expr)
        sets.append(f"{entity.point} = EXCLUDED.{entity.point}")
        changed.append(f"t.{entity.point} IS DISTINCT FROM EXCLUDED.{entity.point}")

    if entity.geocodes:
        # Coordinates from the file win; a changed address without coordinates is
        # geocoded again; an unchanged one keeps its earlier result.
        address = [c for c in ADDRESS_COLUMNS if c in columns]
        moved = (
            f"({', '.join('t.' + c for c in address)}) IS DISTINCT FROM "
            f"({', '.join('EXCLUDED.' + c for c in address)})" if address else "false"
        )
        provided = "EXCLUDED.geocode_precision = 'provided'" if has_point else "false"
        for column in ("geom", "geocode_precision", "geocode_score", "geocode_source"):
            sets.append(
                f"{column} = CASE WHEN {provided} THEN EXCLUDED.{column} "
                f"WHEN {moved} THEN NULL "
                f"ELSE t.{column} END"
            )
        if has_point:
            changed.append(f"({provided} AND t.geom IS DISTINCT FROM EXCLUDED.geom)")
        sets.append("updated_at = now()")

    where = " OR ".join(changed) if changed else "false"
    return (
        f"INSERT INTO {entity.table} AS t ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM {STAGE} s {' '.join(joins)} "
        f"ON CONFLICT (source, external_id) DO UPDATE SET {', '.join(sets)} "
        f"WHERE {where} "
        "RETURNING (t.xmax = 0) AS inserted, t.id"
    )
