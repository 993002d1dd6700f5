"""Member status write-back (template parameter WriteBackMemberStatus) through the recompute's
handler, moto and the emulator: below the Bulk threshold each member's outcome goes to
`Touchpoint_Status__c` in full sObject collection calls; above it the run's statuses go as one
CampaignMember update job (Bulk API 2.0 ingest: tests/emulator/test_bulk2.py cites its pages),
kept in the run's checkpoint and polled by later deliveries like the touchpoint ingest jobs. A
status Salesforce refuses is counted in the run's `failed`, as the collections path counts it."""

import json
from collections import Counter

from moto import mock_aws

from emulators.api_gateway import admin_request
from emulators.world import World, event, lambda_context
from tests.integration.seeds import a_campaign, members
from touchpoints.adapters.salesforce_transport import LOCK_RETRIES

WRITE_BACK = {"WriteBackMemberStatus": "true"}
CREATED = "Touchpoint Created"


def recompute(world: World, campaign_id: str, context=None) -> None:
    """Deliver a request, then whatever it queued (held messages, continuations) until the queue
    is empty."""
    sqs_event = event("sqs-recompute.json")
    sqs_event["Records"][0]["body"] = json.dumps({"campaign_id": campaign_id, "cause": "test"})
    assert world.deliver_recompute(sqs_event, context) == {"batchItemFailures": []}
    world.drain_queue()
    assert world.queue_depth() == 0


def sync_status(world: World, campaign_id: str) -> dict:
    request = admin_request("GET", f"/campaigns/{campaign_id}/sync-status")
    reply = world.sync_status.lambda_handler(request, lambda_context())
    assert reply["statusCode"] == 200
    return json.loads(reply["body"])


def written_statuses(world: World, member_ids: list[str]) -> Counter:
    return Counter(
        world.org.get("CampaignMember", m).get("Touchpoint_Status__c") for m in member_ids
    )


def seconds_left(*checks: float):
    """A context whose remaining time is `checks`, one per look, then 900 s."""
    context = lambda_context()
    remaining = iter(checks)
    context.get_remaining_time_in_millis = lambda: int(next(remaining, 900.0) * 1000)
    return context


def test_above_the_threshold_statuses_go_in_one_update_job_and_a_refused_row_is_counted():
    with mock_aws():
        world = World.create(bulk_api_threshold=100, parameters=WRITE_BACK)
        world.org.bulk.polls_before_complete = 1  # each job is still running at its first poll
        campaign_id = a_campaign(world.org)
        member_ids = members(world.org, campaign_id, 250)
        # a Bulk job does not retry a locked row: the status of the first member is refused
        # (the first close is the touchpoint upsert job's, the second the status job's)
        world.org.inject_fault(
            "UNABLE_TO_LOCK_ROW", count=2, kinds=["bulk2_close"], ids=member_ids[:1]
        )
        seeded = Counter(world.org.calls)

        recompute(world, campaign_id)

        assert written_statuses(world, member_ids) == {CREATED: 249, None: 1}
        status = sync_status(world, campaign_id)
        assert (status["created"], status["failed"], status["read_path"]) == (250, 1, "bulk")
        calls = status["api_calls"]
        assert calls == dict(world.org.calls - seeded)  # the product counts every HTTP call
        assert calls["bulk2_create_job"] == 3  # the member query, the upserts, the statuses
        assert "composite_update" not in calls
        assert calls["bulk2_ingest_results"] == 2  # upserted rows; the status job's refusals
        state = world.recompute.deps.state
        assert state.load_checkpoint(campaign_id) is None
        assert state.load_write_intent(campaign_id) is None


def test_a_run_out_of_time_submits_its_staged_statuses_and_a_later_delivery_polls_the_job():
    with mock_aws():
        world = World.create(bulk_api_threshold=1000, parameters=WRITE_BACK)
        world.org.bulk.polls_before_complete = 1
        campaign_id = a_campaign(world.org)
        member_ids = members(world.org, campaign_id, 2100)
        seeded = Counter(world.org.calls)
        # 1st delivery submits the query; then: still running; then the first chunk (2,000) is
        # walked and the second finds too little time: its touchpoints and statuses go as two
        # jobs, polled by later deliveries, and the last 100 members go through collections
        context = seconds_left(900, 900, 900, 900, 100)

        recompute(world, campaign_id, context)

        assert written_statuses(world, member_ids) == {CREATED: 2100}
        status = sync_status(world, campaign_id)
        assert (status["created"], status["failed"]) == (2100, 0)
        calls = status["api_calls"]
        assert calls == dict(world.org.calls - seeded)
        assert calls["bulk2_create_job"] == 3  # the member query, 2,000 upserts, 2,000 statuses
        assert calls["composite_update"] == 1  # the 100 statuses walked after the hand-over
        assert status["recent_runs"][0]["invocations"] > 3


def test_below_the_threshold_statuses_go_in_full_collection_calls_and_a_refusal_is_counted():
    with mock_aws():
        world = World.create(parameters=WRITE_BACK)  # the template's threshold: 2,000
        campaign_id = a_campaign(world.org)
        member_ids = members(world.org, campaign_id, 450)
        world.org.inject_fault(
            "UNABLE_TO_LOCK_ROW",
            count=20,  # collections retry a locked row; it stays locked
            kinds=["composite_update"],
            ids=member_ids[:1],
        )
        seeded = Counter(world.org.calls)

        recompute(world, campaign_id)

        assert written_statuses(world, member_ids) == {CREATED: 449, None: 1}
        status = sync_status(world, campaign_id)
        assert (status["created"], status["failed"], status["read_path"]) == (450, 1, "rest")
        calls = dict(world.org.calls - seeded)
        assert status["api_calls"] == calls
        assert calls["composite_update"] == 3 + LOCK_RETRIES  # 200, 200, 50; then the retries
        assert not any(kind.startswith("bulk2") for kind in calls)
