"""Emptying the test database between tests."""

from sqlalchemy import Engine, text


def empty_all_tables(engine: Engine) -> None:
    """Empty every gcrm table, the audit log too: its TRUNCATE guard is a trigger, which
    a superuser in replica mode does not fire (tests only; the product never does this)."""
    from gcrm.db.models import Base

    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
