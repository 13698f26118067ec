"""The cost-to-serve rates: read them (with which case types and channels have no rate of
their own and take the default), set and reset one.

Reading is for every gcrm role; changing a rate is for admins and the operator (the
database's grants decide, migration 0024). Changes are audited, and mark the cube for a
full build (a trigger on ``cost_rates``): figures follow at the next ``gcrm cube build``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

import pandas as pd
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from gcrm import audit
from gcrm.config import get_settings
from gcrm.costs import sql
from gcrm.db.engine import get_engine
from gcrm.errors import InvalidInput, PermissionDenied

# kind -> what it prices (for messages) and the list its items come from (gcrm.vocab).
KINDS = {"case": ("a service case of a type", "case_type"),
         "contact": ("a contact through a channel", "interaction_channel")}
DEFAULT = "*"  # the item whose rate any case type or channel without its own takes
# Placeholder rates a new database starts with (migration 0024 seeds the same, without
# importing this: tests/integration/test_cost_to_serve.py checks they are equal): the admin
# should set the company's own. '*' also stands in if its row is ever deleted.
DEFAULTS = {
    ("case", "*"): Decimal("25.00"), ("case", "complaint"): Decimal("60.00"),
    ("case", "return"): Decimal("40.00"), ("case", "repair"): Decimal("45.00"),
    ("case", "request"): Decimal("15.00"), ("case", "other"): Decimal("20.00"),
    ("contact", "*"): Decimal("2.00"), ("contact", "phone"): Decimal("4.00"),
    ("contact", "email"): Decimal("1.00"), ("contact", "web"): Decimal("0.50"),
    ("contact", "visit"): Decimal("40.00"), ("contact", "kiosk"): Decimal("1.00"),
    ("contact", "mail"): Decimal("1.50"), ("contact", "sms"): Decimal("0.25"),
}
MAX_RATE = Decimal("9999999999.99")  # numeric(12, 2)
COLUMNS = ["kind", "item", "rate", "defaulted", "changed_by", "changed_at"]


def effective(conn: Connection) -> list[tuple[str, str, Decimal]]:
    """The rates a build prices facts with: every row, and each kind's '*' (its row, or
    the placeholder default if that row is gone)."""
    rows = {(k, i): r for k, i, r, *_ in conn.execute(text(sql.RATES))}
    for kind in KINDS:
        rows.setdefault((kind, DEFAULT), DEFAULTS[(kind, DEFAULT)])
    return [(kind, item, rate) for (kind, item), rate in sorted(rows.items())]


def rates(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every rate: kind, item, rate, defaulted (True: the case type or channel has no rate
    of its own and takes its kind's '*'), changed_by, changed_at. Lists each case type and
    interaction channel the company's lists hold, and each '*'."""
    with (engine or get_engine()).connect() as conn:
        stored = {(r.kind, r.item): r for r in conn.execute(text(sql.RATES))}
        items = conn.execute(text(sql.ITEMS)).all()
        default = dict(((k, i), r) for k, i, r in effective(conn) if i == DEFAULT)
    rows = []
    for kind in KINDS:
        names = {i for k, i in items if k == kind} | {i for k, i in stored if k == kind}
        for item in [DEFAULT, *sorted(names - {DEFAULT}, key=str.casefold)]:
            row = stored.get((kind, item))
            if row is not None:
                rows.append((kind, item, row.rate, False, row.changed_by, row.changed_at))
            else:
                rows.append((kind, item, default[(kind, DEFAULT)], item != DEFAULT, None, None))
    return pd.DataFrame(rows, columns=COLUMNS)


def set_rate(kind: str, item: str, rate, *, engine: Engine | None = None) -> Decimal | None:
    """Set what one ``kind`` ('case' or 'contact') of ``item`` (a case type or channel the
    company lists, or '*' for any without a rate) costs; returns the rate it had (None:
    it took the default). Refused, with nothing changed: an unknown kind or item, a rate
    that is not a number of dollars and cents, negative or too large."""
    kind, item = _kind(kind), (item or "").strip().lower()
    value = _rate(rate)
    with _changing(engine, f"set the cost of {KINDS[kind][0]}") as conn:
        _known(conn, kind, item)
        was = conn.execute(text(sql.RATE), {"kind": kind, "item": item}).scalar()
        conn.execute(text(sql.SET), {"kind": kind, "item": item, "rate": value,
                                     "operator": audit.operator_name()})
        audit.record("cost rate set", f"{kind}:{item}",
                     {"rate": str(value), "was": None if was is None else str(was)},
                     actor=_actor(), connection=conn)
    return was


def reset_rate(kind: str, item: str, *, engine: Engine | None = None) -> Decimal:
    """Put ``item``'s rate back to the placeholder a new database starts with; a case type
    or channel without one loses its own rate and takes its kind's '*'. Returns the rate
    it has now."""
    kind, item = _kind(kind), (item or "").strip().lower()
    with _changing(engine, f"reset the cost of {KINDS[kind][0]}") as conn:
        _known(conn, kind, item)
        was = conn.execute(text(sql.RATE), {"kind": kind, "item": item}).scalar()
        if (kind, item) in DEFAULTS:
            now = DEFAULTS[(kind, item)]
            conn.execute(text(sql.SET), {"kind": kind, "item": item, "rate": now,
                                         "operator": audit.operator_name()})
        else:
            conn.execute(text(sql.DELETE), {"kind": kind, "item": item})
            now = dict(((k, i), r) for k, i, r in effective(conn))[(kind, DEFAULT)]
        audit.record("cost rate reset", f"{kind}:{item}",
                     {"rate": str(now), "was": None if was is None else str(was)},
                     actor=_actor(), connection=conn)
    return now


# --- checks -----------------------------------------------------------------------------------

def _kind(kind: str) -> str:
    kind = (kind or "").strip().lower()
    if kind not in KINDS:
        raise InvalidInput(f"Unknown kind {kind!r}: rates are per case (by case type) or per "
                           "contact (by channel); use 'case' or 'contact'.")
    return kind


def _rate(rate) -> Decimal:
    shown = str(rate).strip().removeprefix("$").replace(",", "")
    try:
        value = Decimal(shown)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"A rate is an amount in dollars from 0 to {MAX_RATE:,}, e.g. 25 "
                           f"or 12.50; {rate!r} is not a number.") from None
    if not value.is_finite():
        raise InvalidInput(f"A rate is an amount in dollars from 0 to {MAX_RATE:,}, e.g. 25 "
                           f"or 12.50; {rate!r} is not one.")
    # The range before the cents: quantizing a huge number (1e30) is itself an error.
    if value < 0:
        raise InvalidInput(f"A rate cannot be negative ({rate}): it is what serving costs; "
                           f"0 means free. A rate is from 0 to {MAX_RATE:,} dollars.")
    if value > MAX_RATE:
        raise InvalidInput(f"A rate of {rate} is too large: a rate is from 0 to "
                           f"{MAX_RATE:,} dollars.")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"A rate is in dollars and cents: {rate} has more than two "
                           "decimals.")
    return value.quantize(Decimal("0.01")) + 0  # + 0: '-0' is 0.00, not -0.00


def _known(conn: Connection, kind: str, item: str) -> None:
    if item == DEFAULT:
        return
    known = sorted(i for k, i in conn.execute(text(sql.ITEMS)) if k == kind)
    if item not in known:
        field = KINDS[kind][1]
        raise InvalidInput(
            f"No {field.replace('_', ' ')} {item!r} in the company's list; known: "
            f"{', '.join(known) or 'none'} (or '*' for any without a rate of its own). "
            f"`gcrm vocab add {field} {item}` adds it to the list.")


def _actor() -> str | None:
    return get_settings().user  # None: the operator (audit names them)


@contextmanager
def _changing(engine: Engine | None, what: str) -> Iterator[Connection]:
    """A transaction on ``engine`` whose refusal by the database reads as a person's."""
    try:
        with (engine or get_engine()).begin() as conn:
            yield conn
    except DBAPIError as exc:
        if isinstance(exc.orig, InsufficientPrivilege):
            raise PermissionDenied(f"Your gcrm role may not {what}: cost-to-serve rates are "
                                   "set by an admin (or the operator).") from None
        raise
