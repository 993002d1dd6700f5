"""Rules shared by every attribution model: positions, a model's weights, and rounding.

DESIGN.md, "Attribution (positions and models)": a model gives each touchpoint of a path a weight
for the positions it holds and a share of the weight left for the rest; weight with nowhere to go is
shared by the touchpoints that do hold weight, in proportion; percentages have two decimals and sum
to exactly 100.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

HUNDRED = Decimal(100)
PERCENT_PLACES = 2
CURRENCY_PLACES = 2


class Position(StrEnum):
    """A touchpoint's place on a path, as Marketo Measure names it."""

    FIRST_TOUCH = "FT"
    LEAD_CREATION = "LC"
    OPPORTUNITY_CREATION = "OC"
    CLOSED = "Closed"


POSITION_ORDER = tuple(Position)


@dataclass(frozen=True, slots=True)
class ModelWeights:
    """What a model gives: `positions` per position held, `rest` split equally over `rest_keys`."""

    positions: Mapping[Position, Fraction]
    rest: Fraction = Fraction(0)


@dataclass(frozen=True, slots=True)
class PathTouchpoint:
    """A `Buyer_Touchpoint__c` on a person's path: its external key, moment and campaign."""

    key: str
    moment: datetime
    campaign_id: str


def in_path_order(touchpoints: Sequence[PathTouchpoint]) -> list[PathTouchpoint]:
    """A path runs in date order; touchpoints of the same moment run in key order, so the result
    does not depend on the order the touchpoints were read in."""
    return sorted(touchpoints, key=lambda touchpoint: (touchpoint.moment, touchpoint.key))


def position_label(positions: frozenset[Position]) -> str | None:
    """The value of `Touchpoint_Position__c`: the positions held, in path order ("FT, LC"), or
    nothing for a touchpoint that holds none."""
    held = [position.value for position in POSITION_ORDER if position in positions]
    return ", ".join(held) or None


def model_percentages(
    keys: Sequence[str],
    positions: Mapping[Position, str],
    weights: ModelWeights,
    rest_keys: Sequence[str],
) -> dict[str, Decimal]:
    """A model's percentage for each touchpoint of a path (`keys`, in path order).

    A touchpoint gets the weight of every position it holds (one holding two positions gets both)
    plus an equal share of `rest` when it is one of `rest_keys`. Weight with nowhere to go (a
    position nobody holds, a rest nobody is in) is shared by the touchpoints that do hold weight, in
    proportion to what they hold, so the percentages sum to 100; when no touchpoint holds weight,
    every percentage is 0.
    """
    raw = dict.fromkeys(keys, Fraction(0))
    for position, key in positions.items():
        raw[key] += weights.positions.get(position, Fraction(0))
    for key in rest_keys:
        raw[key] += weights.rest / len(rest_keys)
    return dict(zip(keys, apportion(HUNDRED, [raw[key] for key in keys]), strict=True))


def apportion(
    total: Decimal, shares: Sequence[Fraction], places: int = PERCENT_PLACES
) -> list[Decimal]:
    """`total` divided in proportion to `shares`, each part rounded to `places` decimals, the parts
    summing to exactly `total`: each part is first rounded down, then the units left go one each to
    the parts that lost the most to rounding, the earliest first among equals (largest remainder).
    `total` is first rounded to `places`; a negative total is divided as its size and negated.
    All shares zero (or none) gives zero parts."""
    step = Decimal(1).scaleb(-places)
    whole = sum(shares, Fraction(0))
    if whole == 0:
        return [Decimal(0).quantize(step) for _ in shares]
    if total < 0:
        return [0 - part for part in apportion(-total, shares, places)]
    total_units = int(total.quantize(step).scaleb(places))
    exact = [total_units * share / whole for share in shares]
    units = [math.floor(part) for part in exact]
    by_loss = sorted(range(len(exact)), key=lambda index: (units[index] - exact[index], index))
    for index in by_loss[: total_units - sum(units)]:
        units[index] += 1
    return [Decimal(count).scaleb(-places).quantize(step) for count in units]
