"""Rule: Campaign Influence from an opportunity's attribution, dated by the event.

DESIGN.md, "Attribution (positions and models)": one `CampaignInfluence` per opportunity x campaign x
contact with `Influence` = the chosen model's percentage summed over that campaign's touchpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from touchpoints.rules.attribution_opportunity import AttributionModel, OpportunityAttribution

_PERCENT_OF = {
    AttributionModel.W_SHAPED: lambda row: row.w_shaped,
    AttributionModel.FULL_PATH: lambda row: row.full_path,
    AttributionModel.LINEAR: lambda row: row.linear,
    AttributionModel.CUSTOM: lambda row: row.custom,
}


@dataclass(frozen=True, slots=True)
class CampaignInfluenceShare:
    opportunity_id: str
    campaign_id: str
    contact_id: str
    influence: Decimal


def campaign_influence(
    rows: Sequence[OpportunityAttribution], model: AttributionModel
) -> list[CampaignInfluenceShare]:
    """One share per opportunity x campaign x contact holding the `model` percentages of its
    touchpoints summed (so an opportunity's shares sum to 100 as the model does); a campaign whose
    touchpoints got 0 gets no record, nor does a touchpoint without a campaign. Ordered by
    opportunity, campaign and contact."""
    totals: dict[tuple[str, str, str], Decimal] = {}
    for row in rows:
        if not row.campaign_id:
            continue
        group = (row.opportunity_id, row.campaign_id, row.contact_id)
        totals[group] = totals.get(group, Decimal("0.00")) + _PERCENT_OF[model](row)
    return [
        CampaignInfluenceShare(*group, influence=influence)
        for group, influence in sorted(totals.items())
        if influence > 0
    ]
