"""The cube's dimensions and measures, each defined once: name, formula, description.

A measure's formula is arithmetic over *parts*, the sums (or first/last/maximum) the
cube tables hold per region and month. Every ratio is computed from its parts at the
level and period asked for, never averaged from finer ratios.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# The splits a cell can have besides region and time ('*' = no split). Which family of
# facts supports which split:
# Members are whatever the facts hold (segment, category, channel and case_type are the
# company's own lists, gcrm.vocab): a value new to a list is a member after the next build.
SPLITS = {
    "sales": ("segment", "status", "category", "channel"),
    "service": ("segment", "status", "case_type"),
    "cost": ("segment", "status"),
    "customers": ("segment",),
    "accounts": ("segment", "status"),
    "risk": ("segment",),
    # counted from the rows at query time (RAW)
    "cases_raw": ("segment", "status", "case_type"),
    "margins_raw": ("segment", "status"),
}
# Parts computed at query time from rows, not cube cells (region: the region's own
# attributes, the same whatever the split).
RAW = ("region", "cases_raw", "margins_raw")
DIMENSIONS = ("segment", "status", "category", "channel", "case_type")
TIME = ("year", "quarter", "month")

# How a part adds up over the months of a period.
#   sum: flows (revenue, cases); first/last: stocks at the start/end of the period;
#   latest: stocks taken now and then (churn scores): the period's latest month that has
#   any cell anywhere in the cube, the same month for every region (none there: 0);
#   max: distinct counts, where the largest month is a lower bound of the period's count
#   (used only to suppress small cells).
PARTS = {
    "revenue": ("sales", "sum"),
    "orders": ("sales", "sum"),
    "quantity": ("sales", "sum"),
    "buyers": ("sales", "max"),
    "cases": ("service", "sum"),
    "complaints": ("service", "sum"),
    "rated": ("service", "sum"),
    "satisfaction_sum": ("service", "sum"),
    "case_accounts": ("service", "max"),
    "customers_start": ("customers", "first"),
    "customers_end": ("customers", "last"),
    "new_customers": ("customers", "sum"),
    "churned_customers": ("customers", "sum"),
    "accounts": ("accounts", "now"),
    "customers_now": ("accounts", "now"),
    "prospects": ("accounts", "now"),
    # cost to serve: flows per month; unprofitable customers are counted over the period
    # asked, from each account's margin (account_margins), at query time
    "cost_to_serve": ("cost", "sum"),
    "case_cost": ("cost", "sum"),
    "return_cost": ("cost", "sum"),
    "contact_cost": ("cost", "sum"),
    "margin": ("cost", "sum"),
    "served_accounts": ("cost", "max"),
    "unprofitable_customers": ("margins_raw", "count"),
    "period_customers": ("margins_raw", "count"),
    "households": ("region", "attribute"),
    "population": ("region", "attribute"),
    "median_resolution_hours": ("cases_raw", "median"),
    "overdue_cases": ("cases_raw", "sum"),
    # churn risk: scores per month of scoring; over a period, its latest scoring month
    "scored_customers": ("risk", "latest"),
    "high_risk_customers": ("risk", "latest"),
    "revenue_at_risk": ("risk", "latest"),
}
# The count of people a cell of each family is built from (for --min-count).
CONTRIBUTORS = {"sales": "buyers", "service": "case_accounts", "customers": "customers_end",
                "accounts": "accounts", "risk": "scored_customers", "cost": "served_accounts",
                "margins_raw": "period_customers"}


@dataclass(frozen=True)
class Measure:
    name: str
    formula: str  # over PARTS; pandas.eval syntax
    unit: str
    description: str

    @property
    def parts(self) -> tuple[str, ...]:
        return _parts(self.formula)

    @property
    def families(self) -> tuple[str, ...]:
        """The families of its parts that decide its splits (SPLITS)."""
        return tuple(dict.fromkeys(PARTS[p][0] for p in self.parts
                                   if PARTS[p][0] != "region"))

    @property
    def timeless(self) -> bool:
        """Counted as things are now (accounts, prospects): no year, quarter or month."""
        return any(PARTS[p][1] == "now" for p in self.parts)

    @property
    def additive(self) -> bool:
        """A plain count or sum: can be shared out among child regions."""
        return self.formula in PARTS and PARTS[self.formula][1] in ("sum", "last", "latest",
                                                                      "now")


MEASURES = {m.name: m for m in (
    Measure("accounts", "accounts", "accounts",
            "Accounts of every status, as they are now (whatever the period)."),
    Measure("customers", "customers_end", "customers",
            "Customers at the end of the period: became a customer on or before its last "
            "day and had not churned by then."),
    Measure("prospects", "prospects", "accounts",
            "Prospects as they are now (whatever the period)."),
    Measure("new_customers", "new_customers", "customers",
            "Accounts that became customers during the period (customer_since)."),
    Measure("churned_customers", "churned_customers", "customers",
            "Customers lost during the period (churned_at)."),
    Measure("churn_rate", "churned_customers / customers_start", "share",
            "Customers lost during the period over customers at its start."),
    Measure("revenue", "revenue", "currency", "Sum of order amounts."),
    Measure("orders", "orders", "orders", "Number of order lines."),
    Measure("average_order_value", "revenue / orders", "currency",
            "Revenue over orders."),
    Measure("revenue_per_customer", "revenue / customers_end", "currency",
            "Revenue over customers at the end of the period."),
    Measure("cost_to_serve", "cost_to_serve", "currency",
            "Service cases priced by type (returns included) plus contacts priced by "
            "channel, at the admin's rates (gcrm cost-to-serve show)."),
    Measure("margin", "margin", "currency",
            "Revenue minus cost to serve (of every account served, prospects' contacts "
            "included)."),
    Measure("case_cost", "case_cost", "currency",
            "Cost to serve of the service cases (returns included), by case type's rate."),
    Measure("return_cost", "return_cost", "currency",
            "Cost to serve of the cases of type return (sales are never negative: a "
            "return is a case)."),
    Measure("contact_cost", "contact_cost", "currency",
            "Cost to serve of the contacts, by channel's rate."),
    Measure("unprofitable_customers", "unprofitable_customers", "customers",
            "Customers of the period whose revenue minus cost to serve over the whole "
            "period is below zero (counted per account at query time)."),
    Measure("unprofitable_share", "unprofitable_customers / period_customers", "share",
            "Unprofitable customers over the customers of the period (a customer at any "
            "time in it; one with no sale, case or contact has margin 0: not unprofitable; "
            "blank in a period without any margin, e.g. before the first build with cost to "
            "serve)."),
    Measure("service_cases", "cases", "cases", "Service cases opened in the period."),
    Measure("complaints", "complaints", "cases", "Service cases of type complaint."),
    Measure("complaints_per_customer", "complaints / customers_end", "per customer",
            "Complaints over customers at the end of the period (hot spots test it as a "
            "rate: docs/stats.md)."),
    Measure("average_satisfaction", "satisfaction_sum / rated", "score 1-5",
            "Mean satisfaction score of the cases that have one."),
    Measure("median_resolution_hours", "median_resolution_hours", "hours",
            "Median hours from opening to closing, over the closed cases opened in the "
            "period (computed from the cases themselves, exactly, at query time)."),
    Measure("overdue_cases", "overdue_cases", "cases",
            "Open service cases past a clock of their type's SLA now (no first response, "
            "or not resolved, within the hours `gcrm routing sla` sets), by the period "
            "they were opened in; computed from the cases at query time."),
    Measure("penetration", "customers_end / households", "share",
            "Customers at the end of the period over the region's households."),
    Measure("revenue_per_capita", "revenue / population", "currency",
            "Revenue over the region's population."),
    Measure("scored_customers", "scored_customers", "customers",
            "Customers the churn model scored (gcrm model churn score; the period's last "
            "month of scoring)."),
    Measure("customers_at_high_risk", "high_risk_customers", "customers",
            "Customers in the churn model's high band when scored (gcrm model churn "
            "score; the period's last month of scoring)."),
    Measure("revenue_at_risk", "revenue_at_risk", "currency",
            "Revenue over the 365 days before scoring of the customers in the high band "
            "(their whole trailing-year revenue, not weighted by risk; the period's last "
            "month of scoring)."),
    Measure("high_risk_share", "high_risk_customers / scored_customers", "share",
            "Customers in the high band over the customers scored (the period's last "
            "month of scoring; hot spots test it as a rate: docs/stats.md)."),
)}


def _mentions(formula: str, part: str) -> bool:
    return re.search(rf"\b{part}\b", formula) is not None


@functools.cache
def _parts(formula: str) -> tuple[str, ...]:
    """The PARTS a formula names (asked for thousands of times a page: kept)."""
    return tuple(p for p in PARTS if _mentions(formula, p))


# Measures with no time grain: the cube keeps accounts as they are now, not month by month.
TIMELESS = tuple(name for name, m in MEASURES.items() if m.timeless)
