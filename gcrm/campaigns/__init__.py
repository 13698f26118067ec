"""Target lists (consent-aware, see ``targets``) and campaigns with their responses (see
``campaigns``)."""

from gcrm.campaigns.campaigns import (
    Responses,
    campaigns,
    create,
    load_responses,
    response_by_risk,
    response_rates,
)
from gcrm.campaigns.targets import TargetFilter, count, export, targets

__all__ = ["Responses", "TargetFilter", "campaigns", "count", "create", "export",
           "load_responses", "response_by_risk", "response_rates", "targets"]
