"""The local world is the stack template.yaml deploys: its resources, environments and log level."""

import json
import logging

from moto import mock_aws

from emulators.template_stack import load_template
from emulators.world import FUNCTIONS, World, event, lambda_context
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


def test_every_function_of_the_template_is_deployed_here_with_a_log_group_and_an_errors_alarm():
    resources = TEMPLATE["Resources"]
    functions = {k for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    log_groups = {
        v["Properties"]["LogGroupName"]["Fn::Sub"].rsplit("${", 1)[1].rstrip("}")
        for v in resources.values()
        if v["Type"] == "AWS::Logs::LogGroup" and "/aws/lambda/" in str(v["Properties"])
    }
    alarmed = {
        v["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for v in resources.values()
        if v["Type"] == "AWS::CloudWatch::Alarm" and v["Properties"]["MetricName"] == "Errors"
    }

    assert set(FUNCTIONS.values()) == functions
    assert log_groups == functions
    assert alarmed == functions


def test_each_function_serves_one_kind_of_trigger():
    """No handler sniffs the event's shape: a function's triggers are all of one kind."""
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        kinds = {event["Type"] for event in resource["Properties"]["Events"].values()}
        assert len(kinds) == 1, f"{logical_id} serves {kinds}"


def test_the_sweep_touches_only_its_watermark_in_the_table(world):
    """ReconciliationSweepFunction's policy allows GetItem/PutItem on the CONFIG items only; its
    checkpoint (a sweep that stopped short) lives in the watermark's own item."""
    statement = TEMPLATE["Resources"]["ReconciliationSweepFunction"]["Properties"]["Policies"][0]
    [allowed] = statement["Statement"]
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 2)
    before = {(i["PK"], i["SK"]) for i in world.table_items()}

    reply = world.sweep.lambda_handler(event("schedule-sweep.json"), lambda_context("sweep"))

    assert reply == {"enqueued": 1, "full_reconciliation": True, "finished": True}
    written = {(i["PK"], i["SK"]) for i in world.table_items()} - before
    assert written == {("CONFIG", "SWEEP_WATERMARK")}
    assert allowed["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["CONFIG"]
    assert sorted(allowed["Action"]) == ["dynamodb:GetItem", "dynamodb:PutItem"]


def test_the_recompute_has_room_in_tmp_for_a_million_member_bulk_run():
    """A Bulk run sorts its query's result pages and stages its writes in /tmp (decision 0006):
    about 600 MB at a million members, more than Lambda's 512 MB default."""
    recompute = load_template()["Resources"]["TouchpointRecomputeFunction"]["Properties"]
    assert recompute["EphemeralStorage"]["Size"] >= 1024
