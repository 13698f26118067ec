"""The CRM schema: SQLAlchemy 2 models with PostGIS geometry columns.

Conventions: geometry columns are called ``geom`` and stored in EPSG:4326,
each with a GiST index; facts that come from other systems carry
``(source, external_id)``, unique together, so reloading a file is idempotent;
CHECK constraints reject values that cannot be true. Every schema change goes
through an Alembic migration in ``gcrm/db/migrations`` (``gcrm db revision``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ACCOUNT_KINDS = ("person", "business")
ACCOUNT_STATUSES = ("prospect", "customer", "churned")
GEOCODE_PRECISIONS = ("provided", "rooftop", "interpolated", "postcode", "city", "none")
# The case types and interaction channels a database starts with: the company's own lists
# live in vocabulary_values (migration 0017, gcrm.vocab) and may grow.
CASE_TYPES = ("complaint", "return", "request", "repair", "other")
CASE_STATUSES = ("open", "pending", "closed")
INTERACTION_CHANNELS = ("phone", "email", "web", "visit", "kiosk", "mail", "sms")
TRADE_AREA_METHODS = ("ring", "drivetime", "customers", "voronoi", "huff")
USER_ROLES = ("admin", "analyst", "marketer", "planner", "manager")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _point(nullable: bool = True) -> Any:
    return mapped_column(
        Geometry("POINT", srid=4326, spatial_index=True), nullable=nullable
    )


def _multipolygon(nullable: bool = True) -> Any:
    return mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=nullable
    )


def _valid_geom(name: str = "geom") -> CheckConstraint:
    return CheckConstraint(f"{name} IS NULL OR ST_IsValid({name})", name=f"{name}_valid")


def _valid_point(name: str = "geom") -> CheckConstraint:
    return CheckConstraint(
        f"{name} IS NULL OR (ST_IsValid({name}) AND NOT ST_IsEmpty({name}) "
        f"AND ST_X({name}) BETWEEN -180 AND 180 AND ST_Y({name}) BETWEEN -90 AND 90)",
        name=f"{name}_valid_lonlat",
    )


def _created() -> Any:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Rep(Base):
    """A sales representative with a home base and a workload capacity."""

    __tablename__ = "reps"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        _valid_point("home_geom"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(Text, server_default="manual")
    external_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    home_geom = _point()
    capacity: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[dt.datetime] = _created()


class Account(Base):
    """A customer, prospect or former customer: a person or a business."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint(_in("kind", ACCOUNT_KINDS), name="kind_known"),
        CheckConstraint(_in("status", ACCOUNT_STATUSES), name="status_known"),
        CheckConstraint(
            f"geocode_precision IS NULL OR {_in('geocode_precision', GEOCODE_PRECISIONS)}",
            name="geocode_precision_known",
        ),
        CheckConstraint(
            "geocode_score IS NULL OR geocode_score BETWEEN 0 AND 1", name="geocode_score_0_1"
        ),
        CheckConstraint(
            "churned_at IS NULL OR customer_since IS NULL OR churned_at >= customer_since",
            name="churn_after_start",
        ),
        _valid_point(),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, server_default="person")
    status: Mapped[str] = mapped_column(Text, server_default="prospect")
    segment: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    geom = _point()
    # geom snapped to 0.01 degree, as roles without personal data see it (migration 0027)
    geom_masked = mapped_column(Geometry("POINT", srid=4326, spatial_index=True),
                                Computed("ST_SnapToGrid(geom, 0.01)", persisted=True))
    geocode_precision: Mapped[str | None] = mapped_column(Text)
    geocode_score: Mapped[float | None] = mapped_column(Float)
    geocode_source: Mapped[str | None] = mapped_column(Text)
    owner_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("reps.id", ondelete="SET NULL"), index=True
    )
    # a lead no routing rule gave a rep waits in a queue (migration 0029)
    queue: Mapped[str | None] = mapped_column(
        ForeignKey("work_queues.name", onupdate="CASCADE"))
    customer_since: Mapped[dt.date | None] = mapped_column(Date)
    churned_at: Mapped[dt.date | None] = mapped_column(Date)
    consent_email: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    consent_phone: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    consent_sms: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    consent_mail: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()


class Sale(Base):
    """One order line: what an account bought, when, through which channel."""

    __tablename__ = "sales"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    order_date: Mapped[dt.date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    quantity: Mapped[int] = mapped_column(Integer, server_default="1")
    product_category: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(Text)


class ServiceCase(Base):
    """A service case: complaint, return, request or repair, with its outcome."""

    __tablename__ = "service_cases"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint(_in("status", CASE_STATUSES), name="status_known"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_1_5"
        ),
        CheckConstraint(
            "closed_at IS NULL OR closed_at >= opened_at", name="closed_after_opened"
        ),
        CheckConstraint("owner_rep_id IS NULL OR queue IS NULL", name="one_owner"),
        CheckConstraint("first_response_at IS NULL OR first_response_at >= opened_at",
                        name="answered_after_opened"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    case_type: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="open")
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    # routing (migration 0029): a rep or a queue owns the case, never both
    owner_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("reps.id", ondelete="SET NULL"), index=True)
    queue: Mapped[str | None] = mapped_column(
        ForeignKey("work_queues.name", onupdate="CASCADE"))
    routing_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_rules.id", ondelete="SET NULL"))
    routed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Interaction(Base):
    """One contact with an account: a call, an email, a visit, a web or kiosk session."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(Text)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # The notes, encrypted with pgcrypto when a key is configured (notes is then NULL).
    notes_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)


class Region(Base):
    """An area at one level of a hierarchy (state, county, ZIP area, H3 cell, ...)."""

    __tablename__ = "regions"
    __table_args__ = (
        UniqueConstraint("level", "code"),
        CheckConstraint("population IS NULL OR population >= 0", name="population_not_negative"),
        CheckConstraint("households IS NULL OR households >= 0", name="households_not_negative"),
        _valid_geom(),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    level: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="SET NULL"), index=True
    )
    geom = _multipolygon(nullable=False)
    population: Mapped[int | None] = mapped_column(BigInteger)
    households: Mapped[int | None] = mapped_column(BigInteger)
    context: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class TerritoryScenario(Base):
    """A named territory plan: how regions of one level are grouped among reps."""

    __tablename__ = "territory_scenarios"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    applied_by: Mapped[str | None] = mapped_column(Text)
    applied_accounts: Mapped[int | None] = mapped_column(BigInteger)  # changed owner


class Territory(Base):
    """One territory of a scenario, its rep and (once built) its outline."""

    __tablename__ = "territories"
    __table_args__ = (UniqueConstraint("scenario_id", "code"), _valid_geom())

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("territory_scenarios.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"))
    geom = _multipolygon()


class TerritoryArea(Base):
    """Which territory each region belongs to within a scenario."""

    __tablename__ = "territory_areas"
    __table_args__ = (UniqueConstraint("scenario_id", "region_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("territory_scenarios.id", ondelete="CASCADE")
    )
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    locked: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Site(Base):
    """A store or branch: a point with an attractiveness for trade-area models."""

    __tablename__ = "sites"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint("attractiveness > 0", name="attractiveness_positive"),
        _valid_point(),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, server_default="store")
    street: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text)
    geom = _point(nullable=False)
    attractiveness: Mapped[float] = mapped_column(Float, server_default="1")
    opened_on: Mapped[dt.date | None] = mapped_column(Date)


class TradeAreaBuild(Base):
    """One run of ``gcrm tradearea build``: a named set of trade areas by one method."""

    __tablename__ = "trade_area_builds"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint(_in("method", TRADE_AREA_METHODS), name="method_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()


class TradeArea(Base):
    """The area a site draws from, by one method with its parameters; ``band`` names the
    ring, share or minutes (``3 km``, ``60%``, ``10 min``); ``figures`` holds what was
    measured in it when it was built (customers, penetration, revenue, share, overlap)."""

    __tablename__ = "trade_areas"
    __table_args__ = (
        UniqueConstraint("build_id", "site_id", "band"),
        CheckConstraint(_in("method", TRADE_AREA_METHODS), name="method_known"),
        _valid_geom(),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    build_id: Mapped[int] = mapped_column(
        ForeignKey("trade_area_builds.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(Text)
    band: Mapped[str] = mapped_column(Text, server_default="")
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    figures: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    geom = _multipolygon(nullable=False)
    created_at: Mapped[dt.datetime] = _created()


class HuffProbability(Base):
    """The Huff model of a build: how likely a region's people are to use each site."""

    __tablename__ = "huff_probabilities"
    __table_args__ = (
        CheckConstraint("probability BETWEEN 0 AND 1", name="probability_0_1"),
        Index("ix_huff_probabilities_build_id_site_id", "build_id", "site_id"),
    )

    build_id: Mapped[int] = mapped_column(
        ForeignKey("trade_area_builds.id", ondelete="CASCADE"), primary_key=True)
    region_id: Mapped[int] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    probability: Mapped[float] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float)


class RoadNode(Base):
    """A junction or dead end of a loaded road network (``gcrm roads load``)."""

    __tablename__ = "road_nodes"

    network: Mapped[str] = mapped_column(Text, primary_key=True)
    node: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    geom = _point(nullable=False)


class RoadEdge(Base):
    """A drivable road piece between two nodes, with its travel time each way
    (``reverse_seconds`` NULL: one-way)."""

    __tablename__ = "road_edges"
    __table_args__ = (
        CheckConstraint("seconds > 0", name="seconds_positive"),
        Index("ix_road_edges_network", "network"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    network: Mapped[str] = mapped_column(Text)
    source: Mapped[int] = mapped_column(BigInteger)
    target: Mapped[int] = mapped_column(BigInteger)
    length_m: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    reverse_seconds: Mapped[float | None] = mapped_column(Float)
    highway: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True),
                         nullable=False)


class Campaign(Base):
    """A marketing campaign and the filters that built its target list."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint(_in("channel", INTERACTION_CHANNELS), name="channel_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()


class CampaignMember(Base):
    """An account targeted by a campaign, and whether it responded."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[dt.datetime] = _created()
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    response: Mapped[str | None] = mapped_column(Text)
    # the member's churn risk and band when targeted (migration 0023)
    risk: Mapped[float | None] = mapped_column(Float)
    risk_band: Mapped[str | None] = mapped_column(Text)


class GeocodeCache(Base):
    """Geocoding results keyed by the normalised address, so unchanged addresses are free."""

    __tablename__ = "geocode_cache"
    __table_args__ = (
        CheckConstraint(_in("precision", GEOCODE_PRECISIONS), name="precision_known"),
        CheckConstraint("score BETWEEN 0 AND 1", name="score_0_1"),
        _valid_point(),
    )

    address_key: Mapped[str] = mapped_column(Text, primary_key=True)
    geom = _point()
    precision: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    matched: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = _created()


class AuditLog(Base):
    """Who did what, when: sign-ins, exports, applies, erasures, role changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class LoadRun(Base):
    """One `gcrm load` of one file: what was read, written and rejected."""

    __tablename__ = "load_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = _created()
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    read: Mapped[int] = mapped_column(Integer, server_default="0")
    inserted: Mapped[int] = mapped_column(Integer, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, server_default="0")
    geocoded: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class LoadReject(Base):
    """A row a load refused, with the reason, so it can be fixed and loaded again."""

    __tablename__ = "load_rejects"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("load_runs.id", ondelete="CASCADE"), index=True)
    line: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    row: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class RefAddress(Base):
    """A reference address point (OpenAddresses-style) for offline geocoding."""

    __tablename__ = "ref_addresses"
    __table_args__ = (
        _valid_point(),
        Index("ix_ref_addresses_postcode_street_number", "postcode", "street", "number"),
        Index("ix_ref_addresses_city_street_number", "city", "region", "street", "number"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(Text)
    number_int: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str] = mapped_column(Text)  # normalised, e.g. "N MAIN ST"
    unit: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)  # normalised
    district: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text)
    geom = _point(nullable=False)


class RefStreet(Base):
    """Distinct streets of the address reference per postcode/city (for fuzzy matching)."""

    __tablename__ = "ref_streets"
    __table_args__ = (
        Index("ix_ref_streets_postcode_street", "postcode", "street"),
        Index("ix_ref_streets_city_region_street", "city", "region", "street"),
        Index(
            "ix_ref_streets_street_trgm", "street",
            postgresql_using="gin", postgresql_ops={"street": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    street: Mapped[str] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text)
    addresses: Mapped[int] = mapped_column(Integer)


class RefPostcode(Base):
    """A postcode centroid for offline geocoding."""

    __tablename__ = "ref_postcodes"
    __table_args__ = (_valid_point(),)

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    city: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    population: Mapped[int | None] = mapped_column(BigInteger)
    geom = _point(nullable=False)


class RefPlace(Base):
    """A named place (city, town) centroid for offline geocoding."""

    __tablename__ = "ref_places"
    __table_args__ = (_valid_point(), Index("ix_ref_places_name_region", "name", "region"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)  # normalised
    region: Mapped[str | None] = mapped_column(Text)
    population: Mapped[int | None] = mapped_column(BigInteger)
    geom = _point(nullable=False)


class RegionLevel(Base):
    """A level of a region hierarchy (state > county > zip, or h3_5 > h3_7 > h3_9)."""

    __tablename__ = "region_levels"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    parent_level: Mapped[str | None] = mapped_column(
        ForeignKey("region_levels.name", ondelete="SET NULL")
    )
    depth: Mapped[int] = mapped_column(Integer, server_default="0")
    kind: Mapped[str] = mapped_column(Text, server_default="boundary")
    source: Mapped[str | None] = mapped_column(Text)
    loaded_at: Mapped[dt.datetime] = _created()


class RegionPart(Base):
    """Regions cut into small pieces (ST_Subdivide) so point-in-polygon joins stay fast."""

    __tablename__ = "region_parts"
    __table_args__ = (Index("ix_region_parts_level", "level"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(Text)
    geom = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=True), nullable=False)


class RegionAssignment(Base):
    """Which region of a level an account, site or rep lies in (region_id NULL: in none).

    Derived data, rebuilt by ``gcrm regions assign``; loading a level clears its rows, so
    no foreign key is checked on the million-row writes.
    """

    __tablename__ = "region_assignments"
    __table_args__ = (
        CheckConstraint("entity IN ('account', 'site', 'rep')", name="entity_known"),
        # "What lies in region X" (any level: region ids are unique across levels); also
        # how row-level security finds a manager's accounts.
        Index("ix_region_assignments_region", "region_id", "entity", "entity_id"),
    )

    entity: Mapped[str] = mapped_column(Text, primary_key=True)
    entity_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    level: Mapped[str] = mapped_column(Text, primary_key=True)
    region_id: Mapped[int | None] = mapped_column(BigInteger)
    assigned_at: Mapped[dt.datetime] = _created()


class AppUser(Base):
    """A person who signs in to gcrm, with one role; a manager is scoped to regions.

    Each user has a PostgreSQL role of their own (``pg_role``); gcrm's queries for a user
    run as that role, so row-level security and column privileges hold in the database.
    """

    __tablename__ = "app_users"
    __table_args__ = (
        CheckConstraint(_in("role", USER_ROLES), name="role_known"),
        CheckConstraint("username ~ '^[a-z][a-z0-9_]{0,39}$'", name="username_simple"),
        # Also a unique index on lower(email) (migration 0006): single sign-on maps an
        # email to one user only. Not declared here: autogenerate cannot compare
        # expression indexes.
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(Text, unique=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    pg_role: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()


class UserRegion(Base):
    """A region a manager may see (with everything inside it, at every finer level)."""

    __tablename__ = "user_regions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_users.id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[int] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True
    )


# --- the regional cube (gcrm/cube): month cells per region, rebuilt by `gcrm cube build` ---
# Every cube table is keyed by (level, dim, member, region_id, month): ``dim`` names the
# one dimension a cell is split by ('*' for none: the region's total) and ``member`` its
# value ('*' with dim '*'; '(none)' for facts without a value). Quarters, years and fiscal
# years are added up from months when queried. Derived data: no foreign keys.

class CubeSales(Base):
    """Sales per region, month and one split (segment, status, category or channel)."""

    __tablename__ = "cube_sales"

    level: Mapped[str] = mapped_column(Text, primary_key=True)
    dim: Mapped[str] = mapped_column(Text, primary_key=True)
    member: Mapped[str] = mapped_column(Text, primary_key=True)
    region_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    revenue: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    orders: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    buyers: Mapped[int] = mapped_column(BigInteger)  # distinct accounts with an order


class CubeService(Base):
    """Service cases per region, month (opened) and one split (segment or status)."""

    __tablename__ = "cube_service"

    level: Mapped[str] = mapped_column(Text, primary_key=True)
    dim: Mapped[str] = mapped_column(Text, primary_key=True)
    member: Mapped[str] = mapped_column(Text, primary_key=True)
    region_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cases: Mapped[int] = mapped_column(BigInteger)
    complaints: Mapped[int] = mapped_column(BigInteger)
    rated: Mapped[int] = mapped_column(BigInteger)  # cases with a satisfaction score
    satisfaction_sum: Mapped[int] = mapped_column(BigInteger)
    case_accounts: Mapped[int] = mapped_column(BigInteger)  # distinct accounts with a case


class CubeCustomers(Base):
    """Customers per region and month (split by segment): at the start and end of the
    month, won and lost during it."""

    __tablename__ = "cube_customers"

    level: Mapped[str] = mapped_column(Text, primary_key=True)
    dim: Mapped[str] = mapped_column(Text, primary_key=True)
    member: Mapped[str] = mapped_column(Text, primary_key=True)
    region_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    customers_start: Mapped[int] = mapped_column(BigInteger)
    customers_end: Mapped[int] = mapped_column(BigInteger)
    new_customers: Mapped[int] = mapped_column(BigInteger)
    churned_customers: Mapped[int] = mapped_column(BigInteger)


class CubeAccounts(Base):
    """Accounts per region as they are now (split by segment or status)."""

    __tablename__ = "cube_accounts"

    level: Mapped[str] = mapped_column(Text, primary_key=True)
    dim: Mapped[str] = mapped_column(Text, primary_key=True)
    member: Mapped[str] = mapped_column(Text, primary_key=True)
    region_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    accounts: Mapped[int] = mapped_column(BigInteger)
    customers_now: Mapped[int] = mapped_column(BigInteger)
    prospects: Mapped[int] = mapped_column(BigInteger)


class CubePlaces(Base):
    """Each account's segment, status and region at every cube level (in the order of
    ``gcrm.cube.build``'s levels), as the last full build saw them: what an incremental
    build reads instead of every assignment. Only the build reads it (no grants)."""

    __tablename__ = "cube_places"

    account_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    segment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    region_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))


class RegionVisibility(Base):
    """Region ``region_id`` holds only accounts inside region ``scope_id`` (or is it): a
    manager of the scope may see its cube cells. Rebuilt with the cube."""

    __tablename__ = "region_visibility"

    scope_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    region_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class CubeBuild(Base):
    """One run of `gcrm cube build`: when, what and how long."""

    __tablename__ = "cube_builds"
    __table_args__ = (CheckConstraint("kind IN ('full', 'incremental')", name="kind_known"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = _created()
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    seconds: Mapped[float | None] = mapped_column(Float)
    months: Mapped[list[dt.date] | None] = mapped_column(ARRAY(Date))  # rebuilt; NULL: all
    first_month: Mapped[dt.date | None] = mapped_column(Date)
    last_month: Mapped[dt.date | None] = mapped_column(Date)
    source_rows: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    cells: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    note: Mapped[str | None] = mapped_column(Text)


class CubeDirtyMonth(Base):
    """Months whose facts changed since the last build (kept by triggers on the facts;
    month '-infinity' means everything, after a TRUNCATE)."""

    __tablename__ = "cube_dirty_months"

    family: Mapped[str] = mapped_column(Text, primary_key=True)  # sales | service
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)


# --- basemap ---
class Basemap(Base):
    """A loaded base map (an OpenStreetMap extract, the demo's streets...): its source and
    how many features each layer holds. No personal data: every user may read it."""

    __tablename__ = "basemaps"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    attribution: Mapped[str | None] = mapped_column(Text)  # shown on the maps
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())
    features: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class BasemapFeature(Base):
    """One feature of a base map: a road, place, water body or building, drawn in tiles
    from zoom ``min_zoom`` on."""

    __tablename__ = "basemap_features"
    __table_args__ = (
        CheckConstraint("layer IN ('roads', 'places', 'water', 'buildings')",
                        name="layer_known"),
        CheckConstraint("min_zoom BETWEEN 0 AND 22", name="min_zoom_range"),
        Index("ix_basemap_features_basemap", "basemap"),
        # Zoomed-out tiles read these smaller indexes: only the features drawn there.
        Index("ix_basemap_features_geom_z10", "geom", postgresql_using="gist",
              postgresql_where=text("min_zoom <= 10")),
        Index("ix_basemap_features_geom_z13", "geom", postgresql_using="gist",
              postgresql_where=text("min_zoom <= 13")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    basemap: Mapped[str] = mapped_column(
        Text, ForeignKey("basemaps.name", ondelete="CASCADE", onupdate="CASCADE"))
    layer: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, server_default="")
    name: Mapped[str | None] = mapped_column(Text)
    min_zoom: Mapped[int] = mapped_column(SmallInteger)
    geom = mapped_column(Geometry(srid=4326, spatial_index=True), nullable=False)


# --- cost to serve (issue 21; migration 0024, gcrm.costs, gcrm.cube) --- cost-to-serve

class CostRate(Base):
    """What one service case of a type (kind 'case') or one contact through a channel
    (kind 'contact') costs; item '*' is the rate of any type or channel without a row.
    Everyone reads it, admins change it (audited; the cube's next build is a full one)."""

    __tablename__ = "cost_rates"
    __table_args__ = (
        CheckConstraint("kind IN ('case', 'contact')", name="kind_known"),
        CheckConstraint("item <> ''", name="item_not_empty"),
        CheckConstraint("rate >= 0", name="rate_not_negative"),
    )

    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    item: Mapped[str] = mapped_column(Text, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    changed_by: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = _created()


class AccountMargin(Base):
    """One account's revenue and cost to serve in one month with a sale, case or contact
    (written by the cube build). Row-level security as the facts."""

    __tablename__ = "account_margins"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True, index=True)
    revenue: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    cost_to_serve: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class CubeCost(Base):
    """Cost to serve (cases, of which returns, and contacts), margin and accounts served
    per region, month and one split (segment or status)."""

    __tablename__ = "cube_cost"

    level: Mapped[str] = mapped_column(Text, primary_key=True)
    dim: Mapped[str] = mapped_column(Text, primary_key=True)
    member: Mapped[str] = mapped_column(Text, primary_key=True)
    region_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cost_to_serve: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    case_cost: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    return_cost: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    contact_cost: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    margin: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    served_accounts: Mapped[int] = mapped_column(BigInteger)


# --- vocabularies (issue 18, part 7) ---
class Vocabulary(Base):
    """One of the company's picklists (case types, channels, segments, ...); a closed one
    refuses values it does not hold."""

    __tablename__ = "vocabularies"

    field: Mapped[str] = mapped_column(Text, primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    closed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    changed_by: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = _created()


class VocabularyValue(Base):
    """A value of a picklist: seeded by the migration, added by an admin or seen in a load."""

    __tablename__ = "vocabulary_values"
    __table_args__ = (
        CheckConstraint("origin IN ('seed', 'admin', 'load')", name="origin_known"),
        CheckConstraint("value <> ''", name="value_not_empty"),
    )

    field: Mapped[str] = mapped_column(
        ForeignKey("vocabularies.field", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    label: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(Text, server_default="admin")
    added_by: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = _created()


# --- web sessions (issue 18, part 4) ---

class WebSession(Base):
    """One sign-in in one browser: the browser keeps a random token in an HTTP-only cookie,
    the database its SHA-256 hash only. Valid until ``expires_at`` unless ended (sign-out,
    the user disabled). ``handoff_hash``: the one-time code the browser trades for the
    cookie right after signing in (cleared once traded). Operator-only (migration 0016)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str | None] = mapped_column(Text, unique=True)
    handoff_hash: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[dt.datetime] = _created()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ended_reason: Mapped[str | None] = mapped_column(Text)


# --- derived privacy (issue 19, part B) ---

class PrivacyKey(Base):
    """Secret keys the database keeps for privacy, operator-only (migration 0019):
    ``erased_id`` keys the hash that replaces an erased account's source id
    (``gcrm_erased_id(source, external_id)``), so a reload finds the erased account again
    and nobody without the key can test a guessed email against it. Keep it: a new key
    would let a reload bring back everyone erased before."""

    __tablename__ = "privacy_keys"

    purpose: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = _created()


# A load asks once whether its source has erased accounts (gcrm.ingest.sql.ERASED_SOURCES).
Index("ix_accounts_erased_source", Account.source,
      postgresql_where=Account.erased_at.isnot(None))


# --- churn risk (issue 21, part A; migration 0021, gcrm.models) ---

class ChurnModel(Base):
    """A trained churn model: what it learned from, how good it is, and the fitted model
    itself (joblib bytes). Written by the operator only; ``database_identity`` says which
    database it was trained on, so it is never applied to another."""

    __tablename__ = "churn_models"
    __table_args__ = (
        UniqueConstraint("version"),
        CheckConstraint("horizon_days > 0", name="horizon_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = _created()
    cutoff: Mapped[dt.date] = mapped_column(Date)
    horizon_days: Mapped[int] = mapped_column(Integer)
    features: Mapped[dict] = mapped_column(JSONB)
    metrics: Mapped[dict] = mapped_column(JSONB)
    training_rows: Mapped[int] = mapped_column(BigInteger)
    database_identity: Mapped[str] = mapped_column(Text)
    model: Mapped[bytes] = mapped_column(LargeBinary)


class AccountRisk(Base):
    """One customer's churn risk by one model: probability, band and top three drivers.
    Readable through the same row-level security as the account."""

    __tablename__ = "account_risk"
    __table_args__ = (
        CheckConstraint("risk BETWEEN 0 AND 1", name="risk_0_1"),
        CheckConstraint("band IN ('low', 'medium', 'high')", name="band_known"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    model_id: Mapped[int] = mapped_column(
        ForeignKey("churn_models.id", ondelete="CASCADE"), primary_key=True, index=True)
    scored_at: Mapped[dt.datetime] = _created()
    risk: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(Text)
    drivers: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))


# --- risk in the cube (issue 21; migration 0022, gcrm.models.churn_score, gcrm.cube) ---

class AccountRiskMonth(Base):
    """One customer's risk as scored in one month (the month of the day scores are as
    of), with their revenue over the 365 days up to it: what the cube's risk family adds
    up. Re-scoring in a month replaces its rows. Row-level security as account_risk."""

    __tablename__ = "account_risk_months"
    __table_args__ = (
        CheckConstraint("risk BETWEEN 0 AND 1", name="risk_0_1"),
        CheckConstraint("band IN ('low', 'medium', 'high')", name="band_known"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True, index=True)
    model_id: Mapped[int] = mapped_column(
        ForeignKey("churn_models.id", ondelete="CASCADE"), index=True)
    scored_at: Mapped[dt.datetime] = _created()
    risk: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(Text)
    revenue_365: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class CubeRisk(Base):
    """Scored customers, those in the high band and their revenue over the 365 days before
    scoring, per region, scoring month and one split (segment)."""

    __tablename__ = "cube_risk"

    level: Mapped[str] = mapped_column(Text, primary_key=True)
    dim: Mapped[str] = mapped_column(Text, primary_key=True)
    member: Mapped[str] = mapped_column(Text, primary_key=True)
    region_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    scored_customers: Mapped[int] = mapped_column(BigInteger)
    high_risk_customers: Mapped[int] = mapped_column(BigInteger)
    revenue_at_risk: Mapped[Decimal] = mapped_column(Numeric(18, 2))


# --- expected customer value (issue 21; migration 0025, gcrm.models.value_*) ---

class ValueModel(Base):
    """A trained repeat-purchase model (BG/NBD purchases, Gamma-Gamma spend): its fitted
    parameters, holdout validation beside the naive baseline, library, and the fitted
    models as bytes. Operator-written; never applied to another database."""

    __tablename__ = "value_models"
    __table_args__ = (
        UniqueConstraint("version"),
        CheckConstraint("holdout_days > 0", name="holdout_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = _created()
    cutoff: Mapped[dt.date] = mapped_column(Date)
    holdout_days: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict] = mapped_column(JSONB)
    metrics: Mapped[dict] = mapped_column(JSONB)
    training_rows: Mapped[int] = mapped_column(BigInteger)
    library: Mapped[str] = mapped_column(Text)
    database_identity: Mapped[str] = mapped_column(Text)
    model: Mapped[bytes] = mapped_column(LargeBinary)


class AccountValue(Base):
    """One customer's expected revenue and purchases in the next 12 months by one value
    model, and the probability they are still active. Row-level security as the account."""

    __tablename__ = "account_value"
    __table_args__ = (
        CheckConstraint("expected_revenue >= 0", name="revenue_not_negative"),
        CheckConstraint("expected_purchases >= 0", name="purchases_not_negative"),
        CheckConstraint("probability_alive BETWEEN 0 AND 1", name="alive_0_1"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    model_id: Mapped[int] = mapped_column(
        ForeignKey("value_models.id", ondelete="CASCADE"), primary_key=True, index=True)
    scored_at: Mapped[dt.datetime] = _created()
    expected_revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    expected_purchases: Mapped[float] = mapped_column(Float)
    probability_alive: Mapped[float] = mapped_column(Float)


def _line() -> Any:
    return mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True), nullable=True)


class VisitWindow(Base):
    """When an account may be visited (time of day) and how long a visit lasts."""

    __tablename__ = "visit_windows"
    __table_args__ = (
        CheckConstraint("closes > opens", name="closes_after_opens"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    opens: Mapped[dt.time] = mapped_column(Time)
    closes: Mapped[dt.time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column(Integer)


class VisitPlan(Base):
    """One planning run of a day's visits: how travel was measured and what was asked."""

    __tablename__ = "visit_plans"
    __table_args__ = (
        CheckConstraint("method IN ('road', 'straight line')", name="method_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(Text)
    network: Mapped[str | None] = mapped_column(Text)
    kmh: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()


class VisitRoute(Base):
    """One rep's day in a plan: leaving and coming home, the drive, the way home."""

    __tablename__ = "visit_routes"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("visit_plans.id", ondelete="CASCADE"), primary_key=True)
    rep_id: Mapped[int] = mapped_column(
        ForeignKey("reps.id", ondelete="CASCADE"), primary_key=True)
    leave: Mapped[dt.time] = mapped_column(Time)
    back: Mapped[dt.time] = mapped_column(Time)
    drive_seconds: Mapped[int] = mapped_column(Integer)
    drive_m: Mapped[float] = mapped_column(Float)
    home_leg = _line()


class VisitStop(Base):
    """A planned visit: its place in the rep's day, its times and the drive to it."""

    __tablename__ = "visit_stops"
    __table_args__ = (
        ForeignKeyConstraint(["plan_id", "rep_id"],
                             ["visit_routes.plan_id", "visit_routes.rep_id"],
                             ondelete="CASCADE"),
    )

    plan_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    rep_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    arrive: Mapped[dt.time] = mapped_column(Time)
    start: Mapped[dt.time] = mapped_column(Time)
    depart: Mapped[dt.time] = mapped_column(Time)
    drive_seconds: Mapped[int] = mapped_column(Integer)
    drive_m: Mapped[float] = mapped_column(Float)
    leg = _line()


class VisitLeftOut(Base):
    """A visit asked for and not planned, and why in words."""

    __tablename__ = "visit_left_out"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("visit_plans.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    asked: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class Team(Base):
    """Reps grouped for routing work round-robin or by capacity."""

    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()


class TeamMember(Base):
    __tablename__ = "team_members"

    team: Mapped[str] = mapped_column(
        ForeignKey("teams.name", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True)
    rep_id: Mapped[int] = mapped_column(
        ForeignKey("reps.id", ondelete="CASCADE"), primary_key=True)


class WorkQueue(Base):
    """A named queue of work no rule gave a rep; exactly one is the default."""

    __tablename__ = "work_queues"
    __table_args__ = (
        Index("uq_work_queues_one_default", "is_default", unique=True,
              postgresql_where=text("is_default")),
    )

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class RoutingRule(Base):
    """Who gets a new lead or case, in priority order (1 first)."""

    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint("applies_to IN ('lead', 'case')", name="applies_to_known"),
        CheckConstraint("method IN ('territory', 'team', 'rep')", name="method_known"),
        CheckConstraint("pick IN ('round_robin', 'capacity')", name="pick_known"),
        CheckConstraint("method <> 'team' OR team IS NOT NULL", name="team_named"),
        CheckConstraint("method <> 'rep' OR rep_id IS NOT NULL", name="rep_named"),
        CheckConstraint("applies_to = 'case' OR case_type IS NULL",
                        name="case_type_for_cases"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    priority: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text)
    applies_to: Mapped[str] = mapped_column(Text)
    case_type: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    team: Mapped[str | None] = mapped_column(ForeignKey("teams.name", onupdate="CASCADE"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    pick: Mapped[str] = mapped_column(Text, server_default="round_robin")
    last_rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()


class CaseSla(Base):
    """Hours a case of a type may wait for its first response and for its resolution."""

    __tablename__ = "case_slas"
    __table_args__ = (
        CheckConstraint("first_response_hours > 0", name="first_response_positive"),
        CheckConstraint("resolution_hours >= first_response_hours",
                        name="resolution_after_response"),
    )

    case_type: Mapped[str] = mapped_column(Text, primary_key=True)
    first_response_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    resolution_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
