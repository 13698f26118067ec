"""When a territory plan is applied, open cases follow their accounts to the new owner."""

from __future__ import annotations

from sqlalchemy import Connection, text

from gcrm.routing import sql


def cases_follow(conn: Connection, moved: list[tuple[int, int | None, int]]) -> list[int]:
    """Give each open case of a moved account (account, owner before, owner now) that its
    owner before held to the owner now; cases in a team member's or a queue's hands stay.
    Returns the cases moved."""
    if not moved:
        return []
    accounts, before, after = (list(column) for column in zip(*moved, strict=True))
    return list(conn.execute(text(sql.FOLLOW), {"accounts": accounts, "before": before,
                                                "after": after}).scalars())
