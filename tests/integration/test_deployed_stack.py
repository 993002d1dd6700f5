"""The local world is the stack template.yaml deploys: its resources, environments and log level."""

import json
import logging

from moto import mock_aws

from emulators.template_stack import load_template
from emulators.world import World
from tests.integration.seeds import a_campaign, members

TEMPLATE = load_template()


def _queue_attributes(world: World, url: str) -> dict[str, str]:
    return world.session.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]


def test_the_recompute_queue_is_the_template_s_fifo_queue_with_its_timeout_and_redrive(world):
    declared = TEMPLATE["Resources"]["RecomputeQueue"]["Properties"]
    attributes = _queue_attributes(world, world.queue_url)
    dlq_arn = _queue_attributes(world, world.dlq_url)["QueueArn"]

    assert attributes["FifoQueue"] == "true"
    assert attributes["VisibilityTimeout"] == str(declared["VisibilityTimeout"]) == "5400"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": declared["RedrivePolicy"]["maxReceiveCount"],
    }
    job_queue = _queue_attributes(world, world.job_queue_url)
    assert "FifoQueue" not in job_queue
    assert job_queue["VisibilityTimeout"] == "1800"


def test_the_state_table_has_the_template_s_keys_and_expiry(world):
    client = world.session.client("dynamodb")
    table = client.describe_table(TableName=world.table_name)["Table"]
    ttl = client.describe_time_to_live(TableName=world.table_name)["TimeToLiveDescription"]

    assert table["KeySchema"] == TEMPLATE["Resources"]["StateTable"]["Properties"]["KeySchema"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def test_each_function_runs_with_its_own_deployed_environment(world):
    assert world.bulk_date.environment["BULK_DATE_JOB_QUEUE_URL"] == world.job_queue_url
    assert "BULK_DATE_JOB_QUEUE_URL" not in world.webhook.environment
    assert "MARKETO_SECRET_ID" in world.program_sync.environment
    assert "MARKETO_SECRET_ID" not in world.recompute.environment
    for function in world.functions():
        assert function.environment["LOG_LEVEL"] == "INFO"  # the template's default
        assert function.settings.table_name == world.table_name
        assert function.settings.recompute_queue_url == world.queue_url


def test_functions_log_at_the_level_the_template_deploys(world):
    assert logging.getLogger("offline-touchpoints").getEffectiveLevel() == logging.INFO


@mock_aws
def test_a_template_parameter_reaches_the_functions_that_read_it():
    world = World.create(parameters={"WriteBackMemberStatus": "true", "BulkApiThreshold": "7"})

    assert world.recompute.settings.write_back_member_status is True
    assert world.recompute.settings.bulk_api_threshold == 7


def test_a_recompute_at_info_logs_its_run_under_one_key_and_succeeds(world, caplog):
    """The deployed level reaches the log call that once crashed every recompute ('created')."""
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    world.recompute.deps.queue.enqueue(campaign_id, "test", "info-level")

    [response] = world.drain_queue()

    assert response == {"batchItemFailures": []}
    [done] = [r for r in caplog.records if r.getMessage() == "campaign recomputed"]
    assert done.levelname == "INFO"
    assert done.recompute["totals"]["created"] == 3
    assert done.recompute["campaign_id"] == campaign_id
