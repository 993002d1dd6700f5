"""Hardened inputs of the bulk touchpoint date API, through the handler (API Gateway events).

Each input that once got through (issue 10) is refused with a 422 that names the field, on
preview and on apply, and changes nothing: no job, no Salesforce write, no queued message. The
dates and limits come from Salesforce's documentation:
- "Data Import Dates" (Data Loader Guide): valid dates run from 1700-01-01T00:00:00Z to
  4000-12-31T00:00:00Z,
  https://developer.salesforce.com/docs/atlas.en-us.262.0.dataLoader.meta/dataLoader/data_loader_dates.htm
- "SOQL and SOSL Limits for Search Queries": a SOQL statement is at most 100,000 characters,
  https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm
- "Maximum number of rows returned by SOQL queries over the REST API" (Knowledge 000386264): the
  URI and headers of a REST call are at most 16,384 bytes together,
  https://help.salesforce.com/s/articleView?id=000386264&type=1
- "CampaignMemberStatus" (Object Reference): a status label is limited to 765 characters,
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_campaignmemberstatus.htm
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulators.api_gateway import admin_request
from emulators.world import World, lambda_context
from tests.integration.seeds import a_campaign, member_dates, members
from touchpoints.errors import SoqlTooLongError
from touchpoints.rules.member_filter import MemberFilter

CONFERENCE = "2026-01-15"


def call(world: World, method: str, path: str, body: Any = None, headers=None):
    event = admin_request(method, path, body, headers)
    reply = world.bulk_date.lambda_handler(event, lambda_context())
    return reply["statusCode"], json.loads(reply["body"])


def preview(world: World, campaign_id: str, body: Any):
    return call(world, "POST", f"/campaigns/{campaign_id}/touchpoint-date/preview", body)


def apply(world: World, campaign_id: str, body: Any, key: str = "key-1"):
    path = f"/campaigns/{campaign_id}/touchpoint-date"
    return call(world, "POST", path, body, {"Idempotency-Key": key})


def queued_messages(world: World) -> int:
    """Messages on the recompute queue and on the bulk date function's own queue."""
    sqs = world.session.client("sqs")
    total = 0
    for url in (world.queue_url, world.job_queue_url):
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        total += sum(int(count) for count in attributes.values())
    return total


def jobs_in_table(world: World) -> list[dict[str, Any]]:
    return [item for item in world.table_items() if item["SK"] == "JOB"]


@pytest.fixture
def campaign(world) -> str:
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    world.org.reset_calls()
    return campaign_id


def assert_refused_and_nothing_changed(world, campaign_id, body, code, field, *, salesforce_read):
    """Preview and apply both answer 422 `code` naming `field`; Salesforce was not written to
    (nor read, when the request is refused before it), no job was recorded, nothing queued."""
    before = member_dates(world.org, campaign_id)

    for status, reply in (preview(world, campaign_id, body), apply(world, campaign_id, body)):
        assert status == 422, reply
        assert set(reply) == {"error", "message", "field"}
        assert (reply["error"], reply["field"]) == (code, field), reply
        assert field in reply["message"] or code != "INVALID_REQUEST"

    assert member_dates(world.org, campaign_id) == before
    assert world.org.write_calls == 0
    if not salesforce_read:
        assert world.org.total_calls == 0
    assert jobs_in_table(world) == []
    assert queued_messages(world) == 0


# -- the rows of the table, and their neighbours -----------------------------------------

REFUSED = {
    # a JSON number was read as a Unix timestamp: 20260115 s → 1970-08-23
    "date as a JSON number": ({"date": 20260115}, "INVALID_REQUEST", "date"),
    "date as a digits-only string (timestamp)": (
        {"date": "1768435200"},
        "INVALID_REQUEST",
        "date",
    ),
    "date as a basic-format string": ({"date": "20260115"}, "INVALID_REQUEST", "date"),
    "date as a float": ({"date": 1768435200.5}, "INVALID_REQUEST", "date"),
    "date in Arabic-Indic digits": (
        {"date": "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0661\u0665"},
        "INVALID_REQUEST",
        "date",
    ),
    "year 1": ({"date": "0001-01-01", "allow_future": True}, "DATE_OUT_OF_RANGE", "date"),
    "year 4001": ({"date": "4001-01-01", "allow_future": True}, "DATE_OUT_OF_RANGE", "date"),
    "just before 1900": ({"date": "1899-12-31T23:59:59Z"}, "DATE_OUT_OF_RANGE", "date"),
    "just after Salesforce's latest moment": (
        {"date": "4000-12-31T00:00:01Z", "allow_future": True},
        "DATE_OUT_OF_RANGE",
        "date",
    ),
    "Salesforce's latest day, in a zone behind UTC": (
        {"date": "4000-12-31", "timezone": "America/New_York", "allow_future": True},
        "DATE_OUT_OF_RANGE",
        "date",
    ),
    # once an OverflowError: UTC of year 1 at +14:00 lies before datetime.min
    "year 1 at +14:00": ({"date": "0001-01-01T00:00:00+14:00"}, "DATE_OUT_OF_RANGE", "date"),
    "year 1 in a named time zone": (
        {"date": "0001-01-01", "timezone": "Pacific/Kiritimati"},
        "DATE_OUT_OF_RANGE",
        "date",
    ),
    "year 9999 behind UTC": (
        {"date": "9999-12-31T23:00:00-12:00", "allow_future": True},
        "DATE_OUT_OF_RANGE",
        "date",
    ),
    "created_from in year 1": (
        {"date": CONFERENCE, "filter": {"created_from": "0001-01-01"}},
        "INVALID_REQUEST",
        "filter.created_from",
    ),
    # once an OverflowError in the adapter (the day after date.max)
    "created_to in year 9999": (
        {"date": CONFERENCE, "filter": {"created_to": "9999-12-31"}},
        "INVALID_REQUEST",
        "filter.created_to",
    ),
    "created_from as a number": (
        {"date": CONFERENCE, "filter": {"created_from": 20260101}},
        "INVALID_REQUEST",
        "filter.created_from",
    ),
    # 20,000 statuses once made an 860,000-character SOQL sent as a GET
    "20,000 statuses": (
        {"date": CONFERENCE, "filter": {"statuses": [f"Status {n:05d}" for n in range(20_000)]}},
        "INVALID_REQUEST",
        "filter.statuses",
    ),
    "a status longer than a CampaignMemberStatus label": (
        {"date": CONFERENCE, "filter": {"statuses": ["Attended", "x" * 766]}},
        "INVALID_REQUEST",
        "filter.statuses[1]",
    ),
    "an empty status": (
        {"date": CONFERENCE, "filter": {"statuses": [""]}},
        "INVALID_REQUEST",
        "filter.statuses[0]",
    ),
    "5,001 member ids": (
        {"date": CONFERENCE, "filter": {"member_ids": [f"00v{n:015d}" for n in range(5001)]}},
        "INVALID_REQUEST",
        "filter.member_ids",
    ),
    "a member id of the wrong shape": (
        {"date": CONFERENCE, "filter": {"member_ids": ["00v' OR Id != '"]}},
        "INVALID_REQUEST",
        "filter.member_ids[0]",
    ),
    # within the caps, yet too long for one query: refused before Salesforce is asked
    "100 statuses of 765 characters": (
        {"date": CONFERENCE, "filter": {"statuses": [f"{n:03d}" + "x" * 762 for n in range(100)]}},
        "FILTER_TOO_LARGE",
        "filter.statuses",
    ),
    "unknown time zone": (
        {"date": CONFERENCE, "timezone": "Mars/Olympus"},
        "INVALID_REQUEST",
        "timezone",
    ),
    # once an unhandled OSError (file name too long) from zoneinfo
    "a 300-character time zone": (
        {"date": CONFERENCE, "timezone": "Europe/" + "x" * 293},
        "INVALID_REQUEST",
        "timezone",
    ),
    "the host's local time zone": (
        {"date": CONFERENCE, "timezone": "localtime"},
        "INVALID_REQUEST",
        "timezone",
    ),
    "a time zone path outside the IANA names": (
        {"date": CONFERENCE, "timezone": "posix/Europe/Paris"},
        "INVALID_REQUEST",
        "timezone",
    ),
    "a time zone in the wrong case": (
        {"date": CONFERENCE, "timezone": "europe/paris"},
        "INVALID_REQUEST",
        "timezone",
    ),
    "allow_future as a string": (
        {"date": "2026-03-01", "allow_future": "yes"},
        "INVALID_REQUEST",
        "allow_future",
    ),
    "only_without_date as a number": (
        {"date": CONFERENCE, "filter": {"only_without_date": 1}},
        "INVALID_REQUEST",
        "filter.only_without_date",
    ),
    "responded as a string": (
        {"date": CONFERENCE, "filter": {"responded": "true"}},
        "INVALID_REQUEST",
        "filter.responded",
    ),
}


@pytest.mark.parametrize("name", REFUSED)
def test_each_hardened_input_is_refused_naming_the_field_and_changes_nothing(world, campaign, name):
    body, code, field = REFUSED[name]
    assert_refused_and_nothing_changed(world, campaign, body, code, field, salesforce_read=False)


@pytest.mark.parametrize(
    ("date", "written"),
    [
        ("1900-01-01", "1900-01-01T00:00:00.000+0000"),
        ("4000-12-31", "4000-12-31T00:00:00.000+0000"),
        ("4000-12-31T09:00:00+09:00", "4000-12-31T00:00:00.000+0000"),
        ("4000-12-31", "4000-12-30T10:00:00.000+0000"),  # midnight at +14:00
    ],
    ids=["1900-01-01", "4000-12-31", "4000-12-31 at +09:00", "4000-12-31 in Kiritimati"],
)
def test_the_first_and_last_accepted_dates_are_written_with_four_digit_years(
    world, campaign, date, written
):
    body: dict[str, Any] = {"date": date, "allow_future": True}
    if written.startswith("4000-12-30"):
        body["timezone"] = "Pacific/Kiritimati"

    status, job = apply(world, campaign, body)

    assert status == 201, job
    assert job["state"] == "succeeded"
    assert set(member_dates(world.org, campaign).values()) == {written}


def test_a_filter_at_every_list_cap_that_fits_one_query_is_accepted(world, campaign):
    """100 statuses (the cap) of realistic length make one query within the URI limit."""
    statuses = ["Attended", *(f"Invited to breakout session {n:02d}" for n in range(99))]

    status, previewed = preview(
        world, campaign, {"date": CONFERENCE, "filter": {"statuses": statuses}}
    )

    assert status == 200, previewed
    assert previewed["matched"] == 3


def test_the_largest_realistic_filter_fits_every_query_it_makes(world):
    """5,000 member ids (asked 300 a query) with 100 statuses of 40 characters: each query's
    GET URL stays within the URI limit (measured: about 13,100 of the 14,336 bytes allowed)."""
    member_ids = frozenset(f"00v{n:015d}" for n in range(5000))
    statuses = frozenset(f"Invited to breakout session number {n:03d}"[:40] for n in range(100))
    criteria = MemberFilter(statuses=statuses, member_ids=member_ids)

    assert world.bulk_date.deps.salesforce.member_filter_fits("701000000000001AAA", criteria)


def test_no_query_longer_than_one_request_is_ever_sent(world):
    """The adapter's own guard: a query too long for the REST GET is refused before it is sent
    (the service refuses such a filter earlier; this is the last line)."""

    salesforce = world.bulk_date.deps.salesforce_transport
    world.org.reset_calls()
    long_soql = (
        "SELECT Id FROM CampaignMember WHERE Status IN ("
        + ",".join(f"'{n:06d}'" for n in range(2000))
        + ")"
    )

    with pytest.raises(SoqlTooLongError):
        list(salesforce.query(long_soql))

    assert world.org.total_calls == 0


def test_undo_restores_a_date_older_than_1900_that_salesforce_held(world, campaign):
    """The floor is for dates a caller asks for; undo gives back what Salesforce held (here
    1750), written with its four-digit year."""
    old = "1750-03-01T12:00:00.000+0000"
    for member_id in member_dates(world.org, campaign):
        world.org.update_record("CampaignMember", member_id, {"Buyer_Touchpoint_Date__c": old})
    _, job = apply(world, campaign, {"date": CONFERENCE})

    status, undone = call(world, "POST", f"/jobs/{job['job_id']}/undo")

    assert status == 201, undone
    assert undone["state"] == "succeeded"
    assert set(member_dates(world.org, campaign).values()) == {old}
