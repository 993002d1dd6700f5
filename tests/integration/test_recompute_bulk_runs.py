"""The recompute's Bulk path end to end (handler → layer → moto → simple-salesforce → the emulator's
Bulk API 2.0, which returns the rows of a query without ORDER BY in no particular order and runs
jobs over several polls: tests/emulator/test_bulk2.py cites Salesforce's pages for both).

A run never waits inside an invocation: it submits a job, its message is held on the queue until
the next poll, and a later delivery goes on. Touchpoints stay exactly right across the threshold,
with changes spread over many chunks and with a hand-over in the middle of a walk."""

import json
import tempfile
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

from moto import mock_aws

from emulators.world import World, event, lambda_context
from tests.integration.seeds import a_campaign, members
from touchpoints.adapters import salesforce_bulk

THRESHOLD = 1000


def request(campaign_id: str) -> dict:
    sqs_event = event("sqs-recompute.json")
    sqs_event["Records"][0]["body"] = json.dumps({"campaign_id": campaign_id, "cause": "test"})
    return sqs_event


def recompute(world: World, campaign_id: str, context=None) -> None:
    """Deliver a request, then whatever it queued (continuations, a fresh copy of a message
    held through several polls) until the queue is empty."""
    response = world.deliver_recompute(request(campaign_id), context)
    assert response == {"batchItemFailures": []}
    world.drain_queue()
    assert world.queue_depth() == 0


def seconds_left(*checks: float) -> SimpleNamespace:
    """A context whose remaining time is `checks`, one per look, then 900 s."""
    context = lambda_context()
    remaining = iter(checks)
    context.get_remaining_time_in_millis = lambda: int(next(remaining, 900.0) * 1000)
    return context


def touchpoint_dates(world: World, campaign_id: str) -> dict[str, str]:
    fields = world.touchpoint_fields
    return {
        tp[fields.campaign_member_id]: tp[fields.touchpoint_date]
        for tp in world.touchpoints()
        if tp[fields.campaign] == campaign_id
    }


def summary(world: World, campaign_id: str) -> dict:
    return world.recompute.deps.state.load_summary(campaign_id)


def leftovers(world: World, campaign_id: str) -> set[str]:
    state = world.recompute.deps.state
    return {
        name
        for name, item in (
            ("checkpoint", state.load_checkpoint(campaign_id)),
            ("write intent", state.load_write_intent(campaign_id)),
        )
        if item is not None
    }


def test_a_bulk_run_handed_over_mid_walk_sends_what_it_staged_and_finishes_exactly():
    with mock_aws():
        world = World.create(bulk_api_threshold=THRESHOLD)
        world.org.bulk.polls_before_complete = 1  # each job is still running at its first poll
        campaign_id = a_campaign(world.org)
        member_ids = members(world.org, campaign_id, 4100)
        seeded = Counter(world.org.calls)
        # 1st delivery submits the query; then: still running; then chunks 1 and 2 are walked and
        # the 3rd finds too little time: the 4,000 staged touchpoints go as one upsert job first
        context = seconds_left(900, 900, 900, 900, 900, 100)

        recompute(world, campaign_id, context)

        done = summary(world, campaign_id)
        assert (done["created"], done["failed"], done["read_path"]) == (4100, 0, "bulk")
        assert sorted(touchpoint_dates(world, campaign_id)) == sorted(member_ids)
        calls = done["api_calls"]
        assert calls["bulk2_create_job"] == 2  # the member query; one upsert job for 4,000 rows
        assert calls["composite_upsert"] == 1  # the 100 walked after the hand-over: one call
        assert calls == dict(world.org.calls - seeded)  # the product counts every HTTP call
        assert leftovers(world, campaign_id) == set()
        assert world.queue_depth() == 0


def test_a_one_percent_change_spread_over_every_chunk_updates_exactly_those_members():
    with mock_aws():
        world = World.create(bulk_api_threshold=THRESHOLD)
        campaign_id = a_campaign(world.org)
        member_ids = members(world.org, campaign_id, 4100)
        recompute(world, campaign_id)
        before = touchpoint_dates(world, campaign_id)
        changed = member_ids[::100]  # 41 members, in every chunk of the walk
        for member_id in changed:
            world.org.update_record(
                "CampaignMember",
                member_id,
                {"Buyer_Touchpoint_Date__c": "2026-01-15T09:00:00.000Z"},
            )
        world.now += timedelta(minutes=5)

        recompute(world, campaign_id)

        after = touchpoint_dates(world, campaign_id)
        assert {m for m in member_ids if after[m] != before[m]} == set(changed)
        assert all(after[m].startswith("2026-01-15") for m in changed)
        done = summary(world, campaign_id)
        assert (done["created"], done["updated"], done["deleted"]) == (0, 41, 0)
        # campaign read; query job create, poll, one results page; campaign read; 41 updates in one call
        assert done["api_calls"] == {
            "query": 2,
            "bulk2_create_job": 1,
            "bulk2_poll": 1,
            "bulk2_results": 1,
            "composite_upsert": 1,
        }
        assert leftovers(world, campaign_id) == set()


def test_at_the_threshold_the_bulk_path_and_below_it_the_rest_path_make_the_same_touchpoints():
    made = {}
    for size in (THRESHOLD - 1, THRESHOLD):
        with mock_aws():
            world = World.create(bulk_api_threshold=THRESHOLD)
            campaign_id = a_campaign(world.org)
            members(world.org, campaign_id, size)
            recompute(world, campaign_id)
            done = summary(world, campaign_id)
            assert done["read_path"] == ("bulk" if size >= THRESHOLD else "rest")
            assert done["created"] == size
            made[size] = len(touchpoint_dates(world, campaign_id))
    assert made == {THRESHOLD - 1: THRESHOLD - 1, THRESHOLD: THRESHOLD}


def test_an_excluded_bulk_campaign_loses_every_touchpoint_through_one_delete_job():
    with mock_aws():
        world = World.create(bulk_api_threshold=THRESHOLD)
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, 1500)
        recompute(world, campaign_id)
        world.org.update_record(
            "Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": "Exclude All Campaign Members"}
        )

        recompute(world, campaign_id)

        assert touchpoint_dates(world, campaign_id) == {}
        done = summary(world, campaign_id)
        assert (done["deleted"], done["failed"]) == (1500, 0)
        # the campaign read at the start, the walk and the end; the member query; one delete job
        # with the record ids the upsert job's results gave (no lookup by key)
        assert done["api_calls"] == {
            "query": 3,
            "bulk2_create_job": 2,
            "bulk2_poll": 2,
            "bulk2_results": 1,
            "bulk2_upload": 1,
            "bulk2_close": 1,
        }
        assert leftovers(world, campaign_id) == set()


def test_a_run_waiting_through_many_polls_moves_to_a_fresh_copy_before_the_dead_letter_queue():
    """SQS dead-letters a message received more than maxReceiveCount (5) times; a held message
    counts a receive per poll, so at its 4th delivery a fresh copy carrying the run takes over."""
    with mock_aws():
        world = World.create(bulk_api_threshold=THRESHOLD)
        world.org.bulk_polls_before_complete = 8  # a slow org: 8 polls before each job is over
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, THRESHOLD)
        world.recompute.deps.queue.enqueue(campaign_id, "test", "slow-org")

        world.drain_queue(max_rounds=60)

        done = summary(world, campaign_id)
        assert done["created"] == THRESHOLD
        assert done["api_calls"]["bulk2_poll"] == 2 * 9  # each job: 8 polls running, 1 over
        assert world.queue_depth() == 0
        dlq = world.session.client("sqs").get_queue_attributes(
            QueueUrl=world.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        assert dlq["Attributes"]["ApproximateNumberOfMessages"] == "0"
        assert leftovers(world, campaign_id) == set()


def test_a_full_reconciliation_of_a_bulk_campaign_reads_what_salesforce_holds_in_one_query_job():
    """The daily full reconciliation compares every member with Salesforce; above the threshold
    it reads the campaign's touchpoints through one Bulk query job, sorted beside the members,
    instead of 300 keys a query (thousands of queries at a million members)."""
    with mock_aws():
        world = World.create(bulk_api_threshold=THRESHOLD)
        org = world.org
        campaign_id = a_campaign(org)
        member_ids = members(org, campaign_id, 1200)
        recompute(world, campaign_id)
        fields = world.touchpoint_fields
        by_member = {tp[fields.campaign_member_id]: tp for tp in world.touchpoints()}
        org.delete_record(fields.sobject, by_member[member_ids[0]]["Id"])  # deleted by hand
        org.update_record(  # edited by hand
            fields.sobject,
            by_member[member_ids[600]]["Id"],
            {fields.touchpoint_date: "2020-01-01T00:00:00.000Z"},
        )
        stray = org.insert(
            fields.sobject,
            {
                fields.key: "OCT-00v5g00000zzzzzAAA",
                fields.campaign: campaign_id,
                fields.email: "x@y.com",
            },
        )
        org.delete_record("CampaignMember", member_ids[-1])  # left the campaign
        world.now += timedelta(hours=1)

        response = world.deliver_recompute(
            {
                "Records": [
                    {
                        "body": json.dumps(
                            {"campaign_id": campaign_id, "cause": "sweep", "full": True}
                        )
                    }
                ]
            }
        )
        assert response == {"batchItemFailures": []}
        world.drain_queue()

        after = touchpoint_dates(world, campaign_id)
        assert sorted(after) == sorted(member_ids[:-1])
        assert after[member_ids[600]] == by_member[member_ids[601]][fields.touchpoint_date]
        assert org.get(fields.sobject, stray) is None
        done = summary(world, campaign_id)
        assert done["full_reconciliation"]
        assert (done["created"], done["updated"], done["deleted"]) == (1, 1, 2)
        calls = done["api_calls"]
        # the campaign, read at the start and at the walk: no lookups by key
        assert calls["query"] == 2
        assert calls["bulk2_create_job"] == 2  # the members and their touchpoints, read in Bulk
        assert leftovers(world, campaign_id) == set()


def test_a_campaign_recomputed_through_bulk_hands_the_persons_it_wrote_to_attribution():
    """The persons come from the upsert job's successful rows, read once for the created
    members' states anyway: no extra Salesforce call."""
    with mock_aws():
        world = World.create(bulk_api_threshold=5)
        campaign_id = a_campaign(world.org)
        member_ids = members(world.org, campaign_id, 5)

        recompute(world, campaign_id)

        assert summary(world, campaign_id)["read_path"] == "bulk"
        assert summary(world, campaign_id)["created"] == 5
        sqs = world.session.client("sqs")
        bodies = sqs.receive_message(QueueUrl=world.attribution_queue_url, MaxNumberOfMessages=10)
        persons = {p for m in bodies["Messages"] for p in json.loads(m["Body"])["person_ids"]}
        leads = {world.org.get("CampaignMember", m)["LeadId"] for m in member_ids}
        assert persons == leads


def test_a_results_page_larger_than_a_sort_run_is_sorted_in_pieces_and_leaves_nothing_behind(
    monkeypatch, tmp_path
):
    """The page of 1,500 rows (in no order) is streamed to a file and sorted 400 rows at a time;
    the merged runs must still give the walk every member once, in Id order."""
    monkeypatch.setattr(salesforce_bulk, "SORT_RUN_ROWS", 400)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with mock_aws():
        world = World.create(bulk_api_threshold=THRESHOLD)
        campaign_id = a_campaign(world.org)
        member_ids = members(world.org, campaign_id, 1500)
        recompute(world, campaign_id)
        changed = member_ids[::100]
        for member_id in changed:
            world.org.update_record(
                "CampaignMember", member_id, {"Buyer_Touchpoint_Date__c": "2026-01-15T09:00:00Z"}
            )
        world.now += timedelta(minutes=5)

        recompute(world, campaign_id)

        done = summary(world, campaign_id)
        assert (done["created"], done["updated"], done["deleted"]) == (0, len(changed), 0)
        dates = touchpoint_dates(world, campaign_id)
        assert sorted(dates) == sorted(member_ids)
        assert {m for m in member_ids if dates[m].startswith("2026-01-15")} == set(changed)
        assert list(tmp_path.iterdir()) == []  # the downloaded page and its runs are removed


def test_result_sets_smaller_than_asked_are_followed_by_locator_to_the_last_row():
    """Salesforce may return fewer rows a set than maxRecords asks (size limits): the run reads
    every set its locators name, and each is one counted call."""
    with mock_aws():
        world = World.create(bulk_api_threshold=THRESHOLD)
        world.org.bulk.max_result_bytes = 64 * 1024  # a few hundred member rows a set
        campaign_id = a_campaign(world.org)
        member_ids = members(world.org, campaign_id, 1500)

        recompute(world, campaign_id)

        done = summary(world, campaign_id)
        assert done["created"] == 1500
        assert sorted(touchpoint_dates(world, campaign_id)) == sorted(member_ids)
        assert done["api_calls"]["bulk2_results"] == world.org.calls["bulk2_results"] > 1
