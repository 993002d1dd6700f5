"""Every alarm template.yaml declares watches something that exists: a metric of our namespace
that the code publishes (with the service dimension Powertools adds), or an AWS metric of a
function or queue the template declares. The failures the alarms are for publish their metric
through the handlers."""

from __future__ import annotations

import base64

import pytest

from emulators.template_stack import load_template
from tests.integration.program_sync_seeds import scheduled_run, sf_member
from tests.integration.seeds import a_campaign, campaign_notification
from tests.integration.test_dashboard_and_alarms import published_metrics as scan_published_metrics
from tests.integration.test_program_sync_as_deployed import (
    later,
    linked,  # noqa: F401 - the fixture, used by name
)
from tests.integration.test_webhook_hardening import metrics, token_secret_id

TEMPLATE = load_template()
ALARMS = {
    logical_id: resource["Properties"]
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::CloudWatch::Alarm"
}
GLOBAL_ENVIRONMENT = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]


def published_metrics() -> set[str]:
    """Metric names the code publishes (the scan the dashboard's test reads them with)."""
    names, _, _ = scan_published_metrics()
    return names


def test_the_scan_finds_the_metrics_it_checks_against():
    assert {"WebhookRefused", "RecomputesFailed", "TouchpointsCreated"} <= published_metrics()


@pytest.mark.parametrize("logical_id", sorted(ALARMS))
def test_every_alarm_watches_a_metric_that_exists(logical_id):
    alarm = ALARMS[logical_id]
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    if alarm["Namespace"] == "AWS/Lambda":
        assert alarm["MetricName"] == "Errors"
        function = dimensions["FunctionName"]["Ref"]
        assert TEMPLATE["Resources"][function]["Type"] == "AWS::Serverless::Function"
    elif alarm["Namespace"] == "AWS/SQS":
        queue, attribute = dimensions["QueueName"]["Fn::GetAtt"]
        assert (TEMPLATE["Resources"][queue]["Type"], attribute) == ("AWS::SQS::Queue", "QueueName")
    else:
        assert alarm["Namespace"] == GLOBAL_ENVIRONMENT["POWERTOOLS_METRICS_NAMESPACE"]
        assert dimensions == {"service": GLOBAL_ENVIRONMENT["POWERTOOLS_SERVICE_NAME"]}
        assert alarm["MetricName"] in published_metrics()


@pytest.mark.parametrize(
    "metric", ["WebhookFailed", "MarketoQuotaExhausted", "RecomputesFailed", "WebhookRefused"]
)
def test_the_failures_the_issue_names_have_an_alarm(metric):
    assert metric in {alarm["MetricName"] for alarm in ALARMS.values()}


@pytest.mark.handler_errors_expected  # the broken secret: a 500 and its ERROR line
def test_a_broken_token_secret_at_a_cold_start_publishes_webhook_failed(world, capsys):
    world.session.client("secretsmanager").put_secret_value(
        SecretId=token_secret_id(world),
        SecretString=base64.b64encode(b"not json").decode(),
    )
    campaign_id = a_campaign(world.org)

    reply = world.deliver(world.message(campaign_notification(world.org, campaign_id)))

    assert reply["statusCode"] == 500
    assert metrics(capsys)["WebhookFailed"] == 1
    assert world.queue_depth() == 0


def test_a_spent_marketo_quota_in_the_scheduled_sync_publishes_its_metric(
    world,
    linked,  # noqa: F811
    capsys,
):
    program_id, campaign_id = linked
    sf_member(world, campaign_id, "jo@example.com", "Attended")  # a change for Marketo
    world.mkto.inject_fault("607", 1, kinds=["members_status"])
    later(world)
    capsys.readouterr()  # the linking and first sync's metrics

    result = scheduled_run(world)

    assert result["failed"] == [program_id]
    published = metrics(capsys)
    assert (published["MarketoQuotaExhausted"], published["ProgramSyncRunsFailed"]) == (1, 1)
