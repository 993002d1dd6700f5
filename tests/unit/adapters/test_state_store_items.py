"""The state store's touchpoint map: every field of Touchpoint written, and read back equal
(the map is built field by field, not through dataclasses.asdict, so a new field must be added)."""

from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from touchpoints.adapters.state_store import _iso_text, _touchpoint_from_wire, _touchpoint_to_wire
from touchpoints.rules.models import Touchpoint


def a_touchpoint(**changes: object) -> Touchpoint:
    values: dict = {
        "key": "00v000000000001AAA",
        "campaign_id": "701000000000001AAA",
        "member_id": "00v000000000001AAA",
        "lead_id": "00Q000000000001AAA",
        "contact_id": None,
        "email": "p@example.com",
        "touchpoint_date": datetime(2026, 2, 5, 16, 30, tzinfo=UTC),
        "channel": "Event",
        "channel_path": "Event.Conference",
        "medium": "Conference",
    }
    return Touchpoint(**{**values, **changes})


def test_every_touchpoint_field_is_written_and_read_back_equal():
    touchpoint = a_touchpoint()

    parts = _touchpoint_to_wire(touchpoint)["M"]

    assert set(parts) == {field.name for field in fields(Touchpoint)}
    assert parts["touchpoint_date"] == {"S": "2026-02-05T16:30:00+00:00"}
    assert _touchpoint_from_wire(parts) == touchpoint


def test_absent_parts_stay_absent_after_the_round_trip():
    touchpoint = a_touchpoint(lead_id=None, contact_id="003000000000001AAA", medium=None)

    parts = _touchpoint_to_wire(touchpoint)["M"]

    assert parts["lead_id"] == parts["medium"] == {"NULL": True}
    assert _touchpoint_from_wire(parts) == touchpoint


@given(
    st.lists(
        st.datetimes(
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(0))])
        ),
        min_size=1,
        max_size=3,
    ).flatmap(lambda pool: st.lists(st.sampled_from(pool)))
)
def test_a_date_repeated_among_others_is_stored_as_its_own_isoformat(run):
    """Members share their dates: the last date's text is reused only for the same UTC moment,
    never for the same instant in another zone (whose text keeps its own offset)."""
    for moment in run:
        assert _iso_text(moment) == moment.isoformat()
