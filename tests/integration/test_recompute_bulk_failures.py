"""A Bulk query job beyond saving must not wedge its campaign, driven through the recompute queue
as Lambda's event source mapping drives it (moto's SQS, the emulator's Bulk API 2.0).

A query job can end Failed (Job States,
https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-job-states.html) or
be gone before its results are read: deleted, or expired seven days after it ended ("Batch and
job lifespan", Bulk API and Bulk API 2.0 Limits and Allocations,
https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-bulkapi.html).
tests/emulator/test_bulk2.py::TestQueryJobsThatEndBadly shows the emulator doing both.
"""

from __future__ import annotations

import pytest
from moto import mock_aws

from emulators.world import World
from tests.integration.seeds import a_campaign, members
from tests.integration.test_recompute_faults import (
    clock,  # noqa: F401 - the fixture, used by name
    deliver_batch,
    dlq_depth,
    finished_run_keys,
    member_keys,
    request,
    source_records,
    table_keys,
    touchpoints_of,
)

THRESHOLD = 100
MEMBERS = 150  # above the threshold: the run reads members through a Bulk query job
WAITS = 61  # longer than any wait between two polls of a Bulk job


@pytest.fixture
def world():
    with mock_aws():
        yield World.create(bulk_api_threshold=THRESHOLD)


def deliver_until_empty(world, clock, rounds: int = 40) -> None:  # noqa: F811
    """Batches as the event source mapping hands them, time passing between them, until the
    queue is empty; the dead-letter queue is checked after each."""
    for _ in range(rounds):
        deliver_batch(world)
        assert dlq_depth(world) == 0
        if world.queue_depth() == 0:
            return
        clock(WAITS)
    raise AssertionError("the queue never emptied")


def failures_logged(caplog) -> list[dict]:
    return [
        record.recompute_failure
        for record in caplog.records
        if getattr(record, "recompute_failure", None) is not None
    ]


@pytest.mark.handler_errors_expected  # the run gives up once, with an ERROR and a batch failure
def test_three_failed_query_jobs_drop_the_run_and_the_next_request_converges(
    world,
    clock,  # noqa: F811
    caplog,
    monkeypatch,
):
    counted = []
    add_metric = world.recompute.module.metrics.add_metric

    def recording_add_metric(name, unit, value):
        counted.append(name)
        add_metric(name=name, unit=unit, value=value)

    monkeypatch.setattr(world.recompute.module.metrics, "add_metric", recording_add_metric)
    org, state = world.org, world.recompute.deps.state
    campaign_id = a_campaign(org)
    member_ids = members(org, campaign_id, MEMBERS)
    before = source_records(world)
    org.bulk.query_jobs_to_fail = 3  # a Salesforce incident of under a minute

    request(world, campaign_id)
    failed: set[str] = set()
    for _ in range(4):  # submit; then three polls, each finding the job Failed
        _, failed = deliver_batch(world)
        clock(WAITS)

    assert failed  # the request that gave up is a batch item failure, delivered again later
    [failure] = failures_logged(caplog)
    assert failure["campaign_id"] == campaign_id
    assert failure["cause"].startswith("BulkQueryFailedError: Salesforce failed the member query")
    assert "starts over" in failure["cause"]
    assert "delivered again" in failure["next"]
    assert counted.count("RecomputesFailed") == 1
    assert org.bulk.query_jobs_created == 3
    assert state.load_checkpoint(campaign_id) is None  # nothing points at the dead job
    assert world.touchpoints() == []
    assert dlq_depth(world) == 0

    request(world, campaign_id)  # a new outbound message after the incident
    clock(5400)  # the failed request's visibility timeout passes: both are delivered
    deliver_until_empty(world, clock)

    assert sorted(touchpoints_of(world, campaign_id)) == sorted(member_ids)
    assert table_keys(world) == member_keys(campaign_id, member_ids) | finished_run_keys(
        campaign_id
    )
    assert source_records(world) == before
    assert dlq_depth(world) == 0
    assert len(failures_logged(caplog)) == 1


def test_a_query_job_whose_results_are_gone_is_replaced_and_the_run_converges(
    world,
    clock,  # noqa: F811
):
    org, state = world.org, world.recompute.deps.state
    campaign_id = a_campaign(org)
    member_ids = members(org, campaign_id, MEMBERS)
    before = source_records(world)
    org.bulk.query_jobs_to_lose = 1  # complete, then deleted before its results are read

    request(world, campaign_id)
    deliver_until_empty(world, clock)

    assert org.bulk.query_jobs_created == 2
    assert sorted(touchpoints_of(world, campaign_id)) == sorted(member_ids)
    assert table_keys(world) == member_keys(campaign_id, member_ids) | finished_run_keys(
        campaign_id
    )
    assert state.load_checkpoint(campaign_id) is None
    assert source_records(world) == before


@pytest.mark.handler_errors_expected  # every query job is lost: the run gives up once
def test_query_jobs_that_keep_vanishing_drop_the_run_without_wedging_it(
    world,
    clock,  # noqa: F811
    caplog,
):
    org, state = world.org, world.recompute.deps.state
    campaign_id = a_campaign(org)
    member_ids = members(org, campaign_id, MEMBERS)
    org.bulk.query_jobs_to_lose = 3

    request(world, campaign_id)
    for _ in range(4):
        deliver_batch(world)
        clock(WAITS)

    assert org.bulk.query_jobs_created == 3
    assert "is gone" in failures_logged(caplog)[0]["cause"]
    assert state.load_checkpoint(campaign_id) is None
    clock(5400)
    deliver_until_empty(world, clock)
    assert sorted(touchpoints_of(world, campaign_id)) == sorted(member_ids)
    assert dlq_depth(world) == 0


@pytest.mark.handler_errors_expected  # a broken secret fails the request, with one ERROR line
def test_a_broken_salesforce_secret_logs_the_campaign_the_cause_and_what_happens_next(
    world, caplog
):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    world.session.client("secretsmanager").put_secret_value(
        SecretId=world.recompute.settings.salesforce_secret_id,
        SecretString='{"username": "integration@example.com"}',  # no password, key or token
    )

    request(world, campaign_id)
    _, failed = deliver_batch(world)

    assert failed
    [failure] = failures_logged(caplog)
    assert failure["campaign_id"] == campaign_id
    assert failure["cause"].startswith("SalesforceSecretError: ")
    assert "integration@example.com" not in str(failure)  # the secret's values stay out
    assert "dead-letter queue" in failure["next"]
    assert world.touchpoints() == []
    assert world.recompute.deps.state.load_checkpoint(campaign_id) is None
