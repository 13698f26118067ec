"""The company's picklists in the database: read them, add values, close and open them,
rename a value (in the stored rows too), and record what a load brought.

Reading is for every gcrm role; changing a list is for admins and the operator (the
database's grants decide, migration 0017). Changes are audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from gcrm import audit
from gcrm.config import get_settings
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput, PermissionDenied
from gcrm.vocab import sql
from gcrm.vocab.fields import VOCABULARIES, Vocabulary, vocabulary

SHOWN = 20  # values quoted in a message before "and N more"


@dataclass(frozen=True)
class VocabList:
    """One list as a load sees it: its values (oldest first) and whether it is closed."""

    vocabulary: Vocabulary
    values: tuple[str, ...] = ()
    closed: bool = False

    def quoted(self) -> str:
        """The values for a message, the first ``SHOWN`` of them."""
        if not self.values:
            return "none yet"
        shown = ", ".join(self.values[:SHOWN])
        more = len(self.values) - SHOWN
        return f"{shown} and {more:,} more (gcrm vocab list {self.vocabulary.name})" \
            if more > 0 else shown


def lists(names: Iterable[str], *, connection: Connection) -> dict[str, VocabList]:
    """The lists called ``names`` as they stand (a list never set up is open and empty)."""
    names = [vocabulary(n).name for n in names]
    found = {r.field: r for r in connection.execute(text(sql.LISTS), {"fields": names})}
    return {n: VocabList(VOCABULARIES[n], tuple(found[n].values), bool(found[n].closed))
            if n in found else VocabList(VOCABULARIES[n]) for n in names}


def summary(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every list: field, description, closed, values (how many), changed_by, changed_at."""
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(sql.SUMMARY)).mappings().all()
    frame = pd.DataFrame(rows, columns=["field", "description", "closed", "values",
                                        "changed_by", "changed_at"])
    known = pd.DataFrame({"field": list(VOCABULARIES)})
    return known.merge(frame, on="field", how="left").fillna(
        {"closed": False, "values": 0}).astype({"values": int, "closed": bool})


def values(name: str | None = None, *, engine: Engine | None = None) -> pd.DataFrame:
    """The values of list ``name`` (all lists: None): field, value, label, origin
    (seed, admin, load), added_by, added_at."""
    field = vocabulary(name).name if name else None
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(text(sql.VALUES), {"field": field}).mappings().all()
    return pd.DataFrame(rows, columns=["field", "value", "label", "origin", "added_by",
                                       "added_at"])


def value_names(name: str, *, engine: Engine | None = None) -> list[str]:
    """Just the values of list ``name``, sorted: what a picker offers."""
    return sorted(values(name, engine=engine)["value"].tolist(), key=str.casefold)


def add(name: str, value: str, *, label: str | None = None,
        engine: Engine | None = None) -> bool:
    """Add ``value`` to list ``name`` (closed or open); True when it was new. With
    ``label``, also set the text shown for it."""
    spec = vocabulary(name)
    value = normalised(spec.name, value)
    with _changing(engine, f"add a value to {spec.name}") as conn:
        _ensure(conn, spec)
        inserted = conn.execute(text(sql.ADD), {"field": spec.name, "value": value,
                                                "label": (label or "").strip() or None,
                                                "operator": audit.operator_name()}
                                ).scalar_one()
        audit.record("vocab add", spec.name, {"value": value, "label": label},
                     actor=_actor(), connection=conn)
    return bool(inserted)


def close(name: str, *, engine: Engine | None = None) -> VocabList:
    """Close list ``name``: loads then refuse values it does not hold."""
    return _set_closed(name, True, engine)


def reopen(name: str, *, engine: Engine | None = None) -> VocabList:
    """Open list ``name`` again: loads record new values in it."""
    return _set_closed(name, False, engine)


def rename(name: str, old: str, new: str, *, engine: Engine | None = None) -> int:
    """Rename value ``old`` of list ``name`` to ``new``, in the list and in every stored
    row (merging into ``new`` when it exists); returns the rows changed. The stored facts
    change, so this is the operator's (or a role allowed to update them)."""
    spec = vocabulary(name)
    old, new = (old or "").strip(), normalised(spec.name, new)
    if old == new:
        raise InvalidInput(f"{old!r} and {new!r} are the same value.")
    with _changing(engine, f"rename a value of {spec.name}",
                   "renaming rewrites the stored rows, which the operator does") as conn:
        known = conn.execute(text(sql.HAS_VALUE), {"field": spec.name, "value": old}).scalar()
        params = {"field": spec.name, "old": old, "new": new,
                  "operator": audit.operator_name()}
        rows = conn.execute(text(sql.RENAME_ROWS.format(table=spec.table, column=spec.column)),
                            params).rowcount
        if not known and not rows:
            raise InvalidInput(f"{spec.name} has no value {old!r}; `gcrm vocab list "
                               f"{spec.name}` shows its values.")
        _ensure(conn, spec)
        conn.execute(text(sql.RENAME_VALUE), params)
        conn.execute(text(sql.ADD), {"field": spec.name, "value": new, "label": None,
                                     "operator": audit.operator_name()})
        conn.execute(text(sql.DROP_VALUE), {"field": spec.name, "value": old})
        audit.record("vocab rename", spec.name, {"old": old, "new": new, "rows": rows},
                     actor=_actor(), connection=conn)
    return rows


def normalised(name: str, value: str) -> str:
    """``value`` as list ``name`` stores it: spaces tidied, lower case for lists of codes."""
    spec = vocabulary(name)
    value = " ".join((value or "").split())
    if not value:
        raise InvalidInput(f"A {spec.noun[:-1]} cannot be empty.")
    return value.lower() if spec.lowercase else value


def record_loaded(conn: Connection, name: str, *, stage: str, column: str,
                  source: str) -> list[str]:
    """Add to list ``name`` the values a load staged in ``stage.column`` that it lacked
    (inside the load's transaction); returns them."""
    spec = vocabulary(name)
    _ensure(conn, spec)
    query = sql.RECORD_FROM_STAGE.format(stage=stage, column=column)
    return sorted(conn.execute(text(query), {"field": spec.name, "source": source,
                                             "operator": audit.operator_name()}).scalars())


# --- helpers ----------------------------------------------------------------------------------

def _set_closed(name: str, closed: bool, engine: Engine | None) -> VocabList:
    spec = vocabulary(name)
    with _changing(engine, f"{'close' if closed else 'open'} {spec.name}") as conn:
        _ensure(conn, spec)
        conn.execute(text(sql.SET_CLOSED), {"field": spec.name, "closed": closed,
                                            "operator": audit.operator_name()})
        audit.record("vocab close" if closed else "vocab open", spec.name, actor=_actor(),
                     connection=conn)
        return lists([spec.name], connection=conn)[spec.name]


def _ensure(conn: Connection, spec: Vocabulary) -> None:
    conn.execute(text(sql.ENSURE), {"field": spec.name, "description": spec.description})


def _actor() -> str | None:
    return get_settings().user  # None: the operator (audit names them)


@contextmanager
def _changing(engine: Engine | None, what: str,
              who: str = "the company's lists are changed by an admin (or the operator)"
              ) -> Iterator[Connection]:
    """A transaction on ``engine`` whose refusal by the database reads as a person's."""
    try:
        with (engine or get_engine()).begin() as conn:
            yield conn
    except DBAPIError as exc:
        if isinstance(exc.orig, InsufficientPrivilege):
            raise PermissionDenied(f"Your gcrm role may not {what}: {who}.") from None
        raise
