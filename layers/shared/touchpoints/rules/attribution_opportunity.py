"""Rules: an opportunity's positions and models on `Buyer_Attribution_Touchpoint__c`.

DESIGN.md, "Attribution (positions and models)", opportunity level: one record per opportunity x
touchpoint of its contacts (through `OpportunityContactRole`) dated on or before the close date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from touchpoints.rules.attribution import (
    CURRENCY_PLACES,
    HUNDRED,
    ModelWeights,
    PathTouchpoint,
    Position,
    apportion,
    in_path_order,
    model_percentages,
    position_label,
)
from touchpoints.rules.attribution_person import person_positions

W_SHAPED_MODEL = ModelWeights(
    {
        Position.FIRST_TOUCH: Fraction(30),
        Position.LEAD_CREATION: Fraction(30),
        Position.OPPORTUNITY_CREATION: Fraction(30),
    },
    rest=Fraction(10),
)
FULL_PATH_MODEL = ModelWeights(dict.fromkeys(Position, Fraction(45, 2)), rest=Fraction(10))
LINEAR_MODEL = ModelWeights({}, rest=Fraction(100))
OTHER_TOUCHPOINTS = "Other"  # the custom model's name for the touchpoints holding no position


class AttributionModel(StrEnum):
    """An opportunity-level model; `Revenue__c` and Campaign Influence follow the chosen one."""

    W_SHAPED = "W-Shaped"
    FULL_PATH = "Full Path"
    LINEAR = "Linear"
    CUSTOM = "Custom"


@dataclass(frozen=True, slots=True)
class Opportunity:
    id: str
    created_at: datetime
    close_date: date
    is_won: bool
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class ContactPath:
    """One contact of the opportunity (through a contact role), its `CreatedDate` (a converted
    lead's contact keeps the lead's) and its touchpoints."""

    contact_id: str
    created_at: datetime
    touchpoints: Sequence[PathTouchpoint]


@dataclass(frozen=True, slots=True)
class OpportunityAttribution:
    """One `Buyer_Attribution_Touchpoint__c`: percentages of every model and the chosen model's
    revenue."""

    key: str
    opportunity_id: str
    touchpoint_key: str
    contact_id: str
    campaign_id: str
    moment: datetime
    position: str | None
    w_shaped: Decimal
    full_path: Decimal
    linear: Decimal
    custom: Decimal
    revenue: Decimal | None


def attribution_key(opportunity_id: str, touchpoint_key: str) -> str:
    """One opportunity x touchpoint, one key: writes are upserts on `Attribution_Key__c`."""
    return f"{opportunity_id}:{touchpoint_key}"


def custom_model_weights(weights: Mapping[str, object]) -> ModelWeights:
    """The custom model from configuration: a weight per position (`FT`, `LC`, `OC`, `Closed`) and
    `Other` for the touchpoints holding none; a missing entry weighs 0; every weight is a number
    from 0 to 100 and together they sum to exactly 100. Anything else is refused (ValueError)."""
    names = [position.value for position in Position] + [OTHER_TOUCHPOINTS]
    unknown = sorted(set(weights) - set(names))
    if unknown:
        raise ValueError(f"unknown custom model entries {unknown}; expected some of {names}")
    parsed: dict[str, Fraction] = {}
    for name, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError(f"custom model weight {name} must be a number, got {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(
                f"custom model weight {name} must be a number, got {value!r}"
            ) from None
        if not number.is_finite() or not 0 <= number <= HUNDRED:
            raise ValueError(f"custom model weight {name} must be between 0 and 100, got {value}")
        parsed[name] = Fraction(number)
    if sum(parsed.values(), Fraction(0)) != HUNDRED:
        raise ValueError(f"custom model weights must sum to 100, got {sum(parsed.values())}")
    return ModelWeights(
        {position: parsed.get(position.value, Fraction(0)) for position in Position},
        rest=parsed.get(OTHER_TOUCHPOINTS, Fraction(0)),
    )


def opportunity_positions(
    opportunity: Opportunity, path: Sequence[PathTouchpoint], lead_creations: set[str]
) -> dict[Position, str]:
    """FT: the first touchpoint of the path. LC: the earliest touchpoint that is its contact's
    lead-creation touchpoint. OC: the latest at or before the opportunity's `CreatedDate`. Closed:
    the latest at or before `CloseDate`, won opportunities only. Keys of `path` (in path order)."""
    if not path:
        return {}
    positions = {Position.FIRST_TOUCH: path[0].key}
    created = [touchpoint for touchpoint in path if touchpoint.key in lead_creations]
    if created:
        positions[Position.LEAD_CREATION] = created[0].key
    before_creation = [tp for tp in path if tp.moment <= opportunity.created_at]
    if before_creation:
        positions[Position.OPPORTUNITY_CREATION] = before_creation[-1].key
    if opportunity.is_won:
        positions[Position.CLOSED] = path[-1].key
    return positions


def attribute_opportunity(
    opportunity: Opportunity,
    contacts: Sequence[ContactPath],
    custom_model: ModelWeights,
    revenue_model: AttributionModel,
) -> list[OpportunityAttribution]:
    """Every model's percentage for each touchpoint of the opportunity's contacts dated on or
    before its close date (later ones are left out), in path order.

    W-shaped: 30 FT, 30 LC, 30 OC, 10 split over the rest. Full Path: 22.5 each on FT, LC, OC,
    Closed, 10 over the rest. Linear: equal. Custom: the configured weights. "The rest" are the
    touchpoints holding none of the model's positions. A touchpoint holding two positions gets both
    weights; weight with nowhere to go is shared in proportion by the touchpoints that hold weight.
    `Revenue__c` is `Amount` x the `revenue_model` percentage, to the cent, summing to `Amount`.
    """
    contact_of: dict[str, str] = {}
    lead_creations: set[str] = set()
    eligible: list[PathTouchpoint] = []
    for contact in sorted(contacts, key=lambda contact: contact.contact_id):
        own_path = in_path_order(contact.touchpoints)
        created_by = person_positions(own_path, contact.created_at).get(Position.LEAD_CREATION)
        for touchpoint in own_path:
            if touchpoint.key in contact_of or _day(touchpoint.moment) > opportunity.close_date:
                continue
            contact_of[touchpoint.key] = contact.contact_id
            eligible.append(touchpoint)
            if touchpoint.key == created_by:
                lead_creations.add(touchpoint.key)
    path = in_path_order(eligible)
    keys = [touchpoint.key for touchpoint in path]
    positions = opportunity_positions(opportunity, path, lead_creations)
    models = {
        AttributionModel.W_SHAPED: _percentages(keys, positions, W_SHAPED_MODEL),
        AttributionModel.FULL_PATH: _percentages(keys, positions, FULL_PATH_MODEL),
        AttributionModel.LINEAR: _percentages(keys, positions, LINEAR_MODEL),
        AttributionModel.CUSTOM: _percentages(keys, positions, custom_model),
    }
    revenue = _revenue(opportunity.amount, keys, models[revenue_model])
    return [
        OpportunityAttribution(
            key=attribution_key(opportunity.id, touchpoint.key),
            opportunity_id=opportunity.id,
            touchpoint_key=touchpoint.key,
            contact_id=contact_of[touchpoint.key],
            campaign_id=touchpoint.campaign_id,
            moment=touchpoint.moment,
            position=position_label(
                frozenset(position for position, key in positions.items() if key == touchpoint.key)
            ),
            w_shaped=models[AttributionModel.W_SHAPED][touchpoint.key],
            full_path=models[AttributionModel.FULL_PATH][touchpoint.key],
            linear=models[AttributionModel.LINEAR][touchpoint.key],
            custom=models[AttributionModel.CUSTOM][touchpoint.key],
            revenue=revenue.get(touchpoint.key),
        )
        for touchpoint in path
    ]


def _percentages(
    keys: list[str], positions: dict[Position, str], model: ModelWeights
) -> dict[str, Decimal]:
    held = set(key for position, key in positions.items() if position in model.positions)
    rest = [key for key in keys if key not in held]
    return model_percentages(keys, positions, model, rest)


def _revenue(
    amount: Decimal | None, keys: list[str], percentages: dict[str, Decimal]
) -> dict[str, Decimal]:
    if amount is None:
        return {}
    parts = apportion(amount, [Fraction(percentages[key]) for key in keys], CURRENCY_PLACES)
    return dict(zip(keys, parts, strict=True))


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()
