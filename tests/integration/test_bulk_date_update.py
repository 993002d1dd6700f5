"""Bulk touchpoint date through the handler: preview, apply, track, continue, re-date, undo."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from moto import mock_aws

from emulators.api_gateway import ADMIN_ARN, admin_request
from emulators.world import World, event, lambda_context, sqs_event
from tests.integration.seeds import (
    EARLIER_DATE,
    a_campaign,
    a_mixed_campaign,
    campaign_notification,
    member_dates,
    members,
)
from touchpoints.adapters.salesforce_transport import LOCK_RETRIES

CONFERENCE = "2026-01-15"
CONFERENCE_SF = "2026-01-15T00:00:00.000+0000"  # how Salesforce returns it
LOCKED = "UNABLE_TO_LOCK_ROW"
ALWAYS = LOCK_RETRIES + 1  # locked on the first try and on every retry


# -- driving the API ------------------------------------------------------------------------------


def call(world: World, method: str, path: str, body=None, headers=None, query=None, context=None):
    event = admin_request(method, path, body, headers, query)
    reply = world.bulk_date.lambda_handler(event, context or lambda_context())
    return reply["statusCode"], json.loads(reply["body"])


def preview(world: World, campaign_id: str, body: dict[str, Any]):
    return call(world, "POST", f"/campaigns/{campaign_id}/touchpoint-date/preview", body)


def apply(world: World, campaign_id: str, body: dict[str, Any], key: str = "key-1", context=None):
    headers = {"Idempotency-Key": key}
    return call(
        world, "POST", f"/campaigns/{campaign_id}/touchpoint-date", body, headers, context=context
    )


def get_job(world: World, job_id: str, **query: str):
    return call(world, "GET", f"/jobs/{job_id}", query=query or None)


def undo(world: World, job_id: str):
    return call(world, "POST", f"/jobs/{job_id}/undo")


def seconds_left(*seconds: float) -> SimpleNamespace:
    """A Lambda context whose remaining time follows `seconds`, round and round: each
    invocation starts the cycle again when the cycle length matches its chunk checks."""
    remaining = itertools.cycle(seconds)
    context = lambda_context("bulk-date")
    context.get_remaining_time_in_millis = lambda: int(next(remaining) * 1000)
    return context


def jobs_in_table(world: World) -> list[dict[str, Any]]:
    return [item for item in world.table_items() if item["SK"] == "JOB"]


def matching(world: World, campaign_id: str, keep) -> set[str]:
    """The members a filter should select, worked out from Salesforce's own records."""
    return {
        m["Id"]
        for m in world.org.records("CampaignMember")
        if m["CampaignId"] == campaign_id and keep(m)
    }


# -- preview and apply ----------------------------------------------------------------------------

FILTERS = {
    "everyone": ({}, lambda m: True),
    "statuses": ({"statuses": ["Registered"]}, lambda m: m["Status"] == "Registered"),
    "responded": ({"responded": True}, lambda m: m["HasResponded"]),
    "not responded": ({"responded": False}, lambda m: not m["HasResponded"]),
    "created from": (
        {"created_from": "2026-02-10"},
        lambda m: m["CreatedDate"] >= "2026-02-10",
    ),
    "created to": ({"created_to": "2026-02-01"}, lambda m: m["CreatedDate"] < "2026-02-02"),
    "only without date": (
        {"only_without_date": True},
        lambda m: m.get("Buyer_Touchpoint_Date__c") is None,
    ),
    "combined": (
        {"statuses": ["Attended"], "created_from": "2026-02-10", "only_without_date": True},
        lambda m: (
            m["Status"] == "Attended"
            and m["CreatedDate"] >= "2026-02-10"
            and m.get("Buyer_Touchpoint_Date__c") is None
        ),
    ),
}


@pytest.mark.parametrize("name", FILTERS)
def test_preview_counts_match_apply_counts_for_every_filter(world, name):
    campaign_id = a_mixed_campaign(world.org)
    criteria, keep = FILTERS[name]
    expected = matching(world, campaign_id, keep)
    before = member_dates(world.org, campaign_id)

    status, previewed = preview(world, campaign_id, {"date": CONFERENCE, "filter": criteria})
    assert status == 200
    assert member_dates(world.org, campaign_id) == before  # a preview changes nothing
    status, job = apply(world, campaign_id, {"date": CONFERENCE, "filter": criteria})

    assert status == 201
    assert previewed["matched"] == job["progress"]["matched"] == len(expected)
    assert job["progress"] == {"matched": len(expected), "updated": len(expected), "failed": 0}
    assert job["state"] == "succeeded"
    after = member_dates(world.org, campaign_id)
    assert {m for m, d in after.items() if d == CONFERENCE_SF} == expected
    assert {m: d for m, d in after.items() if m not in expected} == {
        m: d for m, d in before.items() if m not in expected
    }


def test_member_ids_filter_selects_exactly_those_members(world):
    campaign_id = a_mixed_campaign(world.org)
    chosen = sorted(member_dates(world.org, campaign_id))[3:6]

    status, job = apply(world, campaign_id, {"date": CONFERENCE, "filter": {"member_ids": chosen}})

    assert status == 201
    assert job["progress"]["updated"] == 3
    dated = {m for m, d in member_dates(world.org, campaign_id).items() if d == CONFERENCE_SF}
    assert dated == set(chosen)


def test_only_without_date_selects_exactly_the_members_with_no_date(world):
    campaign_id = a_mixed_campaign(world.org)
    before = member_dates(world.org, campaign_id)
    undated = {m for m, d in before.items() if d is None}

    _, previewed = preview(
        world, campaign_id, {"date": CONFERENCE, "filter": {"only_without_date": True}}
    )
    apply(world, campaign_id, {"date": CONFERENCE, "filter": {"only_without_date": True}})

    assert previewed["matched"] == len(undated) == 8
    assert previewed["already_dated"] == 0
    after = member_dates(world.org, campaign_id)
    assert {m for m, d in after.items() if d == CONFERENCE_SF} == undated
    assert all(after[m] == EARLIER_DATE for m in before if m not in undated)


def test_preview_says_which_members_already_carry_a_date_and_shows_a_sample(world):
    campaign_id = a_mixed_campaign(world.org)
    dated = {m for m, d in member_dates(world.org, campaign_id).items() if d is not None}

    status, body = preview(world, campaign_id, {"date": CONFERENCE})

    assert status == 200
    assert body["matched"] == 16
    assert body["already_dated"] == 8
    assert {m["member_id"] for m in body["already_dated_members"]} == dated
    assert {m["touchpoint_date"] for m in body["already_dated_members"]} == {"2026-01-10T09:00:00Z"}
    assert len(body["sample"]) == 10
    assert body["date"] == "2026-01-15T00:00:00Z"
    assert body["touchpoints_enabled"] is True
    assert body["write_path"] == "collections"


def test_a_date_with_a_time_zone_means_midnight_there(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 2)

    _, body = preview(world, campaign_id, {"date": CONFERENCE, "timezone": "America/New_York"})
    apply(world, campaign_id, {"date": "2026-01-15T09:30:00+01:00"})

    assert body["date"] == "2026-01-15T05:00:00Z"
    assert set(member_dates(world.org, campaign_id).values()) == {"2026-01-15T08:30:00.000+0000"}


def test_the_job_records_who_started_it_when_and_with_what(world):
    campaign_id = a_mixed_campaign(world.org)
    _, created = apply(world, campaign_id, {"date": CONFERENCE, "filter": {"responded": True}})

    status, job = get_job(world, created["job_id"])

    assert status == 200
    assert job["requested_by"] == ADMIN_ARN
    assert job["created_at"] == "2026-02-05T16:45:00Z"
    assert job["finished_at"] == "2026-02-05T16:45:00Z"
    assert job["kind"] == "apply"
    assert job["filter"] == {"responded": True}
    assert job["date"] == "2026-01-15T00:00:00Z"
    assert job["write_path"] == "collections"


# -- touchpoints already enabled ------------------------------------------------------------------


def test_apply_on_an_enabled_campaign_re_dates_its_touchpoints_after_the_recompute(world):
    org = world.org
    campaign_id = a_campaign(org, "Include All Campaign Members")
    members(org, campaign_id, 4)
    world.deliver(world.message(campaign_notification(org, campaign_id)))
    world.drain_queue()
    assert {tp["Touchpoint_Date__c"][:10] for tp in world.touchpoints()} == {"2026-02-05"}

    status, job = apply(world, campaign_id, {"date": CONFERENCE})
    assert status == 201
    assert job["touchpoints_enabled"] is True
    assert job["recompute_enqueued"] is True
    world.drain_queue()

    assert len(world.touchpoints()) == 4
    assert {tp["Touchpoint_Date__c"][:10] for tp in world.touchpoints()} == {"2026-01-15"}


def test_a_campaign_that_is_not_synced_gets_its_dates_and_no_recompute(world):
    campaign_id = a_campaign(world.org, None)
    members(world.org, campaign_id, 3)

    _, job = apply(world, campaign_id, {"date": CONFERENCE})

    assert job["touchpoints_enabled"] is False
    assert job["recompute_enqueued"] is False
    assert world.queue_depth() == 0
    assert set(member_dates(world.org, campaign_id).values()) == {CONFERENCE_SF}


# -- idempotency ----------------------------------------------------------------------------------


def test_a_repeat_with_the_same_key_returns_the_first_job_and_never_applies_twice(world):
    org = world.org
    campaign_id = a_mixed_campaign(org)
    body = {"date": CONFERENCE, "filter": {"only_without_date": True}}
    first_status, first = apply(world, campaign_id, body, key="jan-conf-1")
    someone = next(m for m, d in member_dates(org, campaign_id).items() if d == CONFERENCE_SF)
    org.update_record("CampaignMember", someone, {"Buyer_Touchpoint_Date__c": None})
    writes = org.calls["composite_update"]

    again_status, again = apply(world, campaign_id, body, key="jan-conf-1")

    assert (first_status, again_status) == (201, 200)
    assert again["job_id"] == first["job_id"]
    assert again["progress"] == first["progress"]
    assert org.calls["composite_update"] == writes
    assert member_dates(org, campaign_id)[someone] is None  # not applied a second time
    assert len(jobs_in_table(world)) == 1


def test_the_same_key_for_another_request_is_refused(world):
    campaign_id = a_mixed_campaign(world.org)
    apply(world, campaign_id, {"date": CONFERENCE}, key="k")

    status, body = apply(world, campaign_id, {"date": "2026-01-16"}, key="k")

    assert status == 422
    assert body["error"] == "IDEMPOTENCY_KEY_REUSED"
    assert body["field"] == "Idempotency-Key"
    assert set(member_dates(world.org, campaign_id).values()) == {CONFERENCE_SF}


# -- undo -----------------------------------------------------------------------------------------


def test_undo_restores_previous_values_including_members_that_had_none(world):
    org = world.org
    campaign_id = a_mixed_campaign(org)
    before = member_dates(org, campaign_id)
    assert None in before.values()
    assert EARLIER_DATE in before.values()
    _, job = apply(world, campaign_id, {"date": CONFERENCE})
    assert set(member_dates(org, campaign_id).values()) == {CONFERENCE_SF}

    status, undone = undo(world, job["job_id"])

    assert status == 201
    assert undone["kind"] == "undo"
    assert undone["undo_of"] == job["job_id"]
    assert undone["state"] == "succeeded"
    assert undone["progress"] == {"matched": 16, "updated": 16, "failed": 0}
    assert member_dates(org, campaign_id) == before
    _, original = get_job(world, job["job_id"])
    assert original["undone_by"] == undone["job_id"]


def test_undo_asked_twice_returns_the_same_undo_job(world):
    campaign_id = a_mixed_campaign(world.org)
    _, job = apply(world, campaign_id, {"date": CONFERENCE})
    _, first = undo(world, job["job_id"])
    writes = world.org.calls["composite_update"]

    status, again = undo(world, job["job_id"])

    assert status == 200
    assert again["job_id"] == first["job_id"]
    assert world.org.calls["composite_update"] == writes


def test_undo_re_dates_touchpoints_back(world):
    org = world.org
    campaign_id = a_campaign(org, "Include All Campaign Members")
    members(org, campaign_id, 3)
    _, job = apply(world, campaign_id, {"date": CONFERENCE})
    world.drain_queue()
    assert {tp["Touchpoint_Date__c"][:10] for tp in world.touchpoints()} == {"2026-01-15"}

    _, undone = undo(world, job["job_id"])
    world.drain_queue()

    assert undone["recompute_enqueued"] is True
    assert {tp["Touchpoint_Date__c"][:10] for tp in world.touchpoints()} == {"2026-02-05"}


def test_undo_keeps_a_date_changed_since_the_job_and_reports_it(world):
    org = world.org
    campaign_id = a_campaign(org)
    first, second = members(org, campaign_id, 2)
    _, job = apply(world, campaign_id, {"date": CONFERENCE})
    org.update_record("CampaignMember", second, {"Buyer_Touchpoint_Date__c": EARLIER_DATE})

    _, undone = undo(world, job["job_id"])

    assert undone["state"] == "partially_failed"
    assert undone["progress"] == {"matched": 2, "updated": 1, "failed": 1}
    assert [(e["member_id"], e["error"]) for e in undone["errors"]] == [
        (second, "CHANGED_SINCE_JOB")
    ]
    assert member_dates(org, campaign_id) == {first: None, second: EARLIER_DATE}


def test_undo_of_a_job_still_running_is_refused(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    status, job = apply(world, campaign_id, {"date": CONFERENCE}, context=seconds_left(8))
    assert status == 202

    status, body = undo(world, job["job_id"])

    assert status == 409
    assert body == {
        "error": "JOB_NOT_FINISHED",
        "message": f"job {job['job_id']} is still running; undo it once it has finished",
        "field": "job_id",
    }


# -- partial failure ------------------------------------------------------------------------------


def test_partial_failure_reports_per_record_errors_page_by_page(world):
    org = world.org
    campaign_id = a_campaign(org)
    ids = members(org, campaign_id, 10)
    locked = ids[2:5]
    # locked on the first try and on every retry
    org.inject_fault(LOCKED, count=ALWAYS, kinds=["composite_update"], ids=locked)

    status, job = apply(world, campaign_id, {"date": CONFERENCE})

    assert status == 201
    assert job["state"] == "partially_failed"
    assert job["progress"] == {"matched": 10, "updated": 7, "failed": 3}
    _, page_one = get_job(world, job["job_id"], limit="2")
    _, page_two = get_job(world, job["job_id"], limit="2", next=page_one["next"])
    assert page_two["next"] is None
    errors = page_one["errors"] + page_two["errors"]
    assert sorted(e["member_id"] for e in errors) == sorted(locked)
    assert {e["error"] for e in errors} == {LOCKED}
    assert all(e["message"] for e in errors)
    dates = member_dates(org, campaign_id)
    assert {m for m, d in dates.items() if d is None} == set(locked)


def test_a_lock_that_clears_on_the_retry_is_not_an_error(world):
    campaign_id = a_campaign(world.org)
    ids = members(world.org, campaign_id, 5)
    world.org.inject_fault(LOCKED, count=1, kinds=["composite_update"], ids=ids[:2])

    _, job = apply(world, campaign_id, {"date": CONFERENCE})

    assert job["state"] == "succeeded"
    assert job["progress"]["updated"] == 5


def test_undo_after_a_partial_failure_restores_only_the_members_it_changed(world):
    org = world.org
    campaign_id = a_campaign(org)
    ids = members(org, campaign_id, 4, Buyer_Touchpoint_Date__c=EARLIER_DATE)
    org.inject_fault(LOCKED, count=ALWAYS, kinds=["composite_update"], ids=ids[:1])
    _, job = apply(world, campaign_id, {"date": CONFERENCE})
    assert job["progress"]["failed"] == 1

    _, undone = undo(world, job["job_id"])

    assert undone["progress"] == {"matched": 3, "updated": 3, "failed": 0}
    assert set(member_dates(org, campaign_id).values()) == {EARLIER_DATE}


def test_a_job_where_every_member_fails_is_failed_and_has_nothing_to_undo(world):
    campaign_id = a_campaign(world.org)
    ids = members(world.org, campaign_id, 2)
    world.org.inject_fault(LOCKED, count=ALWAYS, kinds=["composite_update"], ids=ids)
    _, job = apply(world, campaign_id, {"date": CONFERENCE})
    assert job["state"] == "failed"

    status, body = undo(world, job["job_id"])

    assert status == 409
    assert body["error"] == "NOTHING_TO_UNDO"


# -- refused requests -----------------------------------------------------------------------------

GOOD = {"date": CONFERENCE}
BAD_REQUESTS = {
    "unknown campaign": (
        "701000000000099AAA",
        GOOD,
        {},
        404,
        "CAMPAIGN_NOT_FOUND",
        "campaign_id",
    ),
    "malformed campaign id": ("not-an-id", GOOD, {}, 422, "INVALID_REQUEST", "campaign_id"),
    "malformed date": (None, {"date": "15/01/2026"}, {}, 422, "INVALID_REQUEST", "date"),
    "impossible date": (None, {"date": "2026-02-30"}, {}, 422, "INVALID_REQUEST", "date"),
    "date-time without offset": (
        None,
        {"date": "2026-01-15T10:00:00"},
        {},
        422,
        "INVALID_REQUEST",
        "date",
    ),
    "missing date": (None, {"filter": {}}, {}, 422, "INVALID_REQUEST", "date"),
    "date in the future": (None, {"date": "2026-02-07"}, {}, 422, "DATE_IN_FUTURE", "date"),
    "unknown filter field": (
        None,
        {"date": CONFERENCE, "filter": {"colour": "red"}},
        {},
        422,
        "INVALID_REQUEST",
        "filter.colour",
    ),
    "unknown body field": (
        None,
        {"date": CONFERENCE, "when": "now"},
        {},
        422,
        "INVALID_REQUEST",
        "when",
    ),
    "filter value of the wrong type": (
        None,
        {"date": CONFERENCE, "filter": {"responded": "maybe"}},
        {},
        422,
        "INVALID_REQUEST",
        "filter.responded",
    ),
    "empty filter match": (
        None,
        {"date": CONFERENCE, "filter": {"statuses": ["Keynote speaker"]}},
        {},
        422,
        "NO_MATCHING_MEMBERS",
        "filter",
    ),
    "member id not in the campaign": (
        None,
        {"date": CONFERENCE, "filter": {"member_ids": ["00v5g0000009999AAA"]}},
        {},
        422,
        "UNKNOWN_MEMBERS",
        "filter.member_ids",
    ),
    "unknown time zone": (
        None,
        {"date": CONFERENCE, "timezone": "Mars/Olympus"},
        {},
        422,
        "INVALID_REQUEST",
        "timezone",
    ),
    "time zone with a date-time": (
        None,
        {"date": "2026-01-15T10:00:00Z", "timezone": "Europe/Paris"},
        {},
        422,
        "INVALID_REQUEST",
        "timezone",
    ),
    "created_to before created_from": (
        None,
        {"date": CONFERENCE, "filter": {"created_from": "2026-02-10", "created_to": "2026-02-01"}},
        {},
        422,
        "INVALID_REQUEST",
        "filter.created_to",
    ),
    "no idempotency key": (None, GOOD, None, 422, "INVALID_REQUEST", "Idempotency-Key"),
}


@pytest.mark.parametrize("name", BAD_REQUESTS)
def test_each_bad_input_is_refused_naming_the_field_and_changes_nothing(world, name):
    campaign, body, headers, status, code, field = BAD_REQUESTS[name]
    campaign_id = a_mixed_campaign(world.org)
    before = member_dates(world.org, campaign_id)
    path = f"/campaigns/{campaign or campaign_id}/touchpoint-date"
    headers = {"Idempotency-Key": "k"} if headers is not None else {}

    preview_status, preview_body = call(world, "POST", f"{path}/preview", body)
    apply_status, apply_body = call(world, "POST", path, body, headers)

    if name != "no idempotency key":  # preview takes no key
        assert (preview_status, preview_body["error"]) == (status, code)
    assert apply_status == status
    assert apply_body["error"] == code
    assert apply_body["field"] == field
    assert field in apply_body["message"] or code != "INVALID_REQUEST"
    assert set(apply_body) <= {"error", "message", "field"}
    assert member_dates(world.org, campaign_id) == before
    assert world.org.write_calls == 0
    assert jobs_in_table(world) == []


def test_a_body_that_is_not_json_is_refused(world):
    campaign_id = a_mixed_campaign(world.org)
    event = admin_request(
        "POST",
        f"/campaigns/{campaign_id}/touchpoint-date",
        headers={"Idempotency-Key": "k"},
        raw_body="{date: tomorrow",
    )
    reply = world.bulk_date.lambda_handler(event, lambda_context())

    assert reply["statusCode"] == 422
    assert json.loads(reply["body"])["error"] == "INVALID_REQUEST"
    assert world.org.write_calls == 0


def test_a_future_date_applies_when_the_caller_allows_it(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 2)

    status, _ = apply(world, campaign_id, {"date": "2026-03-01", "allow_future": True})

    assert status == 201
    assert set(member_dates(world.org, campaign_id).values()) == {"2026-03-01T00:00:00.000+0000"}


def test_a_date_one_day_ahead_is_accepted(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 1)

    status, _ = preview(world, campaign_id, {"date": "2026-02-06T16:45:00Z"})

    assert status == 200


def test_unknown_job_and_bad_page_token_are_refused(world):
    status, body = get_job(world, "00000000-0000-4000-8000-000000000000")
    assert (status, body["error"], body["field"]) == (404, "JOB_NOT_FOUND", "job_id")

    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 1)
    _, job = apply(world, campaign_id, GOOD)
    status, body = get_job(world, job["job_id"], next="%%%")
    assert (status, body["error"], body["field"]) == (400, "INVALID_PAGE_TOKEN", "next")


# -- larger than one invocation -------------------------------------------------------------------


def test_a_job_larger_than_one_invocation_continues_through_its_queue(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 450)  # three collection calls

    status, job = apply(world, campaign_id, GOOD, context=seconds_left(8))
    assert status == 202
    assert job["state"] == "running"
    assert job["progress"] == {"matched": 450, "updated": 0, "failed": 0}

    # each invocation has time for two chunks, then hands over to the next
    invocations = world.drain_jobs(context=seconds_left(20, 20, 5))

    _, done = get_job(world, job["job_id"])
    assert done["state"] == "succeeded"
    assert done["progress"] == {"matched": 450, "updated": 450, "failed": 0}
    assert invocations >= 2
    assert set(member_dates(world.org, campaign_id).values()) == {CONFERENCE_SF}
    assert world.org.calls["composite_update"] == 3


@pytest.mark.handler_errors_expected
def test_a_continuation_that_hits_the_api_limit_backs_off_and_later_finishes(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 450)
    _, job = apply(world, campaign_id, GOOD, context=seconds_left(8))
    world.org.inject_fault("REQUEST_LIMIT_EXCEEDED", count=1, kinds=["composite_update"])
    sqs = world.session.client("sqs")
    [message] = sqs.receive_message(QueueUrl=world.job_queue_url, AttributeNames=["All"])[
        "Messages"
    ]

    reply = world.bulk_date_jobs.lambda_handler(sqs_event([message]), lambda_context())

    assert reply == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    visible = sqs.receive_message(QueueUrl=world.job_queue_url, MaxNumberOfMessages=10)
    assert message["MessageId"] not in {m["MessageId"] for m in visible.get("Messages", [])}
    for other in visible.get("Messages", []):  # the job's watchdog: let it come back later
        sqs.change_message_visibility(
            QueueUrl=world.job_queue_url, ReceiptHandle=other["ReceiptHandle"], VisibilityTimeout=0
        )
    _, waiting = get_job(world, job["job_id"])
    assert waiting["state"] == "running"

    sqs.change_message_visibility(  # the backoff has passed
        QueueUrl=world.job_queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    world.drain_jobs()
    _, done = get_job(world, job["job_id"])
    assert done["state"] == "succeeded"
    assert done["progress"] == {"matched": 450, "updated": 450, "failed": 0}


def test_a_redelivered_continuation_counts_nothing_twice(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 5)
    _, job = apply(world, campaign_id, GOOD)
    sqs = world.session.client("sqs")

    for _ in range(2):
        sqs.send_message(
            QueueUrl=world.job_queue_url, MessageBody=json.dumps({"job_id": job["job_id"]})
        )
    world.drain_jobs()

    _, again = get_job(world, job["job_id"])
    assert again["progress"] == {"matched": 5, "updated": 5, "failed": 0}
    assert again["finished_at"] == job["finished_at"]


# -- audit ----------------------------------------------------------------------------------------


def test_every_finished_job_writes_an_audit_entry(world):
    campaign_id = a_mixed_campaign(world.org)
    _, job = apply(world, campaign_id, {"date": CONFERENCE, "filter": {"statuses": ["Attended"]}})
    world.now += timedelta(hours=1)
    _, undone = undo(world, job["job_id"])

    entries = world.bulk_date.deps.jobs.audit_entries(campaign_id)

    assert [(e["job_id"], e["kind"]) for e in entries] == [
        (job["job_id"], "apply"),
        (undone["job_id"], "undo"),
    ]
    applied = entries[0]
    assert applied["requested_by"] == ADMIN_ARN
    assert applied["created_at"] == "2026-02-05T16:45:00+00:00"
    assert applied["finished_at"] == "2026-02-05T16:45:00+00:00"
    assert applied["campaign_id"] == campaign_id
    assert applied["filter"] == {"statuses": ["Attended"]}
    assert applied["date"] == "2026-01-15T00:00:00+00:00"
    assert (applied["matched"], applied["updated"], applied["failed"]) == (8, 8, 0)
    assert applied["state"] == "succeeded"
    assert entries[1]["undo_of"] == job["job_id"]
    assert entries[1]["created_at"] == "2026-02-05T17:45:00+00:00"


def test_the_salesforce_user_a_flow_ran_as_is_in_the_audit_and_never_in_the_logs(world, capsys):
    """The named credential sends X-Salesforce-User ({!$User.Username}); it is recorded beside
    the IAM principal that API Gateway authenticated, and it authorizes nothing."""
    campaign_id = a_mixed_campaign(world.org)
    as_alice = {"Idempotency-Key": "k", "X-Salesforce-User": "alice@acme.example.com"}
    path = f"/campaigns/{campaign_id}/touchpoint-date"
    status, job = call(world, "POST", path, {"date": CONFERENCE}, as_alice)
    world.now += timedelta(hours=1)
    as_bob = {"X-Salesforce-User": "bob@acme.example.com"}
    _, undone = call(world, "POST", f"/jobs/{job['job_id']}/undo", headers=as_bob)

    assert status == 201
    assert job["salesforce_user"] == "alice@acme.example.com"
    assert job["requested_by"] == ADMIN_ARN
    entries = world.bulk_date.deps.jobs.audit_entries(campaign_id)
    assert [(e["kind"], e["salesforce_user"], e["requested_by"]) for e in entries] == [
        ("apply", "alice@acme.example.com", ADMIN_ARN),
        ("undo", "bob@acme.example.com", ADMIN_ARN),
    ]
    assert undone["salesforce_user"] == "bob@acme.example.com"
    logged = capsys.readouterr()
    assert "acme.example.com" not in logged.out + logged.err


def test_a_call_without_the_salesforce_user_header_records_none(world):
    campaign_id = a_mixed_campaign(world.org)
    _, job = apply(world, campaign_id, {"date": CONFERENCE})

    [entry] = world.bulk_date.deps.jobs.audit_entries(campaign_id)
    assert job["salesforce_user"] is None
    assert "salesforce_user" not in entry


@pytest.mark.parametrize(
    "value",
    ["not a username", "a@b@c", "x" * 75 + "@a.com", "<script>@x.com", "alice@acme.com\r\nX: y"],
)
def test_a_malformed_salesforce_user_header_is_refused_and_changes_nothing(world, value):
    campaign_id = a_mixed_campaign(world.org)
    before = world.table_items()
    headers = {"Idempotency-Key": "k", "X-Salesforce-User": value}

    status, body = call(
        world, "POST", f"/campaigns/{campaign_id}/touchpoint-date", {"date": CONFERENCE}, headers
    )

    assert status == 422
    assert body["field"] == "X-Salesforce-User"
    assert world.table_items() == before
    assert set(member_dates(world.org, campaign_id).values()) != {CONFERENCE_SF}


# -- Bulk API 2.0 above 2,000 members -------------------------------------------------------------


def _apply_then_undo(threshold: int) -> dict[str, Any]:
    """2,500 members, three of them locked, dated and then undone, with writes going through
    the Bulk API (threshold 2,000) or sObject collections (a threshold above the campaign)."""
    with mock_aws():
        world = World.create(bulk_api_threshold=threshold)
        org = world.org
        org.bulk.polls_before_complete = 2  # Salesforce takes a while: the job polls
        campaign_id = a_campaign(org)
        ids = members(org, campaign_id, 1400) + members(
            org,
            campaign_id,
            1100,
            status="Registered",
            start=1401,
            Buyer_Touchpoint_Date__c=EARLIER_DATE,
        )
        before = member_dates(org, campaign_id)
        bulk = threshold < len(ids)
        org.inject_fault(
            LOCKED,
            count=1 if bulk else ALWAYS,  # collections retry a lock, a bulk job does not
            kinds=["bulk2_close"] if bulk else ["composite_update"],
            ids=ids[10:13],
        )
        status, job = apply(world, campaign_id, GOOD)
        world.drain_jobs()
        _, job = get_job(world, job["job_id"], limit="10")
        applied = member_dates(org, campaign_id)
        _, undone = undo(world, job["job_id"])
        world.drain_jobs()
        _, undone = get_job(world, undone["job_id"])
        return {
            "status": status,
            "job": job,
            "applied": applied,
            "undone": undone,
            "restored": member_dates(org, campaign_id) == before,
            "calls": Counter(org.calls),
        }


def test_the_bulk_path_and_the_collections_path_give_the_same_result():
    bulk, collections = _apply_then_undo(2000), _apply_then_undo(10_000)

    assert (bulk["status"], collections["status"]) == (202, 201)
    assert (bulk["job"]["write_path"], collections["job"]["write_path"]) == ("bulk", "collections")
    for run in (bulk, collections):
        assert run["job"]["state"] == "partially_failed"
        assert run["job"]["progress"] == {"matched": 2500, "updated": 2497, "failed": 3}
        assert run["undone"]["state"] == "succeeded"
        assert run["undone"]["progress"] == {"matched": 2497, "updated": 2497, "failed": 0}
        assert run["restored"]
    assert bulk["applied"] == collections["applied"]
    errors = [
        [(e["member_id"], e["error"]) for e in run["job"]["errors"]] for run in (bulk, collections)
    ]
    assert errors[0] == errors[1]
    assert {code for _, code in errors[0]} == {LOCKED}
    assert bulk["calls"]["composite_update"] == 0
    assert collections["calls"]["bulk2_create_job"] == 0


def test_salesforce_api_calls_for_an_apply_stay_at_the_lower_bound(world):
    """Reads: the campaign and one query page per 2,000 members. Writes: one collection call per
    200 members, or one Bulk API job (create, upload, close) and a poll until it is done."""
    org = world.org
    small, large = a_campaign(org), a_campaign(org, Name="Trade show")
    members(org, small, 100)
    members(org, large, 2500, start=101)

    org.reset_calls()
    apply(world, small, GOOD, key="small")
    small_calls = Counter(org.calls)
    org.reset_calls()
    apply(world, large, GOOD, key="large")
    world.drain_jobs()
    large_calls = Counter(org.calls)

    assert small_calls == {"query": 2, "composite_update": 1}
    assert large_calls == {
        "query": 2,
        "query_more": 1,
        "bulk2_create_job": 1,
        "bulk2_upload": 1,
        "bulk2_close": 1,
        "bulk2_poll": 1,
    }


# -- the sample events ----------------------------------------------------------------------------


def test_the_sample_events_reach_the_handler(world):
    """events/: a signed apply as API Gateway delivers it, and a continuation from the queue."""
    reply = world.bulk_date.lambda_handler(
        event("api-touchpoint-date-apply.json"), lambda_context()
    )
    assert reply["statusCode"] == 404  # the sample's campaign is not in this org
    assert json.loads(reply["body"])["error"] == "CAMPAIGN_NOT_FOUND"

    reply = world.bulk_date_jobs.lambda_handler(event("sqs-bulk-date-job.json"), lambda_context())
    assert reply == {"batchItemFailures": []}  # an unknown (expired) job: nothing to do


def test_a_job_whose_first_continuation_was_lost_is_sent_on_by_a_repeated_request():
    with mock_aws():
        world = World.create(bulk_api_threshold=2)  # a Bulk API job: it starts from the queue
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, 3)
        status, job = apply(world, campaign_id, GOOD, key="lost")
        assert (status, job["state"]) == (202, "pending")
        world.session.client("sqs").purge_queue(QueueUrl=world.job_queue_url)  # lost

        _, soon = apply(world, campaign_id, GOOD, key="lost")
        assert world.drain_jobs() == 0  # a repeat within minutes does not start it twice
        world.now += timedelta(minutes=10)
        _, later = apply(world, campaign_id, GOOD, key="lost")
        world.drain_jobs()

        _, done = get_job(world, job["job_id"])
        assert soon["job_id"] == later["job_id"] == job["job_id"]
        assert done["state"] == "succeeded"
        assert set(member_dates(world.org, campaign_id).values()) == {CONFERENCE_SF}


def test_a_narrow_filter_reads_only_the_members_it_selects():
    """The filter is pushed into SOQL: 10 undated members among 4,010 cost one member query."""
    with mock_aws():
        world = World.create()
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, 4000, Buyer_Touchpoint_Date__c=EARLIER_DATE)
        undated = members(world.org, campaign_id, 10, start=5000)
        world.org.reset_calls()

        status, body = preview(world, campaign_id, {**GOOD, "filter": {"only_without_date": True}})

        assert status == 200
        assert body["matched"] == 10
        assert world.org.calls == {"query": 2}  # the campaign, then the ten members
        assert {m["member_id"] for m in body["sample"]} == set(undated)
