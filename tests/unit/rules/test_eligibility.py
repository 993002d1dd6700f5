from datetime import UTC, date, datetime

import pytest

from tests.builders import CAMPAIGN_ID, a_campaign, a_member
from touchpoints.rules.channels import DEFAULT_CHANNEL_MAPPING
from touchpoints.rules.eligibility import evaluate_campaign, evaluate_member
from touchpoints.rules.keys import touchpoint_key
from touchpoints.rules.models import Reason, SyncMode

CHANNELS = DEFAULT_CHANNEL_MAPPING


def test_include_all_gives_every_member_with_an_email_a_touchpoint():
    campaign = a_campaign(sync_mode=SyncMode.INCLUDE_ALL)
    outcome = evaluate_member(campaign, a_member(has_responded=False), CHANNELS)
    assert outcome.reason is Reason.TOUCHPOINT
    touchpoint = outcome.touchpoint
    assert touchpoint.key == touchpoint_key(a_member().id)
    assert touchpoint.campaign_id == CAMPAIGN_ID
    assert touchpoint.channel == "Offline Event"
    assert touchpoint.channel_path == "Offline Event.Conference"
    assert touchpoint.medium == "Conference"
    assert touchpoint.email == "person1@example.com"


def test_include_responded_skips_members_that_did_not_respond():
    campaign = a_campaign(sync_mode=SyncMode.INCLUDE_RESPONDED)
    outcome = evaluate_member(campaign, a_member(has_responded=False), CHANNELS)
    assert outcome.reason is Reason.NOT_RESPONDED
    assert outcome.touchpoint is None


def test_include_responded_keeps_members_that_responded():
    campaign = a_campaign(sync_mode=SyncMode.INCLUDE_RESPONDED)
    assert evaluate_member(campaign, a_member(has_responded=True), CHANNELS).touchpoint


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        (SyncMode.EXCLUDE_ALL, Reason.CAMPAIGN_EXCLUDED),
        (SyncMode.NOT_SYNCED, Reason.CAMPAIGN_NOT_SYNCED),
    ],
)
def test_excluded_or_unsynced_campaigns_give_no_touchpoint(mode, reason):
    outcome = evaluate_member(a_campaign(sync_mode=mode), a_member(), CHANNELS)
    assert outcome.reason is reason
    assert outcome.touchpoint is None


@pytest.mark.parametrize("email", [None, "", "not-an-email"])
def test_a_member_without_a_valid_email_gets_no_touchpoint(email):
    outcome = evaluate_member(a_campaign(), a_member(email=email), CHANNELS)
    assert outcome.reason is Reason.NO_EMAIL


def test_a_member_with_neither_lead_nor_contact_gets_no_touchpoint():
    member = a_member(lead_id=None, contact_id=None, email=None)
    assert evaluate_member(a_campaign(), member, CHANNELS).reason is Reason.NO_EMAIL


def test_email_is_checked_before_response():
    campaign = a_campaign(sync_mode=SyncMode.INCLUDE_RESPONDED)
    member = a_member(email=None, has_responded=False)
    assert evaluate_member(campaign, member, CHANNELS).reason is Reason.NO_EMAIL


def test_a_member_dated_outside_the_window_gets_no_touchpoint():
    campaign = a_campaign(end_date=date(2026, 1, 31))
    member = a_member(created_date=datetime(2026, 2, 5, tzinfo=UTC))
    assert evaluate_member(campaign, member, CHANNELS).reason is Reason.OUTSIDE_WINDOW


def test_the_bulk_date_brings_a_late_loaded_member_inside_the_window():
    campaign = a_campaign(end_date=date(2026, 1, 31))
    member = a_member(
        created_date=datetime(2026, 2, 5, tzinfo=UTC),
        touchpoint_date=datetime(2026, 1, 15, tzinfo=UTC),
    )
    outcome = evaluate_member(campaign, member, CHANNELS)
    assert outcome.touchpoint.touchpoint_date == datetime(2026, 1, 15, tzinfo=UTC)


def test_an_unmapped_campaign_type_still_gets_a_touchpoint_on_channel_unmapped():
    outcome = evaluate_member(a_campaign(type="Roadshow"), a_member(), CHANNELS)
    assert outcome.touchpoint.channel == "Unmapped"
    assert outcome.touchpoint.medium == "Roadshow"


def test_a_contact_member_carries_the_contact():
    member = a_member(lead_id=None, contact_id="003000000000001AAA")
    touchpoint = evaluate_member(a_campaign(), member, CHANNELS).touchpoint
    assert touchpoint.contact_id == "003000000000001AAA"
    assert touchpoint.lead_id is None


def test_switching_a_campaign_from_include_to_exclude_takes_every_touchpoint_away():
    members = [a_member(n) for n in range(1, 6)]
    included = list(
        evaluate_campaign(a_campaign(sync_mode=SyncMode.INCLUDE_ALL), members, CHANNELS)
    )
    excluded = list(
        evaluate_campaign(a_campaign(sync_mode=SyncMode.EXCLUDE_ALL), members, CHANNELS)
    )
    assert all(outcome.touchpoint for outcome in included)
    assert not any(outcome.touchpoint for outcome in excluded)
    assert {outcome.reason for outcome in excluded} == {Reason.CAMPAIGN_EXCLUDED}
