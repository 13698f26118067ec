"""COPY rows into a table through the connection's psycopg driver (bulk loads, staging)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection


def copy_rows(conn: Connection, statement: str, rows: Iterable[tuple]) -> None:
    """Run ``COPY ... FROM STDIN`` and send ``rows`` (tuples in the statement's column order)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def copy_frame(conn: Connection, statement: str, frame: pd.DataFrame) -> None:
    """:func:`copy_rows` for a DataFrame; missing values (NaN, NA, None) become NULL."""
    values = frame.astype(object)
    copy_rows(conn, statement, values.where(values.notna(), None).itertuples(index=False))
