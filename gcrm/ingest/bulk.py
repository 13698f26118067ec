"""A big first load into an empty table: indexes and foreign keys built once, afterwards.

Maintaining four indexes and checking two foreign keys row by row is most of the cost of
inserting millions of rows (7M sales: 75 s row by row against 20 s for the rows plus the
indexes and checks built in bulk afterwards; the way pg_restore does it). So when the
target table is empty and the load is big, gcrm drops the table's own foreign keys and
every index nothing else depends on, inserts, and creates them again, all in the load's
transaction: a duplicate or a dangling reference still fails the load and nothing stays
half done. Indexes another table's foreign key needs (a primary key) stay.

An empty table has no readers to block, which is why only empty tables get this: the
statements take an exclusive lock on the table until the load commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

BULK_ROWS = 100_000  # fewer rows than this go in row by row: not worth the rebuild

_EMPTY = "SELECT NOT EXISTS (SELECT 1 FROM {table})"
_CAN_ALTER = "SELECT public.gcrm_is_operator()"
# The table's own foreign keys, and its unique/primary keys no other table refers to.
_CONSTRAINTS = """
SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint c
WHERE c.conrelid = CAST(:table AS regclass)
  AND (c.contype = 'f' OR (c.contype IN ('p', 'u') AND NOT EXISTS (
        SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid)))
ORDER BY c.contype DESC, c.conname
"""
# Indexes that back no constraint.
_INDEXES = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid = CAST(:table AS regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


def worth_it(conn: Connection, table: str, rows: int) -> bool:
    """True for a big load into an empty table the current user may alter."""
    if rows < BULK_ROWS:
        return False
    return bool(conn.execute(text(_CAN_ALTER)).scalar()) and bool(
        conn.execute(text(_EMPTY.format(table=table))).scalar())


@contextmanager
def indexes_built_after(conn: Connection, table: str) -> Iterator[None]:
    """Drop ``table``'s droppable indexes and foreign keys; create them again on exit."""
    constraints = conn.execute(text(_CONSTRAINTS), {"table": table}).all()
    indexes = conn.execute(text(_INDEXES), {"table": table}).all()
    for name, _kind, _definition in constraints:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _definition in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
    yield
    # Keys first (unique, primary), then the other indexes, then the foreign keys.
    for name, kind, definition in sorted(constraints, key=lambda c: c[1] == "f"):
        if kind != "f":
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    for _name, definition in indexes:
        conn.execute(text(definition))
    for name, kind, definition in constraints:
        if kind == "f":
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    conn.execute(text(f"ANALYZE {table}"))
