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


def erased_ids(entity: Entity, fields: list[Field]) -> list[str]:
    """UPDATEs of the staging table that give each account id read from the file the form
    the accounts table knows it by: an erased account's id is a keyed hash of the original
    (migration 0019), so a reload of the same file finds the erased account instead of
    bringing the person back as a new one. One HMAC per staged row, once (the reference
    checks and the upsert then compare plain ids); run only when the source has erased
    accounts (``ERASED_SOURCES``)."""
    out = []
    for f in fields:
        own = f.name == "external_id" and entity.table == "accounts"
        if not (own or (f.kind == "ref" and f.ref == "accounts")):
            continue
        source = ":source" if own else ":ref_source"
        hashed = f'public.gcrm_erased_id({source}, s."{f.name}", k.key)'
        out.append(
            f'UPDATE {STAGE} s SET "{f.name}" = {hashed} FROM privacy_keys k '
            f"WHERE k.purpose = 'erased_id' AND s.\"{f.name}\" IS NOT NULL AND {hashed} IN ("
            f"SELECT e.external_id FROM accounts e WHERE e.source = {source} "
            "AND e.erased_at IS NOT NULL)")
    return out


# Whether the file's source (or the source its account ids name) has erased accounts.
ERASED_SOURCES = """
SELECT EXISTS (SELECT 1 FROM accounts WHERE erased_at IS NOT NULL
               AND source IN (:source, :ref_source))
"""


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


# Staged rows whose external id comes again on a later line (that later row wins).
REPEATED_IDS = f"""
SELECT line, external_id, last FROM (
    SELECT line, external_id, max(line) OVER (PARTITION BY external_id) AS last
    FROM {STAGE}) d
WHERE line < last ORDER BY line
"""
# The planner's estimate of a table's rows (-1 or 0: never analyzed).
ESTIMATED_ROWS = "SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"


def stage_rows_as_text(fields: list[Field]) -> str:
    """The staged values of some lines (``:lines``), as text, line first."""
    names = ", ".join(f'CAST("{f.name}" AS text)' for f in fields)
    return f"SELECT line, {names} FROM {STAGE} WHERE line = ANY(:lines) ORDER BY line"


def delete_stage_lines() -> str:
    return f"DELETE FROM {STAGE} WHERE line = ANY(:lines)"


def upsert(entity: Entity, fields: list[Field], *, fresh: bool = False,
           bulk: bool = False) -> tuple[str | None, str]:
    """Two set-based statements: UPDATE the rows whose values changed, then INSERT the new.

    Rows are matched on ``(source, external_id)``. Each statement's row count is what it
    did (updated, inserted); the rest are unchanged. Plain INSERT and UPDATE run about
    twice as fast as INSERT ... ON CONFLICT on millions of rows. With ``fresh`` (the table
    holds nothing of this source yet) there is nothing to update or to match: the UPDATE
    is None and the INSERT skips the anti-join. Rows go in sorted by their first reference
    (else their external id), so the indexes and foreign-key checks walk in order instead
    of jumping around: about twice as fast on millions of rows. With ``bulk`` (the
    table's indexes are built after the insert, gcrm.ingest.bulk) only a reference is
    worth sorting by (the facts of an account then sit together on disk); rows with
    none go in file order (sorting a million accounts by external id cost 0.8 s).
    """
    names = {f.name for f in fields}
    has_point = entity.point is not None and {"lat", "lon"} <= names
    columns, selects, joins = ["source", "external_id"], [":source", 's."external_id"'], []
    account_alias = next((f"r_{f.name}" for f in fields if f.kind == "ref"
                          and f.ref == "accounts"), None)
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
        elif f.personal and account_alias:
            # An erased person stays erased: a reload brings no note about them back.
            selects.append(f'CASE WHEN {account_alias}.erased_at IS NULL THEN s."{f.name}" END')
        else:
            selects.append(f's."{f.name}"')
    point_expr = (
        "CASE WHEN s.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) END"
    )
    compared = [c for c in columns if c not in ("source", "external_id")]
    sets = [f"{c} = n.{c}" for c in compared]
    changed = [f"({', '.join('t.' + c for c in compared)}) IS DISTINCT FROM "
               f"({', '.join('n.' + c for c in compared)})"] if compared else []

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
        sets.append(f"{entity.point} = n.{entity.point}")
        changed.append(f"t.{entity.point} IS DISTINCT FROM n.{entity.point}")

    if entity.geocodes:
        # Coordinates from the file win; a changed address without coordinates is
        # geocoded again; an unchanged one keeps its earlier result.
        address = [c for c in ADDRESS_COLUMNS if c in columns]
        moved = (
            f"({', '.join('t.' + c for c in address)}) IS DISTINCT FROM "
            f"({', '.join('n.' + c for c in address)})" if address else "false"
        )
        provided = "n.geocode_precision = 'provided'"
        for column in ("geom", "geocode_precision", "geocode_score", "geocode_source"):
            given = f"WHEN {provided} THEN n.{column} " if has_point else ""
            sets.append(f"{column} = CASE {given}WHEN {moved} THEN NULL ELSE t.{column} END")
        if has_point:
            changed.append(f"({provided} AND t.geom IS DISTINCT FROM n.geom)")
        sets.append("updated_at = now()")

    named = ", ".join(f"{expr} AS {col}" for expr, col in zip(selects, columns, strict=True))
    new_rows = f"(SELECT {named} FROM {STAGE} s {' '.join(joins)}) n"
    where = " OR ".join(changed) if changed else "false"
    # An erased person stays erased: a new load of the same record changes nothing.
    keep_erased = " AND t.erased_at IS NULL" if entity.table == "accounts" else ""
    update = (
        f"UPDATE {entity.table} t SET {', '.join(sets)} FROM {new_rows} "
        f"WHERE t.source = n.source AND t.external_id = n.external_id AND ({where})"
        f"{keep_erased}"
    )
    refs = [f.db_column for f in fields if f.kind == "ref"]
    order = ", ".join(f"n.{c}" for c in [*refs[:1], "external_id"])
    insert = (
        f"INSERT INTO {entity.table} ({', '.join(columns)}) "
        f"SELECT {', '.join('n.' + c for c in columns)} FROM {new_rows} "
        + ("" if fresh else
           f"WHERE NOT EXISTS (SELECT 1 FROM {entity.table} t "
           "WHERE t.source = n.source AND t.external_id = n.external_id) ")
        + ("" if bulk and not refs else f"ORDER BY {order}")
    )
    return (None if fresh else update), insert


def has_source(table: str) -> str:
    return f"SELECT EXISTS (SELECT 1 FROM {table} WHERE source = :source)"


# Which of these external ids (as read from a file) are accounts that were erased.
ERASED_AMONG = """
SELECT i.id FROM unnest(CAST(:ids AS text[])) AS i(id)
JOIN accounts a ON a.source = :source AND a.erased_at IS NOT NULL
               AND a.external_id IN (i.id, gcrm_erased_id(:source, i.id))
"""
