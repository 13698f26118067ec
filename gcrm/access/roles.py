"""The five roles: what each may see and do. The database enforces the data side (grants,
row-level security, masked views, see the 0004 migration); this table drives the UI."""

from __future__ import annotations

from dataclasses import dataclass

from gcrm.errors import GcrmError


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    sees_pii: bool  # names, emails, phones, street addresses, notes, exact points
    all_regions: bool  # False: only the regions given to the user (managers)
    pages: tuple[str, ...]  # dashboard pages, by key
    actions: tuple[str, ...]  # things the UI offers beyond reading


ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role("admin", "Runs gcrm: users, audit log, data quality, every page.", True, True,
             ("home", "overview", "customers", "cube", "territories", "tradeareas", "visits",
              "routing", "data", "users", "audit", "system"),
             ("export", "export_contacts", "erase", "apply_territories", "build_trade_areas",
              "campaigns")),
        Role("analyst", "Slices and exports the regional cube; sees no personal data.",
             False, True, ("home", "overview", "cube", "data"), ("export",)),
        Role("marketer", "Trade areas, target lists and campaigns, with consent.", True, True,
             ("home", "overview", "customers", "cube", "tradeareas"),
             ("export", "export_contacts", "build_trade_areas", "campaigns")),
        Role("planner", "Territories and rep workloads; sees no personal data.", False, True,
             ("home", "overview", "customers", "cube", "territories", "visits"),
             ("export", "apply_territories")),
        Role("manager", "One or more regions (and all inside them), with their customers.",
             True, False, ("home", "overview", "customers", "cube", "visits"), ("export",)),
    )
}


def role(name: str) -> Role:
    try:
        return ROLES[name]
    except KeyError:
        raise GcrmError(f"Unknown role {name!r}; choose from {', '.join(ROLES)}.") from None
