"""GET /audit (issue 21) through SyncStatusFunction as template.yaml deploys it: every audit entry
after real flows (bulk date jobs through BulkDateApiFunction, a mapping PUT through
ChannelMappingFunction), newest first, filtered by campaign, kind, actor and time, a page at a
time, with who acted."""

from __future__ import annotations

import json
from datetime import timedelta

from emulators.api_gateway import ADMIN_ARN, admin_request
from emulators.world import lambda_context
from tests.integration.seeds import a_campaign, members
from tests.integration.test_channel_mapping import default_rows, with_row

OTHER_ARN = "arn:aws:iam::123456789012:role/salesforce-flows"


def audit(world, **query):
    request = admin_request("GET", "/audit", query=query or None)
    reply = world.sync_status.lambda_handler(request, lambda_context("audit"))
    return reply["statusCode"], json.loads(reply["body"])


def a_bulk_date_job(world, campaign_id, user_arn=ADMIN_ARN, key="key-1"):
    request = admin_request(
        "POST",
        f"/campaigns/{campaign_id}/touchpoint-date",
        body={"date": "2026-01-15"},
        headers={"Idempotency-Key": key},
        user_arn=user_arn,
    )
    reply = world.bulk_date.lambda_handler(request, lambda_context("bulk-date"))
    assert reply["statusCode"] in (200, 201, 202), reply["body"]
    return json.loads(reply["body"])["job_id"]


def a_mapping_change(world):
    rows = with_row(default_rows(), "Roadshow", "Field Event")
    request = admin_request(
        "PUT", "/channel-mapping", body={"mappings": rows}, headers={"If-Match": "0"}
    )
    reply = world.channel_mapping.lambda_handler(request, lambda_context("channel-mapping"))
    assert reply["statusCode"] == 200, reply["body"]


def three_entries(world):
    """A job on one campaign, a mapping change an hour later, a job on another by someone else
    an hour after that."""
    first, second = a_campaign(world.org), a_campaign(world.org, Name="Spring Roadshow")
    members(world.org, first, 2)
    members(world.org, second, 2, start=3)
    first_job = a_bulk_date_job(world, first)
    world.now += timedelta(hours=1)
    a_mapping_change(world)
    world.now += timedelta(hours=1)
    second_job = a_bulk_date_job(world, second, OTHER_ARN, key="key-2")
    return first, second, first_job, second_job


def test_every_entry_reads_newest_first_with_who_acted(world):
    first, second, first_job, second_job = three_entries(world)

    status, body = audit(world)

    assert status == 200
    assert body["next"] is None
    newest, mapping, oldest = body["entries"]
    assert [e["kind"] for e in body["entries"]] == ["bulk-date", "channel-mapping", "bulk-date"]
    assert (newest["campaign_id"], newest["detail"]["job_id"], newest["actor"]) == (
        second,
        second_job,
        OTHER_ARN,
    )
    assert (oldest["campaign_id"], oldest["detail"]["job_id"]) == (first, first_job)
    assert oldest["actor"] == mapping["actor"] == ADMIN_ARN
    assert mapping["campaign_id"] is None
    assert mapping["detail"]["changed_types"] == ["Roadshow"]
    assert mapping["detail"]["version"] == 1
    assert all(e["salesforce_user"] is None for e in body["entries"])
    assert [e["at"] for e in body["entries"]] == [
        (world.now - timedelta(hours=h)).isoformat() for h in (0, 1, 2)
    ]


def test_filters_narrow_the_entries(world):
    first, second, _, _ = three_entries(world)
    start = world.now - timedelta(hours=2)

    def jobs(**query):
        status, body = audit(world, **query)
        assert status == 200
        return [(e["kind"], e["campaign_id"]) for e in body["entries"]]

    assert jobs(campaign=first) == [("bulk-date", first)]
    assert jobs(campaign=first[:15]) == [("bulk-date", first)]  # either id form
    assert jobs(kind="channel-mapping") == [("channel-mapping", None)]
    assert jobs(kind="bulk-date") == [("bulk-date", second), ("bulk-date", first)]
    assert jobs(actor=OTHER_ARN) == [("bulk-date", second)]
    assert jobs(actor=ADMIN_ARN, kind="bulk-date") == [("bulk-date", first)]
    assert jobs(since=(start + timedelta(minutes=30)).isoformat()) == [
        ("bulk-date", second),
        ("channel-mapping", None),
    ]
    until = (start + timedelta(hours=1)).isoformat()
    assert jobs(until=until) == [("channel-mapping", None), ("bulk-date", first)]
    assert jobs(campaign=first, kind="channel-mapping") == []


def test_entries_come_a_page_at_a_time(world):
    three_entries(world)

    seen, query = [], {"limit": "1"}
    while True:
        status, body = audit(world, **query)
        assert status == 200
        seen.extend(body["entries"])
        if body["next"] is None:
            break
        query["next"] = body["next"]

    assert [e["kind"] for e in seen] == ["bulk-date", "channel-mapping", "bulk-date"]


def test_a_salesforce_user_who_acted_is_shown_and_found(world):
    """The sfops branch records the Salesforce user behind an admin call as `salesforce_user`
    (older writers `actor`) on the entry; the route shows it and filters on it."""
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 1)
    job_id = a_bulk_date_job(world, campaign_id)
    table = world.session.resource("dynamodb").Table(world.table_name)
    [item] = [i for i in world.table_items() if i["PK"] == f"AUDIT#{campaign_id}"]
    table.put_item(Item={**item, "salesforce_user": "005000000000001AAA"})

    status, body = audit(world, actor="005000000000001AAA")

    assert status == 200
    [entry] = body["entries"]
    assert entry["detail"]["job_id"] == job_id
    assert (entry["actor"], entry["salesforce_user"]) == (ADMIN_ARN, "005000000000001AAA")


def test_a_bad_request_is_refused_with_the_field_it_names(world):
    three_entries(world)
    for query in (
        {"next": "not-a-token"},
        {"next": "eyJQSyI6ICJDQU1QQUlHTiMxIiwgIlNLIjogIlNVTU1BUlkifQ=="},  # another item's keys
        {"kind": "everything"},
        {"since": "yesterday"},
        {"since": "2026-02-05T18:00:00Z", "until": "2026-02-05T17:00:00Z"},
        {"limit": "501"},
        {"campaign": "not-an-id"},
    ):
        status, body = audit(world, **query)
        forged = "next" in query  # a token the route did not hand out, as on every paged route
        expected = (400, "INVALID_PAGE_TOKEN") if forged else (422, "INVALID_REQUEST")
        assert (status, body["error"]) == expected, query
        assert body["field"] in {*query, "kind"}, body
