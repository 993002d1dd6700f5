from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from touchpoints.rules.attribution import PathTouchpoint, Position
from touchpoints.rules.attribution_influence import campaign_influence
from touchpoints.rules.attribution_opportunity import (
    FULL_PATH_MODEL,
    AttributionModel,
    ContactPath,
    Opportunity,
    attribute_opportunity,
    custom_model_weights,
)

CUSTOM = custom_model_weights({"FT": 40, "LC": 0, "OC": 20, "Closed": 40})


def on(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def touchpoint(key: str, month: int, day: int, campaign: str = "701A") -> PathTouchpoint:
    return PathTouchpoint(key, on(month, day), campaign)


def an_opportunity(**changes) -> Opportunity:
    values = {
        "id": "006000000000001AAA",
        "created_at": on(3, 1),
        "close_date": date(2026, 3, 31),
        "is_won": True,
        "amount": Decimal(1000),
    }
    return Opportunity(**(values | changes))


def attribution(opportunity, contacts, revenue_model=AttributionModel.W_SHAPED):
    rows = attribute_opportunity(opportunity, contacts, CUSTOM, revenue_model)
    return {row.touchpoint_key: row for row in rows}


def five_touch_contact() -> ContactPath:
    return ContactPath(
        "003A",
        created_at=on(2, 1),
        touchpoints=[
            touchpoint("jan", 1, 10),
            touchpoint("feb", 2, 1),
            touchpoint("mid", 2, 10),
            touchpoint("opp", 2, 20),
            touchpoint("mar", 3, 20),
        ],
    )


def test_positions_of_a_won_opportunity():
    rows = attribution(an_opportunity(), [five_touch_contact()])
    assert {key: row.position for key, row in rows.items()} == {
        "jan": "FT",
        "feb": "LC",
        "mid": None,
        "opp": "OC",
        "mar": "Closed",
    }


def test_w_shaped_and_full_path_percentages_with_a_rest():
    rows = attribution(an_opportunity(), [five_touch_contact()])
    # W: 30 FT, 30 LC, 30 OC, 10 over the rest ("mid" and the Closed one, not a W position).
    assert [rows[key].w_shaped for key in ("jan", "feb", "mid", "opp", "mar")] == [
        30,
        30,
        5,
        30,
        5,
    ]
    # Full Path: 22.5 on each position, 10 over the rest ("mid" alone).
    assert [rows[key].full_path for key in ("jan", "feb", "mid", "opp", "mar")] == [
        Decimal("22.5"),
        Decimal("22.5"),
        10,
        Decimal("22.5"),
        Decimal("22.5"),
    ]
    assert all(rows[key].linear == 20 for key in rows)
    assert [rows[key].custom for key in ("jan", "feb", "mid", "opp", "mar")] == [40, 0, 0, 20, 40]


def test_revenue_is_the_amount_times_the_chosen_models_percentage():
    rows = attribution(an_opportunity(), [five_touch_contact()], AttributionModel.FULL_PATH)
    assert [rows[key].revenue for key in ("jan", "feb", "mid", "opp", "mar")] == [
        225,
        225,
        100,
        225,
        225,
    ]


def test_an_opportunity_without_an_amount_has_no_revenue():
    rows = attribution(an_opportunity(amount=None), [five_touch_contact()])
    assert {row.revenue for row in rows.values()} == {None}


def test_a_lost_opportunity_has_no_closed_position_and_full_path_shares_its_weight():
    rows = attribution(an_opportunity(is_won=False), [five_touch_contact()])
    assert rows["mar"].position is None
    # 22.5 x 3 on positions and 10 over "mid" and "mar": 67.5 + 10 = 77.5 scaled to 100.
    assert [rows[key].full_path for key in ("jan", "feb", "mid", "opp", "mar")] == [
        Decimal("29.04"),
        Decimal("29.03"),
        Decimal("6.45"),
        Decimal("29.03"),
        Decimal("6.45"),
    ]
    assert sum(row.full_path for row in rows.values()) == 100


def test_touchpoints_dated_after_the_close_date_are_left_out():
    opportunity = an_opportunity(close_date=date(2026, 2, 15))
    rows = attribution(opportunity, [five_touch_contact()])
    assert list(rows) == ["jan", "feb", "mid"]
    assert rows["mid"].position == "OC, Closed"


def test_the_close_date_is_inclusive():
    opportunity = an_opportunity(close_date=date(2026, 3, 20))
    assert "mar" in attribution(opportunity, [five_touch_contact()])


def test_lead_creation_is_the_earliest_contacts_lead_creation_touchpoint():
    first = ContactPath("003A", on(2, 5), [touchpoint("a1", 1, 5), touchpoint("a2", 2, 3)])
    second = ContactPath("003B", on(1, 20), [touchpoint("b1", 1, 15, "701B")])
    rows = attribution(an_opportunity(), [first, second])
    assert {key: row.position for key, row in rows.items()} == {
        "a1": "FT",
        "b1": "LC",
        "a2": "OC, Closed",
    }
    assert rows["b1"].contact_id == "003B"
    assert rows["b1"].key == "006000000000001AAA:b1"


def test_an_opportunity_without_touchpoints_has_no_attribution():
    assert (
        attribute_opportunity(an_opportunity(), [], FULL_PATH_MODEL, AttributionModel.LINEAR) == []
    )


def test_campaign_influence_sums_the_models_percentages_per_campaign_and_contact():
    contact = ContactPath(
        "003A",
        on(2, 1),
        [
            touchpoint("a", 1, 10, "701J"),
            touchpoint("b", 2, 1, "701J"),
            touchpoint("c", 2, 20, "701F"),
        ],
    )
    rows = attribute_opportunity(an_opportunity(), [contact], CUSTOM, AttributionModel.W_SHAPED)
    shares = campaign_influence(rows, AttributionModel.W_SHAPED)
    assert [(share.campaign_id, share.contact_id, share.influence) for share in shares] == [
        ("701F", "003A", Decimal("33.33")),
        ("701J", "003A", Decimal("66.67")),
    ]


def test_a_campaign_with_no_influence_gets_no_record():
    contact = ContactPath(
        "003A",
        on(2, 1),
        [
            touchpoint("a", 1, 10, "701J"),
            touchpoint("b", 2, 1, "701L"),
            touchpoint("c", 2, 9, "701J"),
        ],
    )
    rows = attribute_opportunity(an_opportunity(), [contact], CUSTOM, AttributionModel.CUSTOM)
    # custom: LC weighs 0, so campaign 701L (the LC touchpoint only) has no influence.
    assert [share.campaign_id for share in campaign_influence(rows, AttributionModel.CUSTOM)] == [
        "701J"
    ]


def test_custom_weights_become_position_weights_and_the_rest():
    weights = custom_model_weights({"FT": "25.5", "OC": 24.5, "Closed": 40, "Other": 10})
    assert weights.positions[Position.LEAD_CREATION] == 0
    assert weights.positions[Position.FIRST_TOUCH] == Decimal("25.5")
    assert weights.rest == 10


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"FT": 50, "LC": 40}, "sum to 100"),
        ({"FT": 150, "LC": -50}, "between 0 and 100"),
        ({"FT": 100, "Middle": 0}, "unknown custom model entries ['Middle']"),
        ({"FT": "lots"}, "must be a number"),
        ({"FT": True}, "must be a number"),
        ({"FT": "NaN"}, "between 0 and 100"),
    ],
)
def test_custom_weights_that_are_not_a_model_are_refused(weights, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        custom_model_weights(weights)


def test_a_touchpoint_without_a_campaign_influences_no_campaign():
    contact = ContactPath(
        "003A", on(2, 1), [touchpoint("a", 1, 10, "701J"), touchpoint("b", 2, 1, "")]
    )
    rows = attribute_opportunity(an_opportunity(), [contact], CUSTOM, AttributionModel.LINEAR)
    shares = campaign_influence(rows, AttributionModel.LINEAR)
    assert [(share.campaign_id, share.influence) for share in shares] == [("701J", 50)]
