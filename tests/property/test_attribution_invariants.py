"""Invariants of the attribution rules over generated paths (DESIGN.md, "Attribution")."""

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from touchpoints.rules.attribution import PathTouchpoint
from touchpoints.rules.attribution_influence import campaign_influence
from touchpoints.rules.attribution_opportunity import (
    AttributionModel,
    ContactPath,
    Opportunity,
    attribute_opportunity,
    custom_model_weights,
)
from touchpoints.rules.attribution_person import attribute_person

moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 6, 30), timezones=st.just(UTC)
)
touchpoints = st.builds(
    PathTouchpoint,
    key=st.text("abcdefgh", min_size=1, max_size=4),
    moment=moments,
    campaign_id=st.sampled_from(["701A", "701B", "701C"]),
)
paths = st.lists(touchpoints, max_size=12, unique_by=lambda touchpoint: touchpoint.key)
contacts = st.lists(
    st.builds(
        ContactPath,
        contact_id=st.sampled_from(["003A", "003B", "003C"]),
        created_at=moments,
        touchpoints=paths,
    ),
    max_size=3,
    unique_by=lambda contact: contact.contact_id,
)
opportunities = st.builds(
    Opportunity,
    id=st.just("006000000000001AAA"),
    created_at=moments,
    close_date=st.dates(date(2026, 1, 1), date(2026, 7, 31)),
    is_won=st.booleans(),
    amount=st.none() | st.decimals("-1000000", "1000000", places=2),
)
custom_weights = (
    st.lists(st.integers(0, 10_000), min_size=5, max_size=5)
    .filter(lambda parts: sum(parts) > 0)
    .map(
        lambda parts: custom_model_weights(
            dict(
                zip(
                    ["FT", "LC", "OC", "Closed", "Other"],
                    _to_hundred(parts),
                    strict=True,
                )
            )
        )
    )
)


def _to_hundred(parts: list[int]) -> list[Decimal]:
    scaled = [Decimal(part * 100 // sum(parts)) for part in parts]
    scaled[0] += 100 - sum(scaled)
    return scaled


PERSON_MODELS = ("first_touch", "lead_creation", "u_shaped")
OPPORTUNITY_MODELS = ("w_shaped", "full_path", "linear", "custom")


@given(paths, moments)
def test_every_person_model_sums_to_100_when_a_touchpoint_holds_its_weight(path, created_at):
    rows = attribute_person(path, created_at)
    has_lead_creation = any(row.position and "LC" in row.position for row in rows)
    for model in PERSON_MODELS:
        total = sum(getattr(row, model) for row in rows)
        expected = 100 if rows and (model != "lead_creation" or has_lead_creation) else 0
        assert total == expected
        assert all(
            getattr(row, model) == getattr(row, model).quantize(Decimal("0.01")) for row in rows
        )


@given(paths, moments, st.randoms(use_true_random=False))
def test_person_attribution_does_not_depend_on_input_order(path, created_at, random):
    shuffled = list(path)
    random.shuffle(shuffled)
    assert attribute_person(shuffled, created_at) == attribute_person(path, created_at)


@given(paths, moments)
def test_each_person_position_is_held_once(path, created_at):
    labels = [
        row.position.split(", ") for row in attribute_person(path, created_at) if row.position
    ]
    held = [position for label in labels for position in label]
    assert len(held) == len(set(held))
    assert ("FT" in held) == bool(path)


@given(opportunities, contacts, custom_weights)
def test_every_opportunity_model_sums_to_100_and_revenue_to_the_amount(opportunity, people, custom):
    rows = attribute_opportunity(opportunity, people, custom, AttributionModel.CUSTOM)
    for model in OPPORTUNITY_MODELS:
        assert sum(getattr(row, model) for row in rows) == (100 if rows else 0)
    if rows and opportunity.amount is not None:
        assert sum(row.revenue for row in rows) == opportunity.amount
    shares = campaign_influence(rows, AttributionModel.CUSTOM)
    assert sum(share.influence for share in shares) == (100 if rows else 0)


@given(opportunities, contacts, custom_weights)
def test_each_opportunity_position_is_held_once_and_closed_only_when_won(
    opportunity, people, custom
):
    rows = attribute_opportunity(opportunity, people, custom, AttributionModel.LINEAR)
    held = [p for row in rows if row.position for p in row.position.split(", ")]
    assert len(held) == len(set(held))
    assert ("Closed" in held) == (opportunity.is_won and bool(rows))
    assert all(row.moment.date() <= opportunity.close_date for row in rows)


@given(opportunities, contacts, st.randoms(use_true_random=False))
def test_opportunity_attribution_does_not_depend_on_input_order(opportunity, people, random):
    custom = custom_model_weights({"FT": 40, "OC": 20, "Closed": 40})
    shuffled = [
        ContactPath(
            person.contact_id,
            person.created_at,
            random.sample(list(person.touchpoints), len(person.touchpoints)),
        )
        for person in random.sample(people, len(people))
    ]
    assert attribute_opportunity(opportunity, shuffled, custom, AttributionModel.FULL_PATH) == (
        attribute_opportunity(opportunity, people, custom, AttributionModel.FULL_PATH)
    )


@given(opportunities, contacts)
def test_a_missing_positions_weight_goes_to_those_present_in_proportion(opportunity, people):
    """Full Path without a rest: each present position's touchpoint gets 100 / positions held."""
    rows = attribute_opportunity(
        opportunity, people, custom_model_weights({"FT": 100}), AttributionModel.LINEAR
    )
    holders = [row for row in rows if row.position]
    if rows and len(holders) == len(rows):
        weights = [len(row.position.split(", ")) for row in rows]
        for row, weight in zip(rows, weights, strict=True):
            exact = Decimal(100) * weight / sum(weights)
            assert abs(row.full_path - exact) <= Decimal("0.01")
