"""``gcrm campaign``: consent-aware target lists, campaigns, responses and response rates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape

from gcrm import audit, campaigns
from gcrm.cli.errors import reports_errors

console = Console()
campaign_app = typer.Typer(help="Target lists and campaigns (consent always applies).",
                           no_args_is_help=True)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def _filter(channel, status, trade_areas, sites, band, regions, segment, context,
            context_level, score_from, min_score, min_risk=None,
            risk_band=None) -> campaigns.TargetFilter:
    at_risk = min_risk is not None or risk_band is not None
    # A retention list (a risk filter) reaches customers unless the statuses are given.
    statuses = _split(status) if status is not None else (
        ("customer",) if at_risk else ("prospect", "churned"))
    return campaigns.TargetFilter(
        channel=channel, statuses=statuses, trade_areas=trade_areas,
        sites=_split(sites), band=band, regions=_split(regions), segments=_split(segment),
        context=tuple(context or ()), context_level=context_level, score_build=score_from,
        min_score=min_score, min_risk=min_risk, risk_band=risk_band)


_CHANNEL = typer.Option("email", help="email, phone, sms or mail: only people who agreed.")
_STATUS = typer.Option(None, help="prospect, churned (lapsed), customer (default: "
                                  "prospect,churned; customer with a risk filter).")
_AREAS = typer.Option(None, "--trade-areas", help="Inside these trade areas (a build name).")
_SITES = typer.Option(None, help="...of these sites (codes, comma separated).")
_BAND = typer.Option(None, help="...of this band (e.g. '5 km', '60%').")
_REGIONS = typer.Option(None, help="In these regions (codes at any level).")
_SEGMENT = typer.Option(None, help="Segments, comma separated.")
_CONTEXT = typer.Option(None, help="A condition on the region's context, e.g. "
                                   "share_apartments>=0.3 (repeatable).")
_CONTEXT_LEVEL = typer.Option(None, help="The level whose context the conditions read.")
_SCORE = typer.Option(None, "--score-from", help="A Huff build: score = probability of "
                                                 "patronising its (chosen) sites.")
_MIN_SCORE = typer.Option(None, help="Only people scoring at least this.")
_MIN_RISK = typer.Option(None, min=0.0, max=1.0,
                         help="Only customers whose churn risk is at least this (0-1), from "
                              "the newest scored churn model.")
_RISK_BAND = typer.Option(None, help="Only customers in this churn risk band or above: low, "
                                     "medium or high.")


@campaign_app.command("targets")
@reports_errors
def targets(out: Path = typer.Option(None, help="Write the list here (.csv or .xlsx)."),
            channel: str = _CHANNEL, status: str = _STATUS, trade_areas: str = _AREAS,
            sites: str = _SITES, band: str = _BAND, regions: str = _REGIONS,
            segment: str = _SEGMENT, context: list[str] = _CONTEXT,
            context_level: str = _CONTEXT_LEVEL, score_from: str = _SCORE,
            min_score: float = _MIN_SCORE, min_risk: float = _MIN_RISK,
            risk_band: str = _RISK_BAND) -> None:
    """Count a target list, or write it to a file (audited)."""
    where = _filter(channel, status, trade_areas, sites, band, regions, segment, context,
                    context_level, score_from, min_score, min_risk, risk_band)
    if out is None:
        console.print(f"{campaigns.count(where):,} people may be reached by {channel}.")
        return
    written = campaigns.export(where, out, actor=audit.operator_name())
    console.print(f"Wrote {written:,} people to {out}.")


@campaign_app.command("create")
@reports_errors
def create(name: str = typer.Argument(..., help="Campaign name."),
           channel: str = _CHANNEL, status: str = _STATUS, trade_areas: str = _AREAS,
           sites: str = _SITES, band: str = _BAND, regions: str = _REGIONS,
           segment: str = _SEGMENT, context: list[str] = _CONTEXT,
           context_level: str = _CONTEXT_LEVEL, score_from: str = _SCORE,
           min_score: float = _MIN_SCORE, min_risk: float = _MIN_RISK,
           risk_band: str = _RISK_BAND) -> None:
    """Save a target list as a campaign with its members (each with their churn risk and
    band at this moment)."""
    where = _filter(channel, status, trade_areas, sites, band, regions, segment, context,
                    context_level, score_from, min_score, min_risk, risk_band)
    members = campaigns.create(name, where, created_by=audit.operator_name())
    console.print(f"Campaign {name!r}: {members:,} members ({channel}).")


@campaign_app.command("responses")
@reports_errors
def responses(path: Path = typer.Argument(..., help=escape(  # [x]: text, not rich markup
                  "CSV or XLSX: external_id, responded_at, [source], [response].")),
              campaign: str = typer.Option(..., help="Campaign name.")) -> None:
    """Record a campaign's responses; rows that cannot be matched are listed with why."""
    result = campaigns.load_responses(campaign, path)
    console.print(f"{campaign}: {result.recorded:,} responses recorded from {result.read:,} "
                  f"rows; {len(result.rejected):,} refused.")
    for line, why in result.rejected[:50]:
        console.print(f"  line {line}: {why}")
    if len(result.rejected) > 50:
        console.print(f"  ... and {len(result.rejected) - 50:,} more.")


@campaign_app.command("list")
@reports_errors
def list_campaigns() -> None:
    """Every campaign with its members and response rate."""
    frame = campaigns.campaigns()
    console.print(frame.to_string(index=False) if len(frame) else "No campaigns yet.")


@campaign_app.command("rates")
@reports_errors
def rates(name: str = typer.Argument(..., help="Campaign name."),
          by: str = typer.Option(..., help="Region level, e.g. county or zip; or risk-band: "
                                           "the members' churn risk band when targeted.")
          ) -> None:
    """A campaign's response rate by region, or by churn risk band at targeting."""
    if by == RISK_BAND:
        _by_risk_band(name)
        return
    frame = campaigns.response_rates(name, by).drop(columns="geometry")
    console.print(frame.to_string(index=False) if len(frame) else "No members placed in "
                  f"a region of {by!r}.")


RISK_BAND = "risk-band"


def _by_risk_band(name: str) -> None:
    frame = campaigns.response_by_risk(name)
    if frame.empty:
        console.print(f"No members of {name!r} you may see.")
        return
    total = pd.DataFrame([{"risk_band": "all", "members": frame["members"].sum(),
                           "responded": frame["responded"].sum()}])
    total["response_rate"] = total["responded"] / total["members"]
    shown = pd.concat([frame, total], ignore_index=True)
    shown["members"] = shown["members"].map("{:,}".format)
    shown["responded"] = shown["responded"].map("{:,}".format)
    shown["response_rate"] = shown["response_rate"].map("{:.1%}".format)
    console.print(f"{name}: response by churn risk band when targeted")
    console.print(shown.rename(columns={"risk_band": "risk band",
                                        "response_rate": "response rate"}
                               ).to_string(index=False))
