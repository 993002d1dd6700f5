"""The run history (issue 21): every finished recompute of a campaign, kept 90 days and read by
`GET /campaigns/{campaignId}/runs` and in the sync status; each member's outcome before its last
change in the sync report. Through the recompute's queue and the read-only SyncStatusFunction."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from moto import mock_aws

from emulators.api_gateway import admin_request
from emulators.template_stack import load_template
from emulators.world import World, lambda_context
from tests.integration.seeds import a_campaign, members
from tests.integration.test_sync_status import recomputed, report_rows, sync_status

NEW_DATE = "2026-01-15T09:00:00.000+0000"


def runs(world, campaign_id, **params):
    request = admin_request("GET", f"/campaigns/{campaign_id}/runs", query=params or None)
    reply = world.sync_status.lambda_handler(request, lambda_context("runs"))
    return reply["statusCode"], json.loads(reply["body"])


def test_every_run_is_kept_newest_first_with_its_cause_counts_calls_and_end(world):
    campaign_id = a_campaign(world.org)
    member_ids = members(world.org, campaign_id, 3)
    recomputed(world, campaign_id)
    world.now += timedelta(hours=1)
    world.org.update_record("CampaignMember", member_ids[0], {"Buyer_Touchpoint_Date__c": NEW_DATE})
    world.recompute.deps.queue.enqueue(campaign_id, "campaign member changed", "second")
    assert world.drain_queue() == [{"batchItemFailures": []}]

    status, body = runs(world, campaign_id)

    assert status == 200
    second, first = body["runs"]
    assert body["next"] is None
    assert (first["cause"], second["cause"]) == ("test", "campaign member changed")
    assert first["statuses"] == {"Touchpoint Created": 3}
    assert second["statuses"] == {"Touchpoint Created": 2, "Touchpoint Updated": 1}
    assert (first["created"], second["updated"], second["created"]) == (3, 1, 0)
    for run in (first, second):
        assert run["invocations"] == 1
        assert run["errors"] == {}
        assert run["api_calls"]
        assert all(count > 0 for count in run["api_calls"].values())
        assert run["aws_calls"] > 0
        assert run["started_at"] <= run["finished_at"]
        assert run["state_repair"] is None
        assert (run["read_path"], run["full_reconciliation"]) == ("rest", False)
    assert datetime.fromisoformat(second["finished_at"]) - datetime.fromisoformat(
        first["finished_at"]
    ) == timedelta(hours=1)
    assert first["run_id"] != second["run_id"]

    summary = json.loads(sync_status(world, campaign_id)["body"])
    assert [run["run_id"] for run in summary["recent_runs"]] == [
        second["run_id"],
        first["run_id"],
    ]


def test_runs_expire_after_90_days_by_the_table_ttl(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 1)
    recomputed(world, campaign_id)

    [run] = [item for item in world.table_items() if item["SK"].startswith("RUN#")]
    finished = datetime.fromisoformat(run["finished_at"])
    assert int(run["expires_at"]) == int((finished + timedelta(days=90)).timestamp())
    table = load_template()["Resources"]["StateTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_the_run_history_comes_a_page_at_a_time(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 1)
    for number in range(3):
        world.now += timedelta(minutes=1)
        world.recompute.deps.queue.enqueue(campaign_id, "test", f"run {number}")
        world.drain_queue()

    status, page = runs(world, campaign_id, limit="2")
    assert status == 200
    assert len(page["runs"]) == 2
    assert page["next"]
    status, rest = runs(world, campaign_id, limit="2", next=page["next"])
    assert status == 200
    assert len(rest["runs"]) == 1
    assert rest["next"] is None
    ends = [run["finished_at"] for run in page["runs"] + rest["runs"]]
    assert ends == sorted(ends, reverse=True)
    assert len(set(ends)) == 3


def test_a_bad_page_request_is_refused_in_the_sync_status_shape(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 1)
    recomputed(world, campaign_id)

    status, body = runs(world, campaign_id, next="MEMBER#00v")
    assert (status, body["error"], body["field"]) == (400, "INVALID_PAGE_TOKEN", "next")
    status, body = runs(world, campaign_id, limit="101")
    assert (status, body["error"]) == (422, "INVALID_REQUEST")
    status, body = runs(world, a_campaign(world.org))
    assert (status, body["error"]) == (404, "CAMPAIGN_NOT_RECOMPUTED")


def test_a_re_dated_member_shows_what_it_had_before_and_when_it_changed(world):
    campaign_id = a_campaign(world.org)
    changed, unchanged = members(world.org, campaign_id, 2)
    recomputed(world, campaign_id)
    [before] = [
        r
        for r in report_rows(sync_status(world, campaign_id, format="csv"))
        if r["member_id"] == changed
    ]
    world.now += timedelta(days=2)
    world.org.update_record("CampaignMember", changed, {"Buyer_Touchpoint_Date__c": NEW_DATE})
    recomputed(world, campaign_id)

    rows = {r["member_id"]: r for r in report_rows(sync_status(world, campaign_id, format="csv"))}

    assert rows[changed]["outcome"] == "Touchpoint Updated"
    assert rows[changed]["touchpoint_date"].startswith("2026-01-15T09:00")
    assert rows[changed]["previous_outcome"] == "Touchpoint Created"
    assert rows[changed]["previous_touchpoint_date"] == before["touchpoint_date"]
    assert rows[changed]["previous_channel"] == "Offline Event.Conference"
    assert rows[changed]["changed_at"] == world.now.isoformat()
    assert rows[unchanged]["previous_outcome"] == rows[unchanged]["changed_at"] == ""


def test_a_bulk_run_over_several_invocations_is_one_run_counting_them():
    with mock_aws():
        world = World.create(bulk_api_threshold=5)
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, 6)
        world.recompute.deps.queue.enqueue(campaign_id, "campaign changed", "bulk")

        deliveries = world.drain_queue()

        status, body = runs(world, campaign_id)
        assert status == 200
        [run] = body["runs"]
        assert run["read_path"] == "bulk"
        assert run["cause"] == "campaign changed"
        assert run["invocations"] == len(deliveries) > 1
        assert run["created"] == 6
        assert any(kind.startswith("bulk2") for kind in run["api_calls"])
