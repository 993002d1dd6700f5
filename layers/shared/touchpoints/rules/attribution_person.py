"""Rules: a person's positions and the person-level models on `Buyer_Touchpoint__c`.

DESIGN.md, "Attribution (positions and models)", person level: all of a lead's or contact's
touchpoints in date order, whatever wrote them. FT is the first; LC the latest at or before the
person's `CreatedDate` (a converted lead's contact keeps the lead's date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from touchpoints.rules.attribution import (
    ModelWeights,
    PathTouchpoint,
    Position,
    in_path_order,
    model_percentages,
    position_label,
)

FIRST_TOUCH_MODEL = ModelWeights({Position.FIRST_TOUCH: Fraction(100)})
LEAD_CREATION_MODEL = ModelWeights({Position.LEAD_CREATION: Fraction(100)})
U_SHAPED_MODEL = ModelWeights(
    {Position.FIRST_TOUCH: Fraction(40), Position.LEAD_CREATION: Fraction(40)}, rest=Fraction(20)
)


@dataclass(frozen=True, slots=True)
class PersonAttribution:
    """What one touchpoint of a person's path carries: `Touchpoint_Position__c` and the
    `First_Touch_Percent__c`, `Lead_Creation_Percent__c`, `U_Shaped_Percent__c` values."""

    key: str
    position: str | None
    first_touch: Decimal
    lead_creation: Decimal
    u_shaped: Decimal


def person_positions(path: Sequence[PathTouchpoint], created_at: datetime) -> dict[Position, str]:
    """FT is the first touchpoint of the path; LC the latest at or before the person was created
    (none when the person existed before any touchpoint). Keys of `path`, in path order."""
    if not path:
        return {}
    positions = {Position.FIRST_TOUCH: path[0].key}
    before_creation = [touchpoint for touchpoint in path if touchpoint.moment <= created_at]
    if before_creation:
        positions[Position.LEAD_CREATION] = before_creation[-1].key
    return positions


def attribute_person(
    touchpoints: Sequence[PathTouchpoint], created_at: datetime
) -> list[PersonAttribution]:
    """Positions and person-level percentages of every touchpoint, in path order.

    First Touch: 100 on FT. Lead Creation: 100 on LC (0 everywhere without an LC). U-shaped: 40 on
    FT, 40 on LC, 20 split over the touchpoints between them; 50/50 with nothing between; 100 when
    FT is LC; 0 after LC; without an LC, FT holds all of it.
    """
    path = in_path_order(touchpoints)
    keys = [touchpoint.key for touchpoint in path]
    positions = person_positions(path, created_at)
    lead_creation = positions.get(Position.LEAD_CREATION)
    between = keys[1 : keys.index(lead_creation)] if lead_creation else []
    first = model_percentages(keys, positions, FIRST_TOUCH_MODEL, [])
    created = model_percentages(keys, positions, LEAD_CREATION_MODEL, [])
    u_shaped = model_percentages(keys, positions, U_SHAPED_MODEL, between)
    return [
        PersonAttribution(
            key=key,
            position=position_label(
                frozenset(position for position, holder in positions.items() if holder == key)
            ),
            first_touch=first[key],
            lead_creation=created[key],
            u_shaped=u_shaped[key],
        )
        for key in keys
    ]
