from decimal import Decimal
from fractions import Fraction

import pytest

from touchpoints.rules.attribution import (
    ModelWeights,
    Position,
    apportion,
    model_percentages,
    position_label,
)


def test_a_third_each_rounds_to_two_decimals_and_the_cent_left_goes_to_the_first():
    parts = apportion(Decimal(100), [Fraction(1)] * 3)
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_the_unit_left_goes_to_the_part_that_lost_most_to_rounding():
    # exact parts 16.666..., 33.333..., 50.0: the first loses 0.00666..., the second 0.00333...
    parts = apportion(Decimal(100), [Fraction(1), Fraction(2), Fraction(3)])
    assert parts == [Decimal("16.67"), Decimal("33.33"), Decimal("50.00")]
    assert sum(parts) == 100


def test_revenue_is_apportioned_to_the_cent_and_sums_to_the_amount():
    parts = apportion(Decimal("1000.01"), [Fraction(1)] * 3)
    assert sum(parts) == Decimal("1000.01")
    assert parts == [Decimal("333.34"), Decimal("333.34"), Decimal("333.33")]


def test_a_negative_amount_is_apportioned_as_its_size_and_negated():
    assert apportion(Decimal("-10"), [Fraction(1)] * 3) == [
        Decimal("-3.34"),
        Decimal("-3.33"),
        Decimal("-3.33"),
    ]


def test_nothing_to_share_gives_zero_parts():
    assert apportion(Decimal(100), [Fraction(0), Fraction(0)]) == [Decimal("0.00")] * 2
    assert apportion(Decimal(100), []) == []


def test_a_touchpoint_holding_two_positions_gets_both_weights():
    weights = ModelWeights(
        {Position.FIRST_TOUCH: Fraction(30), Position.LEAD_CREATION: Fraction(30)},
        rest=Fraction(40),
    )
    positions = {Position.FIRST_TOUCH: "a", Position.LEAD_CREATION: "a"}
    assert model_percentages(["a", "b"], positions, weights, ["b"]) == {
        "a": Decimal("60.00"),
        "b": Decimal("40.00"),
    }


def test_weight_with_nowhere_to_go_is_shared_in_proportion_by_those_holding_weight():
    weights = ModelWeights(
        {Position.FIRST_TOUCH: Fraction(40), Position.LEAD_CREATION: Fraction(40)},
        rest=Fraction(20),
    )
    # No LC and no rest: FT holds all; with a rest of two, 40 : 10 : 10 scaled to 100.
    assert model_percentages(["a"], {Position.FIRST_TOUCH: "a"}, weights, []) == {
        "a": Decimal("100.00")
    }
    shares = model_percentages(["a", "b", "c"], {Position.FIRST_TOUCH: "a"}, weights, ["b", "c"])
    assert shares == {"a": Decimal("66.67"), "b": Decimal("16.67"), "c": Decimal("16.66")}


@pytest.mark.parametrize(
    ("positions", "label"),
    [
        (frozenset(), None),
        (frozenset({Position.FIRST_TOUCH}), "FT"),
        (frozenset({Position.LEAD_CREATION, Position.FIRST_TOUCH}), "FT, LC"),
        (frozenset({Position.CLOSED, Position.OPPORTUNITY_CREATION}), "OC, Closed"),
    ],
)
def test_the_position_label_lists_positions_in_path_order(positions, label):
    assert position_label(positions) == label
