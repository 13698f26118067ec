"""Which fields are the company's own picklists, and which stay fixed and why.

No database here: the lists' values live in ``vocabulary_values`` (see
:mod:`gcrm.vocab.lists`); this module only names the lists and where their values are
stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcrm.errors import InvalidInput


@dataclass(frozen=True)
class Vocabulary:
    """One picklist: its name, what it is called in prose, where its values are stored."""

    name: str
    noun: str  # plural, for messages: "case types"
    entity: str  # the load entity whose field takes it
    field: str  # that field's name in the load
    table: str
    column: str
    lowercase: bool = False  # values are codes written in lower case ("complaint")
    description: str = ""


VOCABULARIES: dict[str, Vocabulary] = {v.name: v for v in (
    Vocabulary("case_type", "case types", "cases", "case_type", "service_cases", "case_type",
               lowercase=True, description="Type of a service case"),
    Vocabulary("interaction_channel", "interaction channels", "interactions", "channel",
               "interactions", "channel", lowercase=True,
               description="Channel of a contact with an account"),
    Vocabulary("segment", "segments", "accounts", "segment", "accounts", "segment",
               description="Segment (tier) of an account"),
    Vocabulary("product_category", "product categories", "sales", "product_category", "sales",
               "product_category", description="Product category of an order line"),
    Vocabulary("sales_channel", "sales channels", "sales", "channel", "sales", "channel",
               description="Channel an order came through"),
)}

# What stays fixed, and why: the code counts on these exact values.
WHY_FIXED = {
    "status": "status drives the customer counts and churn; put the company's own tiers "
              "in segment",
    "kind": "kind decides whether an account is a person (personal data, masked) or a "
            "business; put the company's own types in segment",
    "case_status": "status decides which cases are open and how long they took to close; "
                   "map the company's own words with --value status:WORD=open|pending|closed",
    "consent_channel": "consent is recorded per channel (consent_email, consent_phone, "
                       "consent_sms, consent_mail) and target lists honour exactly those; a "
                       "new channel needs its own consent column",
}


def vocabulary(name: str) -> Vocabulary:
    """The list called ``name``; the error names the lists there are, or why a field is
    fixed."""
    name = (name or "").strip()
    if name in VOCABULARIES:
        return VOCABULARIES[name]
    if name in WHY_FIXED or name in ("account_status", "consent", "channels"):
        why = WHY_FIXED.get(name) or WHY_FIXED[
            {"account_status": "status"}.get(name, "consent_channel")]
        raise InvalidInput(f"{name} is not the company's own list: {why}.")
    by_field = [v.name for v in VOCABULARIES.values() if v.field == name]
    hint = f" (for {name} say {' or '.join(by_field)})" if by_field else ""
    raise InvalidInput(f"No list called {name!r}{hint}; the company's own lists are "
                       f"{', '.join(VOCABULARIES)}.")


def for_field(entity: str, field: str) -> Vocabulary | None:
    """The list a load field of ``entity`` takes its values from, if any."""
    return next((v for v in VOCABULARIES.values() if v.entity == entity and v.field == field),
                None)
