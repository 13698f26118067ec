"""What each loadable entity looks like: its fields, their types, and the column names
recognised for them without a ``--map``.

One table describes every entity, so reading, validating and upserting are
written once and driven from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcrm.db.models import ACCOUNT_KINDS, ACCOUNT_STATUSES, CASE_STATUSES
from gcrm.vocab.fields import WHY_FIXED


@dataclass(frozen=True)
class Field:
    """One target field.

    kind: text | number | integer | date | datetime | bool | enum | lat | lon | ref
    ref: for kind 'ref', the table whose external_id the value names.
    vocabulary: for a text field, the company's list it takes its values from (gcrm.vocab):
    known values are matched whatever their case, new ones recorded (or refused when the
    list is closed).
    why: for an 'enum', why its values are fixed (said when a value is refused).
    """

    name: str
    kind: str = "text"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # allowed values for 'enum'
    aliases: tuple[tuple[str, str], ...] = ()  # common spellings -> allowed value
    vocabulary: str | None = None
    why: str | None = None
    low: float | None = None
    high: float | None = None
    column: str | None = None  # database column when it differs from name
    ref: str | None = None
    default: object = None  # value used when the cell is empty
    personal: bool = False  # about a person: never stored again for an erased account

    @property
    def db_column(self) -> str:
        return self.column or self.name


@dataclass(frozen=True)
class Entity:
    name: str
    table: str
    fields: tuple[Field, ...]
    point: str | None = None  # geometry column fed by lat/lon fields
    geocodes: bool = False  # rows without coordinates are geocoded from their address
    # (later, earlier): a row whose ``later`` time comes before its ``earlier`` is refused
    in_order: tuple[tuple[str, str], ...] = ()

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


_ID = Field(
    "external_id", required=True,
    synonyms=("external_id", "id", "ext_id", "record_id", "objectid", "object_id"),
)
_LAT = Field("lat", "lat", synonyms=("lat", "latitude", "y", "lat_dd", "point_y"), low=-90, high=90)
_LON = Field(
    "lon", "lon", synonyms=("lon", "lng", "long", "longitude", "x", "lon_dd", "point_x"),
    low=-180, high=180,
)
_STREET = Field(
    "street", synonyms=("street", "address", "address1", "address_1", "address_line_1",
                        "addressline1", "street_address", "addr", "address_line1"),
)
_UNIT = Field(
    "unit", synonyms=("unit", "address2", "address_2", "address_line_2", "addressline2",
                      "apt", "suite", "address_line2"),
)
_CITY = Field("city", synonyms=("city", "town", "locality", "municipality", "place"))
_REGION = Field(
    "region", synonyms=("state", "region", "province", "st", "state_code", "county_state")
)
_POSTCODE = Field(
    "postcode", synonyms=("postcode", "zip", "zipcode", "zip_code", "zip5", "postal_code",
                          "postalcode", "post_code", "plz"),
)
_ACCOUNT = Field(
    "account", "ref", required=True, ref="accounts", column="account_id",
    synonyms=("account", "account_id", "account_external_id", "customer_id", "customer",
              "client_id", "customer_number"),
)
_CHANNEL_ALIASES = (("call", "phone"), ("telephone", "phone"), ("e-mail", "email"),
                    ("mail", "mail"), ("online", "web"), ("website", "web"),
                    ("in person", "visit"), ("store", "visit"), ("text", "sms"))

ENTITIES: dict[str, Entity] = {
    "accounts": Entity(
        "accounts", "accounts",
        (
            Field("external_id", required=True,
                  synonyms=(*_ID.synonyms, "account_id", "customer_id", "customer_number",
                            "account_number", "client_id")),
            Field("name", required=True,
                  synonyms=("name", "full_name", "customer_name", "account_name", "company",
                            "company_name", "business_name", "store_name")),
            Field("kind", "enum", values=ACCOUNT_KINDS, default="person", why=WHY_FIXED["kind"],
                  synonyms=("kind", "type", "account_type", "customer_type"),
                  aliases=(("individual", "person"), ("consumer", "person"), ("b2c", "person"),
                           ("company", "business"), ("organisation", "business"),
                           ("organization", "business"), ("b2b", "business"))),
            Field("status", "enum", values=ACCOUNT_STATUSES, default="prospect",
                  why=WHY_FIXED["status"],
                  synonyms=("status", "account_status", "customer_status", "lifecycle_stage"),
                  aliases=(("lead", "prospect"), ("active", "customer"), ("client", "customer"),
                           ("lost", "churned"), ("inactive", "churned"),
                           ("former", "churned"))),
            Field("segment", synonyms=("segment", "customer_segment", "tier"),
                  vocabulary="segment"),
            Field("email", synonyms=("email", "e_mail", "email_address", "mail")),
            Field("phone", synonyms=("phone", "telephone", "phone_number", "mobile", "tel")),
            _STREET, _UNIT, _CITY,
            Field("district", synonyms=("district", "county", "borough")),
            _REGION, _POSTCODE,
            Field("country", synonyms=("country", "country_code")),
            _LAT, _LON,
            Field("owner", "ref", ref="reps", column="owner_rep_id",
                  synonyms=("owner", "owner_rep", "rep", "rep_id", "owner_id", "sales_rep")),
            Field("customer_since", "date", synonyms=("customer_since", "since", "first_order",
                                                      "signup_date", "created")),
            Field("churned_at", "date", synonyms=("churned_at", "churn_date", "churned_on")),
            Field("consent_email", "bool", default=False,
                  synonyms=("consent_email", "email_consent",
                                                     "email_opt_in", "marketing_email")),
            Field("consent_phone", "bool", default=False,
                  synonyms=("consent_phone", "phone_consent",
                                                     "phone_opt_in")),
            Field("consent_sms", "bool", default=False,
                  synonyms=("consent_sms", "sms_consent", "sms_opt_in")),
            Field("consent_mail", "bool", default=False,
                  synonyms=("consent_mail", "mail_consent",
                                                    "post_opt_in", "direct_mail_opt_in")),
        ),
        point="geom",
        geocodes=True,
    ),
    "sales": Entity(
        "sales", "sales",
        (
            Field("external_id", required=True,
                  synonyms=("external_id", "order_line_id", "order_id", "sale_id", "line_id",
                            "id", "transaction_id", "invoice_line")),
            _ACCOUNT,
            Field("order_date", "date", required=True,
                  synonyms=("order_date", "date", "sale_date", "invoice_date", "ordered_at")),
            Field("amount", "number", required=True, low=0,
                  synonyms=("amount", "revenue", "net_amount", "total", "value", "sales")),
            Field("quantity", "integer", low=0, default=1, synonyms=("quantity", "qty", "units")),
            Field("product_category", synonyms=("product_category", "category", "product",
                                                "product_line"),
                  vocabulary="product_category"),
            Field("channel", synonyms=("channel", "sales_channel", "order_channel"),
                  vocabulary="sales_channel"),
            Field("site", "ref", ref="sites", column="site_id",
                  synonyms=("site", "site_id", "store", "store_id", "branch", "branch_id")),
        ),
    ),
    "cases": Entity(
        "cases", "service_cases",
        (
            Field("external_id", required=True,
                  synonyms=("external_id", "case_id", "ticket_id", "case_number", "id")),
            _ACCOUNT,
            Field("opened_at", "datetime", required=True,
                  synonyms=("opened_at", "opened", "created_at", "created", "open_date")),
            Field("closed_at", "datetime",
                  synonyms=("closed_at", "closed", "resolved_at", "close_date")),
            Field("first_response_at", "datetime",  # stops the SLA's first-response clock
                  synonyms=("first_response_at", "first_response", "responded_at",
                            "first_reply_at")),
            Field("case_type", required=True, vocabulary="case_type",
                  synonyms=("case_type", "type", "category", "reason"),
                  aliases=(("complaints", "complaint"), ("returns", "return"),
                           ("refund", "return"), ("service request", "request"),
                           ("question", "request"), ("inquiry", "request"),
                           ("repairs", "repair"), ("fix", "repair"))),
            Field("channel", synonyms=("channel", "source_channel", "contact_channel")),
            Field("status", "enum", values=CASE_STATUSES, default="open",
                  why=WHY_FIXED["case_status"],
                  synonyms=("status", "case_status", "state"),
                  aliases=(("new", "open"), ("in progress", "pending"), ("waiting", "pending"),
                           ("resolved", "closed"), ("done", "closed"))),
            Field("satisfaction", "integer", low=1, high=5,
                  synonyms=("satisfaction", "csat", "rating", "score")),
        ),
        in_order=(("closed_at", "opened_at"), ("first_response_at", "opened_at")),
    ),
    "interactions": Entity(
        "interactions", "interactions",
        (
            Field("external_id", required=True,
                  synonyms=("external_id", "interaction_id", "activity_id", "contact_id", "id")),
            _ACCOUNT,
            Field("occurred_at", "datetime", required=True,
                  synonyms=("occurred_at", "timestamp", "time", "datetime", "date",
                            "contacted_at")),
            Field("channel", required=True, vocabulary="interaction_channel",
                  synonyms=("channel", "medium", "contact_channel"), aliases=_CHANNEL_ALIASES),
            Field("rep", "ref", ref="reps", column="rep_id",
                  synonyms=("rep", "rep_id", "agent", "agent_id", "owner")),
            Field("outcome", synonyms=("outcome", "result", "disposition")),
            Field("notes", synonyms=("notes", "note", "comment", "comments", "summary"),
                  personal=True),
        ),
    ),
    "reps": Entity(
        "reps", "reps",
        (
            Field("external_id", required=True,
                  synonyms=("external_id", "rep_id", "employee_id", "id", "user_id")),
            Field("name", required=True, synonyms=("name", "rep_name", "full_name")),
            Field("email", synonyms=("email", "email_address")),
            _LAT, _LON,
            Field("capacity", "number", low=0,
                  synonyms=("capacity", "max_accounts", "quota", "workload_capacity")),
        ),
        point="home_geom",
    ),
    "sites": Entity(
        "sites", "sites",
        (
            Field("external_id", required=True,
                  synonyms=("external_id", "site_id", "store_id", "store_number", "branch_id",
                            "id", "objectid")),
            Field("name", required=True,
                  synonyms=("name", "site_name", "store_name", "branch_name")),
            Field("kind", synonyms=("kind", "type", "site_type", "format"), default="store"),
            _STREET, _CITY, _REGION, _POSTCODE,
            Field("lat", "lat", required=True, synonyms=_LAT.synonyms, low=-90, high=90),
            Field("lon", "lon", required=True, synonyms=_LON.synonyms, low=-180, high=180),
            Field("attractiveness", "number", low=0, default=1.0,
                  synonyms=("attractiveness", "size", "sqft", "floor_area", "weight")),
            Field("opened_on", "date", synonyms=("opened_on", "open_date", "opened")),
        ),
        point="geom",
    ),
}


def entity(name: str) -> Entity:
    """The entity called ``name``; the error lists the ones that exist."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise ValueError(
            f"Unknown entity '{name}'. Choose one of: {', '.join(ENTITIES)}."
        ) from None
