from dataclasses import replace
from datetime import UTC, datetime

from tests.builders import a_campaign, a_member
from touchpoints.rules.channels import DEFAULT_CHANNEL_MAPPING
from touchpoints.rules.diff import diff_touchpoints
from touchpoints.rules.eligibility import evaluate_member


def touchpoint(number: int, **changes):
    made = evaluate_member(a_campaign(), a_member(number), DEFAULT_CHANNEL_MAPPING).touchpoint
    return replace(made, **changes)


def keyed(*touchpoints):
    return {tp.key: tp for tp in touchpoints}


def test_new_desired_touchpoints_are_created():
    diff = diff_touchpoints(keyed(touchpoint(1)), {})
    assert diff.creates == (touchpoint(1),)
    assert not diff.updates
    assert not diff.deletes


def test_unchanged_touchpoints_give_an_empty_diff():
    assert diff_touchpoints(keyed(touchpoint(1)), keyed(touchpoint(1))).is_empty


def test_a_changed_date_channel_or_email_is_an_update():
    existing = keyed(touchpoint(1), touchpoint(2), touchpoint(3))
    desired = keyed(
        touchpoint(1, touchpoint_date=datetime(2026, 1, 15, tzinfo=UTC)),
        touchpoint(2, channel="Unmapped", channel_path="Unmapped"),
        touchpoint(3, email="new@example.com"),
    )
    diff = diff_touchpoints(desired, existing)
    assert {tp.key for tp in diff.updates} == set(desired)
    assert not diff.creates
    assert not diff.deletes


def test_the_same_instant_in_another_time_zone_is_not_a_change():
    from datetime import timedelta, timezone

    when = datetime(2026, 1, 15, 9, tzinfo=UTC)
    existing = keyed(touchpoint(1, touchpoint_date=when))
    desired = keyed(touchpoint(1, touchpoint_date=when.astimezone(timezone(timedelta(hours=-5)))))
    assert diff_touchpoints(desired, existing).is_empty


def test_touchpoints_no_longer_desired_are_deleted():
    diff = diff_touchpoints({}, keyed(touchpoint(1), touchpoint(2)))
    assert {tp.key for tp in diff.deletes} == {touchpoint(1).key, touchpoint(2).key}
