"""The recompute on a bad day, through its handler and its real (moto) queue: an API limit that
lasts a day, batches started with too little time, and a crash between a Salesforce write and the
state save. Every test checks the outcome and that nothing else moved: queue, dead-letter queue,
table and Salesforce.

Sources:
- Salesforce Help, "System Overview: API Usage"
  (https://help.salesforce.com/s/articleView?id=xcloud.setup_system_overview_api.htm): limits
  are enforced over the preceding 24 hours; calls are blocked until usage for the preceding 24
  hours drops below the limit.
- Amazon SQS API Reference, "SendMessage" (DelaySeconds)
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html):
  on a FIFO queue DelaySeconds cannot be set per message, only on the queue.
- Amazon SQS API Reference, "ChangeMessageVisibility"
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html):
  a visibility timeout is at most 12 hours.
"""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import moto.core.utils
import pytest

from emulators.world import lambda_context, sqs_event
from tests.integration.contexts import running_out
from tests.integration.seeds import a_campaign, members

_dedup = itertools.count()


@pytest.fixture
def clock(world, monkeypatch):
    """Moves the world's clock, the org's and moto's together, so SQS visibility timeouts pass
    as the simulated day does. Returns `advance(seconds)`."""
    monkeypatch.setattr(moto.core.utils, "utcnow", lambda: world.now.replace(tzinfo=None))

    def advance(seconds: float) -> None:
        world.now += timedelta(seconds=seconds)
        world.org.now = world.now

    return advance


# -- driving the queue ---------------------------------------------------------------------------


def request(world, campaign_id: str) -> None:
    """A recompute request on the queue, as the webhook or the sweep sends it."""
    world.recompute.deps.queue.enqueue(campaign_id, "outbound_message", f"test-{next(_dedup)}")


def deliver_batch(world, context=None) -> tuple[list[dict], set[str]]:
    """One receive of up to ten messages handed to the handler, as the SQS event source does:
    what succeeded is deleted, what failed stays. Returns (messages, failed message ids)."""
    sqs = world.session.client("sqs")
    reply = sqs.receive_message(
        QueueUrl=world.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    )
    messages = reply.get("Messages", [])
    if not messages:
        return [], set()
    response = world.recompute.lambda_handler(
        sqs_event(messages), context or lambda_context("recompute")
    )
    failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=world.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages, failed


def run(world, campaign_id: str) -> set[str]:
    request(world, campaign_id)
    _, failed = deliver_batch(world)
    return failed


def dlq_depth(world) -> int:
    attributes = world.session.client("sqs").get_queue_attributes(
        QueueUrl=world.dlq_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


# -- what the world holds ------------------------------------------------------------------------


def touchpoints_of(world, campaign_id: str) -> dict[str, dict]:
    """The campaign's touchpoints by member id; a duplicate would fail here."""
    rows = [tp for tp in world.touchpoints() if tp["Campaign__c"] == campaign_id]
    by_member = {tp["Campaign_Member_Id__c"]: tp for tp in rows}
    assert len(by_member) == len(rows), "two touchpoints for one member"
    return by_member


def table_keys(world) -> set[tuple[str, str]]:
    """Every item's keys; a campaign's run history entries (`RUN#<finishedAt>#<runId>`) as one."""
    return {(item["PK"], _run_history(item["SK"])) for item in world.table_items()}


def _run_history(sort_key: str) -> str:
    return "RUN#" if sort_key.startswith("RUN#") else sort_key


def member_keys(campaign_id: str, member_ids) -> set[tuple[str, str]]:
    return {(f"CAMPAIGN#{campaign_id}", f"MEMBER#{m}") for m in member_ids}


def summary_key(campaign_id: str) -> tuple[str, str]:
    return (f"CAMPAIGN#{campaign_id}", "SUMMARY")


def finished_run_keys(campaign_id: str) -> set[tuple[str, str]]:
    """What a finished run leaves besides its members: the summary, its run history entry, and
    the campaign's Type as the channel mapping API lists it."""
    return {
        summary_key(campaign_id),
        (f"CAMPAIGN#{campaign_id}", "RUN#"),
        ("CHANNEL_MAPPING", f"CAMPAIGN#{campaign_id}"),
    }


def statuses(world, campaign_id: str) -> dict[str, str]:
    return {
        item["member_id"]: item["status"]
        for item in world.table_items()
        if item["PK"] == f"CAMPAIGN#{campaign_id}" and item["SK"].startswith("MEMBER#")
    }


def source_records(world) -> dict[str, list[dict]]:
    """What the recompute reads but must never change."""
    return {sobject: world.org.records(sobject) for sobject in ("Campaign", "CampaignMember")}


def calls_since(world, before) -> dict[str, int]:
    return {
        kind: n - before.get(kind, 0)
        for kind, n in world.org.calls.items()
        if n > before.get(kind, 0)
    }


def lose_the_table(world) -> None:
    """The state table is gone (deleted, or restored empty): every item disappears."""
    table = world.session.resource("dynamodb").Table(world.table_name)
    with table.batch_writer() as batch:
        for item in table.scan()["Items"]:
            batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})


# -- an API limit that lasts a day ---------------------------------------------------------------


@pytest.mark.handler_errors_expected  # a postponed message stays: a batch item failure, by design
def test_a_day_long_api_limit_loses_nothing_and_dead_letters_nothing(
    world, clock, caplog, monkeypatch
):
    org = world.org
    postponed_metric = []
    add_metric = world.recompute.module.metrics.add_metric

    def recording_add_metric(name, unit, value):
        if name == "RecomputePostponedSeconds":
            postponed_metric.append(value)
        add_metric(name=name, unit=unit, value=value)

    monkeypatch.setattr(world.recompute.module.metrics, "add_metric", recording_add_metric)
    settled = a_campaign(org)
    settled_members = members(org, settled, 30)
    assert run(world, settled) == set()
    # changes the outage holds back: members added, removed, one re-dated
    added = members(org, settled, 3, start=300)
    for member_id in settled_members[:2]:
        org.delete_record("CampaignMember", member_id)
    redated = settled_members[5]
    org.update_record(
        "CampaignMember", redated, {"Buyer_Touchpoint_Date__c": "2026-01-15T09:00:00.000Z"}
    )
    fresh = a_campaign(org, Name="February Webinar", Type="Webinar")
    fresh_members = members(org, fresh, 5, start=400)
    before = source_records(world)

    org.daily_limit = org.total_calls  # the org's 24-hour allocation is spent: all calls refused
    request(world, settled)
    request(world, fresh)
    request(world, settled)  # waits behind the first in its campaign's group
    outage_start, calls_at_start = world.now, org.total_calls
    limit_clears = outage_start + timedelta(hours=24)
    refused = cleared_at_calls = finished_at = None
    invocations = 0
    while world.now < outage_start + timedelta(hours=26):
        if world.now >= limit_clears and refused is None:
            refused = org.total_calls - calls_at_start
            org.daily_limit = 10**9  # usage over the preceding 24 hours dropped below the limit
            cleared_at_calls = org.total_calls
        messages, _ = deliver_batch(world)
        invocations += bool(messages)
        assert dlq_depth(world) == 0, f"dead-lettered after {world.now - outage_start}"
        if refused is not None and finished_at is None and world.queue_depth() == 0:
            finished_at = world.now
        clock(300)  # the shortest backoff: no retry is due between two steps

    assert finished_at is not None
    assert finished_at - limit_clears <= timedelta(hours=1, minutes=5)  # the hourly retry
    assert refused <= 80  # tens of refused calls over the day, not one a minute
    expected = [*settled_members[2:], *added]
    assert sorted(touchpoints_of(world, settled)) == sorted(expected)
    assert touchpoints_of(world, settled)[redated]["Touchpoint_Date__c"].startswith("2026-01-15")
    assert sorted(touchpoints_of(world, fresh)) == sorted(fresh_members)
    assert len(world.touchpoints()) == len(expected) + len(fresh_members)
    assert table_keys(world) == (
        member_keys(settled, expected)
        | member_keys(fresh, fresh_members)
        | finished_run_keys(settled)
        | finished_run_keys(fresh)
    )
    assert world.queue_depth() == 0
    assert source_records(world) == before
    # after the limit: the settled campaign's first run writes the change, its second no more
    assert org.total_calls - cleared_at_calls == 11

    postponed = [
        record.recompute
        for record in caplog.records
        if record.getMessage() == "Salesforce API limit reached; recompute postponed"
    ]
    longest = max(details["postponed_for_seconds"] for details in postponed)
    assert 23 * 3600 <= longest <= 24 * 3600
    assert any(details["moved_to_fresh_copy"] for details in postponed)
    assert max(details["retry_in_seconds"] for details in postponed) == 3600
    assert max(postponed_metric) == longest


@pytest.mark.handler_errors_expected  # giving up logs an error and leaves the message to the DLQ
def test_a_limit_that_lasts_three_days_leaves_the_request_to_the_dead_letter_queue(world, clock):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 2)
    world.org.daily_limit = world.org.total_calls
    since = (world.now - timedelta(days=3)).isoformat()
    world.recompute.deps.queue.enqueue(
        campaign_id, "outbound_message", "old", limit_attempts=80, limited_since=since
    )

    for _ in range(6):  # five deliveries, each held for an hour; the sixth receive moves it
        deliver_batch(world)
        clock(3601)
    deliver_batch(world)

    assert dlq_depth(world) == 1  # the DLQ alarm tells an operator; the sweep re-finds it
    assert world.queue_depth() == 0
    assert world.touchpoints() == []
    assert table_keys(world) == set()


# -- not enough time ------------------------------------------------------------------------------


def three_requests(world) -> tuple[list[str], list[str]]:
    """Three campaigns of four members; the first is asked for twice (same FIFO group)."""
    campaigns = [a_campaign(world.org, Name=f"Event {n}") for n in range(3)]
    for n, campaign_id in enumerate(campaigns):
        members(world.org, campaign_id, 4, start=10 * n)
    order = [campaigns[0], campaigns[1], campaigns[0], campaigns[2]]
    for campaign_id in order:
        request(world, campaign_id)
    return campaigns, order


def test_a_batch_started_with_five_seconds_left_starts_nothing_and_hands_it_all_back(world):
    campaigns, order = three_requests(world)
    before, calls = source_records(world), world.org.total_calls

    messages, failed = deliver_batch(world, running_out(world.org, 5, 0))

    assert [json.loads(m["Body"])["campaign_id"] for m in messages] == order
    assert failed == set()  # handed back as fresh copies: no receive counted towards the DLQ
    assert world.org.total_calls == calls  # not one Salesforce call
    assert world.touchpoints() == []
    assert table_keys(world) == set()
    assert world.queue_depth() == len(order)
    assert dlq_depth(world) == 0

    copies, _ = deliver_batch(world)  # the next drain, with time
    assert sorted(m["Body"] for m in copies) == sorted(m["Body"] for m in messages)
    world.drain_queue()
    for campaign_id in campaigns:
        assert len(touchpoints_of(world, campaign_id)) == 4
    assert world.queue_depth() == 0
    assert dlq_depth(world) == 0
    assert source_records(world) == before


def test_a_batch_with_time_for_one_campaign_runs_it_and_hands_back_the_rest(world):
    campaigns, order = three_requests(world)
    before = source_records(world)
    # 150 s, 7 s a call: the first run reads (campaign, any touchpoints yet, count, members:
    # 122 s left, enough to start the chunk) and writes (115 s); nothing else may start
    messages, failed = deliver_batch(world, running_out(world.org, 150, 7))

    assert len(messages) == len(order)
    assert failed == set()
    assert len(touchpoints_of(world, campaigns[0])) == 4
    assert world.touchpoints() == list(touchpoints_of(world, campaigns[0]).values())
    assert table_keys(world) == member_keys(
        campaigns[0], statuses(world, campaigns[0])
    ) | finished_run_keys(campaigns[0])
    assert world.queue_depth() == len(order) - 1
    assert dlq_depth(world) == 0

    world.drain_queue()
    for campaign_id in campaigns:
        assert len(touchpoints_of(world, campaign_id)) == 4
    assert world.queue_depth() == 0
    assert dlq_depth(world) == 0
    assert source_records(world) == before


def test_a_run_whose_time_ran_short_while_reading_hands_over_before_its_first_chunk(world):
    campaign_id = a_campaign(world.org)
    member_ids = members(world.org, campaign_id, 4)
    request(world, campaign_id)
    # 125 s at the start, 2 s a call: four reads later only 117 s are left for the chunk
    _, failed = deliver_batch(world, running_out(world.org, 125, 2))

    assert failed == set()
    assert world.touchpoints() == []
    assert table_keys(world) == {  # the checkpoint, and the Type recorded as the run started
        (f"CAMPAIGN#{campaign_id}", "CHECKPOINT"),
        ("CHANNEL_MAPPING", f"CAMPAIGN#{campaign_id}"),
    }
    assert world.queue_depth() == 1  # the continuation

    world.drain_queue()
    assert sorted(touchpoints_of(world, campaign_id)) == sorted(member_ids)
    assert table_keys(world) == member_keys(campaign_id, member_ids) | finished_run_keys(
        campaign_id
    )
    assert world.queue_depth() == 0
    assert dlq_depth(world) == 0


# -- a crash between the Salesforce write and the state save -------------------------------------


def retry_after_the_visibility_timeout(world, clock) -> tuple[list[dict], set[str]]:
    """The failed request comes back once the queue's visibility timeout (template.yaml) ends."""
    timeout = world.session.client("sqs").get_queue_attributes(
        QueueUrl=world.queue_url, AttributeNames=["VisibilityTimeout"]
    )["Attributes"]["VisibilityTimeout"]
    clock(int(timeout) + 1)
    return deliver_batch(world)


def crashed_after_writing(world) -> tuple[str, list[str], list[str]]:
    """A campaign in step with five members gains three; the run writing their touchpoints
    loses Salesforce's answer three times (the upsert applied each time) and fails before it
    saves their state. Returns (campaign, members in step, members the crash wrote)."""
    org = world.org
    campaign_id = a_campaign(org)
    settled = members(org, campaign_id, 5)
    assert run(world, campaign_id) == set()
    written = members(org, campaign_id, 3, start=10)
    org.inject_fault("CONNECTION_ERROR", count=3, kinds=["composite_upsert"], lost_response=True)
    assert len(run(world, campaign_id)) == 1  # the failed request stays on the queue
    assert sorted(touchpoints_of(world, campaign_id)) == sorted([*settled, *written])
    assert set(statuses(world, campaign_id)) == set(settled)  # the state never heard of them
    assert (f"CAMPAIGN#{campaign_id}", "WRITE_INTENT") in table_keys(world)
    return campaign_id, settled, written


@pytest.mark.handler_errors_expected  # the crashed run is a batch item failure, by design
def test_a_crash_then_an_exclusion_removes_every_touchpoint_in_the_next_run(world, clock):
    campaign_id, settled, written = crashed_after_writing(world)
    world.org.update_record(
        "Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": "Exclude All Campaign Members"}
    )
    before, calls = source_records(world), dict(world.org.calls)

    messages, failed = retry_after_the_visibility_timeout(world, clock)  # the failed request

    assert len(messages) == 1
    assert failed == set()
    assert touchpoints_of(world, campaign_id) == {}
    assert statuses(world, campaign_id) == dict.fromkeys(
        [*settled, *written], "No Touchpoint: campaign excluded"
    )
    assert table_keys(world) == member_keys(campaign_id, [*settled, *written]) | finished_run_keys(
        campaign_id
    )
    # campaign, members, their touchpoints by key, the campaign's touchpoints; one delete
    assert calls_since(world, calls) == {"query": 4, "composite_delete": 1}
    assert world.queue_depth() == 0
    assert dlq_depth(world) == 0
    assert source_records(world) == before


@pytest.mark.handler_errors_expected  # the crashed run is a batch item failure, by design
def test_a_crash_then_a_removal_deletes_the_removed_members_touchpoints_in_the_next_run(
    world, clock
):
    campaign_id, settled, written = crashed_after_writing(world)
    for member_id in written:
        world.org.delete_record("CampaignMember", member_id)
    before, calls = source_records(world), dict(world.org.calls)

    messages, failed = retry_after_the_visibility_timeout(world, clock)  # the failed request

    assert len(messages) == 1
    assert failed == set()
    assert sorted(touchpoints_of(world, campaign_id)) == sorted(settled)
    assert statuses(world, campaign_id) == dict.fromkeys(settled, "Touchpoint Created")
    assert table_keys(world) == member_keys(campaign_id, settled) | finished_run_keys(campaign_id)
    assert calls_since(world, calls) == {"query": 4, "composite_delete": 1}
    assert world.queue_depth() == 0
    assert dlq_depth(world) == 0
    assert source_records(world) == before


@pytest.mark.handler_errors_expected  # the crashed run is a batch item failure, by design
@pytest.mark.parametrize("change", ["removal", "exclusion"])
def test_a_crash_then_a_lost_state_table_removes_touchpoints_in_the_next_run(world, clock, change):
    campaign_id, settled, written = crashed_after_writing(world)
    lose_the_table(world)
    if change == "removal":
        gone = [settled[0], written[0]]
        for member_id in gone:
            world.org.delete_record("CampaignMember", member_id)
        kept = [m for m in [*settled, *written] if m not in gone]
    else:
        world.org.update_record(
            "Campaign",
            campaign_id,
            {"Enable_Buyer_Touchpoints__c": "Exclude All Campaign Members"},
        )
        kept = []
    before, calls = source_records(world), dict(world.org.calls)

    messages, failed = retry_after_the_visibility_timeout(world, clock)  # the failed request

    assert len(messages) == 1
    assert failed == set()
    assert sorted(touchpoints_of(world, campaign_id)) == sorted(kept)
    remaining = [m for m in [*settled, *written] if change == "exclusion" or m in kept]
    assert set(statuses(world, campaign_id)) == set(remaining)
    assert table_keys(world) == member_keys(campaign_id, remaining) | finished_run_keys(campaign_id)
    # campaign, any touchpoints (no state: yes), count, members, their touchpoints by key,
    # the campaign's touchpoints; one delete
    assert calls_since(world, calls) == {"query": 6, "composite_delete": 1}
    assert world.queue_depth() == 0
    assert dlq_depth(world) == 0
    assert source_records(world) == before


def test_an_ordinary_run_costs_no_extra_salesforce_call_and_leaves_no_intent(world):
    org = world.org
    campaign_id = a_campaign(org)
    member_ids = members(org, campaign_id, 30)
    calls = dict(org.calls)
    assert run(world, campaign_id) == set()
    # a first run asks once whether the campaign has touchpoints without any state (it has not)
    assert calls_since(world, calls) == {"query": 4, "composite_upsert": 1}

    calls = dict(org.calls)
    assert run(world, campaign_id) == set()  # nothing changed
    assert calls_since(world, calls) == {"query": 2}  # the campaign, its members

    [added] = members(org, campaign_id, 1, start=100)
    calls = dict(org.calls)
    assert run(world, campaign_id) == set()
    assert calls_since(world, calls) == {"query": 2, "composite_upsert": 1}
    assert sorted(touchpoints_of(world, campaign_id)) == sorted([*member_ids, added])
    assert table_keys(world) == member_keys(campaign_id, [*member_ids, added]) | finished_run_keys(
        campaign_id
    )
    assert world.queue_depth() == 0
    assert dlq_depth(world) == 0


def test_a_retried_call_is_counted_once_per_attempt_as_salesforce_counts_it(world):
    """Two 500s before the members' query page succeeds: three requests reach Salesforce, and
    the run's own count (its summary's api_calls) says three, as the org's does."""
    org = world.org
    campaign_id = a_campaign(org)
    members(org, campaign_id, 30)
    calls = dict(org.calls)
    org.inject_fault("SERVER_ERROR", count=2, kinds=["query"])

    assert run(world, campaign_id) == set()

    http = calls_since(world, calls)
    assert http["query"] == 4 + 2
    summary = world.recompute.deps.state.load_summary(campaign_id)
    assert summary["api_calls"] == http
