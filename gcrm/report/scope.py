"""Which region a report is about, and whether the user may have it: a manager's report
covers one of their regions or a region inside one; anything wider or elsewhere is
refused (the database's row-level security would only show part of it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from gcrm.errors import InvalidInput, PermissionDenied
from gcrm.report import sql


@dataclass(frozen=True)
class RegionRef:
    id: int
    level: str
    code: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.level}:{self.code}"


def resolve(conn: Connection, given: str, level: str | None = None) -> RegionRef:
    """The region ``given`` as 'code' or 'level:code' (``level`` when codes repeat)."""
    given = given.strip()
    if not given:
        raise InvalidInput("A region code is empty; write e.g. --region 42 or "
                           "--region county:42003.")
    code = given
    if ":" in given:
        level, code = (part.strip() for part in given.split(":", 1))
    rows = conn.execute(text(sql.FIND_REGION), {"code": code, "level": level}).all()
    if not rows:
        where = f" at level {level!r}" if level else ""
        raise InvalidInput(f"No region with code {code!r}{where}; `gcrm regions levels` "
                           "lists the levels and `gcrm regions children` their regions.")
    if len(rows) > 1:
        levels = ", ".join(r.level for r in rows)
        raise InvalidInput(f"Code {code!r} exists at levels {levels}: write level:code "
                           f"(e.g. {rows[0].level}:{code}) or give --level.")
    row = rows[0]
    return RegionRef(int(row.id), row.level, row.code, row.name or row.code)


def check(conn: Connection, region: RegionRef) -> None:
    """Refuse a region outside the user's regions (managers); others may have any."""
    scope = conn.execute(text(sql.SCOPE)).one()
    if scope.sees_all:
        return
    mine = set(scope.scope_ids or ())
    chain = {int(r.id) for r in conn.execute(text(sql.REGION_AND_ANCESTORS),
                                             {"id": region.id})}
    if mine & chain:
        return
    names = list(conn.execute(text(sql.SCOPE_NAMES), {"ids": list(mine)}).scalars())
    yours = ", ".join(names) if names else "none"
    raise PermissionDenied(
        f"{region.name} ({region.key}) is outside your regions ({yours}): a report covers "
        "one of your regions or a region inside one. Ask an admin to widen your regions.")


def sub_level(conn: Connection, level: str, by: str | None) -> str | None:
    """The level the map divides ``level`` into: ``by`` (a level below ``level``), else the
    next boundary level down; None at the finest level."""
    levels = {r.name: r for r in conn.execute(text(sql.LEVELS))}
    if by is None:
        below = sorted(r.name for r in levels.values()
                       if r.parent_level == level and r.kind == levels[level].kind)
        return below[0] if below else None
    if by not in levels:
        raise InvalidInput(f"Unknown level {by!r}; loaded levels: "
                           f"{', '.join(sorted(levels))}.")
    parent = levels[by].parent_level
    while parent is not None and parent != level:
        parent = levels[parent].parent_level if parent in levels else None
    if parent != level:
        raise InvalidInput(f"Level {by!r} is not inside {level!r}: choose a level below it "
                           "(`gcrm regions levels`).")
    return by
