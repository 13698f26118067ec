"""Emptying the test database between tests."""

from sqlalchemy import Engine, text

# The company's lists go back to what migration 0017 starts a new database with.
VOCABULARY_TABLES = ("vocabularies", "vocabulary_values")


def empty_all_tables(engine: Engine) -> None:
    """Empty every gcrm table, the audit log too: its TRUNCATE guard is a trigger, which
    a superuser in replica mode does not fire (tests only; the product never does this)."""
    from gcrm.db.models import Base

    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        reset_vocabularies(conn)
        reset_cost_rates(conn)


def reset_vocabularies(conn) -> None:
    """Every list open, holding only the values a new database starts with."""
    from gcrm.db.models import CASE_TYPES, INTERACTION_CHANNELS
    from gcrm.vocab import VOCABULARIES

    start = {"case_type": CASE_TYPES, "interaction_channel": INTERACTION_CHANNELS}
    for spec in VOCABULARIES.values():
        conn.execute(text("INSERT INTO vocabularies (field, description, changed_by) "
                          "VALUES (:f, :d, 'migration 0017')"),
                     {"f": spec.name, "d": spec.description})
        for value in start.get(spec.name, ()):
            conn.execute(text("INSERT INTO vocabulary_values (field, value, origin, added_by) "
                              "VALUES (:f, :v, 'seed', 'migration 0017')"),
                         {"f": spec.name, "v": value})


def reset_cost_rates(conn) -> None:
    """The placeholder rates migration 0024 starts a new database with."""
    from gcrm.costs import DEFAULTS

    for (kind, item), rate in DEFAULTS.items():
        conn.execute(text("INSERT INTO cost_rates (kind, item, rate, changed_by) "
                          "VALUES (:k, :i, :r, 'migration 0024')"),
                     {"k": kind, "i": item, "r": rate})
