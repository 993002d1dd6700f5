"""The public webhook, hardened (issue 10): one test per finding, each through the handler, each
asserting the outcome and that nothing else changed (queue, table, Salesforce calls).

| finding | now |
|---|---|
| no token configured, no token sent: 200 and enqueued | 403, nothing recorded; a log line at start, WebhookTokenMissing |
| allowed vs foreign org: different fault strings | one refusal body whatever failed |
| 900 KB OrganizationId echoed in the body and the log | generic body; logged values clipped |
| CampaignId `' OR Id != '` / 200 chars / non-ASCII queued | acknowledged, refused, never queued |
| 15-char CampaignId: a second FIFO group and state partition | every id in its 18-char form |
| SystemModstamp `yesterday`: 500 for 24 h | acknowledged, stamp unknown |
| a 2099 stamp silences real changes for 48 h | a future stamp counts as now |
| the webhook's IAM: whole table, Salesforce secret | its own items, the recompute queue, the token secret |

Ids: Salesforce SOAP API Developer Guide, "Field Types" — ID
(http://www.salesforce.com/us/developer/docs/api/Content/field_types.htm). Outbound messages are
retried for 24 hours until acknowledged: Salesforce Help, "Outbound Messaging"
(https://help.salesforce.com/s/articleView?id=sf.workflow_managing_outbound_messages.htm).
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulators.outbound_messages import next_notification_id
from emulators.world import ORG_ID, OUTBOUND_TOKEN, SECRET
from tests.integration.seeds import a_campaign, campaign_notification, member_notifications, members
from touchpoints.outbound import REFUSAL_BODY
from touchpoints.rules.salesforce_ids import canonical_id

ROOT = Path(__file__).resolve().parents[2]
FOREIGN_ORG = canonical_id("00D000000000001")
LOG_VALUE_LIMIT = 64


# -- what a test observes ----------------------------------------------------------------------


def state(world) -> dict[str, Any]:
    """Everything a refused or acknowledged-only message must leave as it was."""
    items = sorted(world.table_items(), key=lambda item: (item["PK"], item["SK"]))
    return {
        "queue_depth": world.queue_depth(),
        "table_items": items,
        "salesforce_calls": world.org.total_calls,
    }


def new_items(world, before: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in world.table_items() if item not in before["table_items"]]


def queued(world) -> list[tuple[str, str]]:
    """(MessageGroupId, body campaign_id) of every queued recompute, left on the queue."""
    sqs = world.session.client("sqs")
    reply = sqs.receive_message(
        QueueUrl=world.queue_url,
        MaxNumberOfMessages=10,
        AttributeNames=["MessageGroupId"],
        VisibilityTimeout=0,
    )
    return [
        (m["Attributes"]["MessageGroupId"], json.loads(m["Body"])["campaign_id"])
        for m in reply.get("Messages", [])
    ]


@pytest.fixture
def log_lines(world):
    """The JSON lines the functions log (as CloudWatch would receive them)."""
    logger = logging.getLogger("offline-touchpoints")
    formatter = next(handler.formatter for handler in logger.handlers if handler.formatter)
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))

    collector = Collect()
    logger.addHandler(collector)
    yield lines
    logger.removeHandler(collector)


def metrics(capsys) -> dict[str, float]:
    """Sum of each metric the handler flushed (CloudWatch embedded metric format on stdout)."""
    totals: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        try:
            blob = json.loads(line)
        except ValueError:
            continue
        if not isinstance(blob, dict) or "_aws" not in blob:
            continue
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(blob[metric["Name"]])
    return totals


def token_secret_id(world) -> str:
    """The secret template.yaml generates for the token, as the webhook's environment names it."""
    return world.webhook.settings.outbound_token_secret_id


def a_campaign_message(world, **field_changes: Any) -> tuple[str, str]:
    """(campaign id, a message about it whose fields carry `field_changes`)."""
    campaign_id = a_campaign(world.org)
    [(notification_id, sobject, fields)] = campaign_notification(world.org, campaign_id)
    return campaign_id, world.message([(notification_id, sobject, {**fields, **field_changes})])


# -- 1. no token configured: fails closed ------------------------------------------------------


@pytest.mark.parametrize(
    "configure",
    [
        pytest.param(
            lambda world: world.session.client("secretsmanager").put_secret_value(
                SecretId=token_secret_id(world), SecretString="{}"
            ),
            id="secret-without-outbound_token",
        ),
        pytest.param(
            lambda world: world.session.client("secretsmanager").put_secret_value(
                SecretId=token_secret_id(world),
                SecretString=json.dumps({"outbound_token": "short"}),
            ),
            id="token-too-short-to-be-secret",
        ),
        pytest.param(
            lambda world: setattr(
                world.webhook.deps,
                "settings",
                replace(world.webhook.settings, outbound_token_secret_id=None),
            ),
            id="no-token-secret-configured",
        ),
    ],
)
@pytest.mark.handler_errors_expected  # it logs at ERROR that it refuses everything
def test_without_a_configured_token_nothing_is_accepted(world, log_lines, capsys, configure):
    configure(world)
    _, message = a_campaign_message(world)
    before = state(world)

    without_token = world.deliver(message, token=None)
    with_old_token = world.deliver(message, token=OUTBOUND_TOKEN)
    with_empty_token = world.deliver(message, token="")

    for reply in (without_token, with_old_token, with_empty_token):
        assert reply["statusCode"] == 403
        assert reply["body"] == REFUSAL_BODY
    assert state(world) == before
    said_so = [line for line in log_lines if "No outbound endpoint token" in line]
    assert len(said_so) == 1  # once, at the function's first invocation
    assert json.loads(said_so[0])["level"] == "ERROR"
    assert metrics(capsys)["WebhookTokenMissing"] == 3


def test_the_token_is_checked_before_the_body_is_read(world, log_lines):
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>'
    before = state(world)
    for body, changes in ((hostile, {}), ("%%% not base64 %%%", {"isBase64Encoded": True})):
        reply = world.deliver(body, token="wrong-token", **changes)
        assert reply["statusCode"] == 403  # a parsed body would have answered 400
        assert reply["body"] == REFUSAL_BODY
    assert state(world) == before
    reasons = [json.loads(line)["refusal"]["reason"] for line in log_lines if "refusal" in line]
    assert reasons == ["missing or wrong endpoint token"] * 2


# -- 2. one refusal body, whatever failed ------------------------------------------------------


def test_every_refusal_has_the_same_body_whatever_check_failed(world):
    _, message = a_campaign_message(world)
    foreign = message.replace(ORG_ID, FOREIGN_ORG)
    before = state(world)
    replies = {
        "allowed org, no token": world.deliver(message, token=None),
        "foreign org, no token": world.deliver(foreign, token=None),
        "allowed org, wrong token": world.deliver(message, token=OUTBOUND_TOKEN + "x"),
        "foreign org, right token": world.deliver(foreign),
        "org id not an id, right token": world.deliver(message.replace(ORG_ID, "00D-not-an-id")),
        "malformed, right token": world.deliver("<a><b></a>"),
        "not base64, right token": world.deliver("%%%", isBase64Encoded=True),
    }
    assert {reply["body"] for reply in replies.values()} == {REFUSAL_BODY}
    assert {name: reply["statusCode"] for name, reply in replies.items()} == {
        "allowed org, no token": 403,
        "foreign org, no token": 403,
        "allowed org, wrong token": 403,
        "foreign org, right token": 403,
        "org id not an id, right token": 403,
        "malformed, right token": 400,
        "not base64, right token": 400,
    }
    assert state(world) == before


# -- 3. nothing echoed, every logged value clipped ---------------------------------------------


@pytest.mark.parametrize("token", [None, OUTBOUND_TOKEN], ids=["no-token", "right-token"])
def test_a_huge_organization_id_is_neither_echoed_nor_logged(world, log_lines, token):
    huge = "Z" * 900_000
    _, message = a_campaign_message(world)
    before = state(world)

    reply = world.deliver(message.replace(ORG_ID, huge), token=token)

    assert reply["statusCode"] == 403
    assert reply["body"] == REFUSAL_BODY
    assert "Z" * (LOG_VALUE_LIMIT + 1) not in "".join(log_lines)
    assert sum(len(line) for line in log_lines) < 2_000
    assert state(world) == before


def test_a_malformed_body_is_logged_without_its_content(world, log_lines):
    reply = world.deliver("<x>" + "Q" * 500_000)  # not well-formed: never closed
    assert reply["statusCode"] == 400
    assert reply["body"] == REFUSAL_BODY
    assert "Q" * (LOG_VALUE_LIMIT + 1) not in "".join(log_lines)


# -- 4. values inside a well-formed message are Salesforce ids, or refused ---------------------

NOT_IDS = {
    "soql": "' OR Id != '",
    "200-chars": "7015w000000XXXX" + "A" * 185,
    "non-ascii": "7015w000000XXXé",
    "full-width": "\uff17\uff10\uff11\uff15w000000XXXX",
}


@pytest.mark.parametrize("bad_id", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_a_campaign_id_that_is_not_a_salesforce_id_is_acknowledged_and_never_queued(
    world, log_lines, capsys, bad_id
):
    org = world.org
    good_campaign = a_campaign(org, Name="Good")
    [good_member] = members(org, good_campaign, 1)
    [(notification_id, sobject, fields)] = member_notifications(org, [good_member])
    bad = (next_notification_id(), sobject, {**fields, "CampaignId": bad_id})
    before = state(world)

    reply = world.deliver(world.message([bad, (notification_id, sobject, fields)]))

    assert reply["statusCode"] == 200
    assert queued(world) == [(good_campaign, good_campaign)]  # only the good notification
    assert {item["PK"] for item in new_items(world, before)} == {
        f"RECORD#{good_member}",
        "IDEMPOTENCY#webhook",
    }
    assert world.org.total_calls == before["salesforce_calls"]
    assert metrics(capsys)["WebhookNotificationRefused"] == 1
    [refused_line] = [line for line in log_lines if "refused (acknowledged" in line]
    [[logged_id, reason, logged_value]] = json.loads(refused_line)["outbound_message"]["refused"]
    assert (logged_id, reason) == (bad[0], "campaign id is not a Salesforce id")
    assert logged_value.startswith(bad_id[:LOG_VALUE_LIMIT])
    assert len(logged_value) <= LOG_VALUE_LIMIT + len("…(+999 chars)")


def test_a_record_or_notification_id_that_is_not_a_salesforce_id_is_refused_too(world, capsys):
    campaign_id = a_campaign(world.org)
    [(_, sobject, fields)] = campaign_notification(world.org, campaign_id)
    before = state(world)
    message = world.message(
        [
            (next_notification_id(), sobject, {**fields, "Id": "' OR Id != '"}),
            ("x" * 300, sobject, fields),
        ]
    )
    reply = world.deliver(message)
    assert reply["statusCode"] == 200
    assert state(world) == before
    assert metrics(capsys)["WebhookNotificationRefused"] == 2


# -- 5. every id in its 18-character form ------------------------------------------------------


def test_15_and_18_character_ids_of_one_campaign_share_one_group_and_one_state(world):
    org = world.org
    campaign_id = a_campaign(org)
    [member_id] = members(org, campaign_id, 1)
    [(nid, sobject, fields)] = member_notifications(org, [member_id])
    short = world.message(
        [(nid, sobject, {**fields, "Id": member_id[:15], "CampaignId": campaign_id[:15]})]
    )
    lower = world.message(campaign_notification(org, campaign_id)).replace(
        campaign_id, campaign_id.lower()
    )
    before = state(world)

    assert (
        world.deliver(world.message(campaign_notification(org, campaign_id)))["statusCode"] == 200
    )
    assert world.deliver(short)["statusCode"] == 200
    assert world.deliver(lower)["statusCode"] == 200

    assert queued(world) == [(campaign_id, campaign_id)] * 3
    assert {item["PK"] for item in new_items(world, before)} == {
        f"RECORD#{campaign_id}",
        f"RECORD#{member_id}",
        "IDEMPOTENCY#webhook",
    }
    assert world.org.total_calls == before["salesforce_calls"]
    world.drain_queue()
    keys = [f"{item['PK']}|{item['SK']}" for item in world.table_items()]
    assert not [key for key in keys if campaign_id[:15] in key and campaign_id not in key]
    assert world.queue_depth() == 0


# -- 6. an unreadable stamp is unknown, never a 500 --------------------------------------------


def test_an_unreadable_stamp_is_acknowledged_as_unknown(world, log_lines):
    campaign_id = a_campaign(world.org)
    [(nid, sobject, fields)] = campaign_notification(world.org, campaign_id)
    message = world.message(
        [
            (nid, sobject, {**fields, "SystemModstamp": "yesterday"}),
            (next_notification_id(), sobject, fields),  # same record, readable stamp
            (next_notification_id(), sobject, {**fields, "SystemModstamp": "2026-02-05T10:00"}),
        ]
    )
    before = state(world)

    reply = world.deliver(message)

    assert reply["statusCode"] == 200
    assert queued(world) == [(campaign_id, campaign_id)]
    stamps = [item for item in new_items(world, before) if item["PK"].startswith("RECORD#")]
    assert [item["modstamp"] for item in stamps] == ["2026-02-05T16:45:00+00:00"]
    assert world.org.total_calls == before["salesforce_calls"]
    assert not [line for line in log_lines if json.loads(line)["level"] == "ERROR"]


# -- 7. a stamp from the future cannot silence later changes -----------------------------------


def test_a_notification_from_the_future_does_not_silence_the_next_real_change(world):
    org = world.org
    campaign_id = a_campaign(org)
    [(nid, sobject, fields)] = campaign_notification(org, campaign_id)
    from_2099 = world.message(
        [(nid, sobject, {**fields, "SystemModstamp": "2099-01-01T00:00:00Z"})]
    )
    before = state(world)

    assert world.deliver(from_2099)["statusCode"] == 200
    [stamp] = [i for i in new_items(world, before) if i["PK"] == f"RECORD#{campaign_id}"]
    assert stamp["modstamp"] == world.now.isoformat()  # counted as now

    org.now = world.now = world.now + timedelta(minutes=1)
    org.update_record("Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": None})
    real_change = world.message(campaign_notification(org, campaign_id))
    assert world.deliver(real_change)["statusCode"] == 200
    assert world.queue_depth() == 2  # the real change is queued, not ignored as stale

    older = world.message(
        [(next_notification_id(), sobject, {**fields, "SystemModstamp": "2026-02-05T15:00:00Z"})]
    )
    assert world.deliver(older)["statusCode"] == 200
    assert world.queue_depth() == 2  # and a genuinely stale one still is
    assert world.org.total_calls == before["salesforce_calls"]


# -- 8. the public function reaches only what it needs -----------------------------------------


class _TaggedLoader(yaml.SafeLoader):
    """template.yaml with CloudFormation's short tags kept: `!Ref X` becomes {"Ref": "X"}."""


def _tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}


_TaggedLoader.add_multi_constructor("!", _tagged)


def template() -> dict[str, Any]:
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=_TaggedLoader)


def webhook_table_statement(resources) -> dict[str, Any]:
    policies = resources["CampaignWebhookFunction"]["Properties"]["Policies"]
    [statement] = [
        s for p in policies for s in p.get("Statement", []) if "dynamodb:PutItem" in s["Action"]
    ]
    return statement


def test_the_webhook_may_read_only_its_token_secret_and_touch_only_its_own_items():
    resources = template()["Resources"]
    function = resources["CampaignWebhookFunction"]["Properties"]
    policies = function["Policies"]
    statement = webhook_table_statement(resources)

    assert function["Environment"]["Variables"]["OUTBOUND_TOKEN_SECRET_ID"] == {
        "Ref": "OutboundTokenSecret"
    }
    assert "SalesforceSecretArn" not in json.dumps(policies)
    assert not [p for p in policies if "DynamoDBCrudPolicy" in p]
    assert {
        "AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Ref": "OutboundTokenSecret"}}
    } in policies
    assert {
        "SQSSendMessagePolicy": {"QueueName": {"GetAtt": "RecomputeQueue.QueueName"}}
    } in policies
    assert len(policies) == 3
    assert sorted(statement["Action"]) == [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:PutItem",  # also what authorizes each Put of a TransactWriteItems
    ]
    assert statement["Resource"] == {"GetAtt": "StateTable.Arn"}
    assert set(statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]) == {
        "RECORD#*",
        "NOTIFICATION#*",
        "IDEMPOTENCY#webhook",
    }
    secret = resources["OutboundTokenSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"] == {
        "SecretStringTemplate": "{}",
        "GenerateStringKey": "outbound_token",
        "ExcludePunctuation": True,
        "PasswordLength": 48,
    }
    alarm = resources["WebhookTokenMissingAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "OfflineTouchpoints",
        "WebhookTokenMissing",
    )
    assert "OutboundTokenSecretArn" in template()["Outputs"]["OutboundMessageUrl"]["Description"]


def test_the_webhook_works_without_the_salesforce_secret_and_writes_only_keys_its_policy_allows(
    world,
):
    """Drives every path that writes (accepted, redelivered, stale, without a record, a failed
    enqueue) and checks each key against the template's dynamodb:LeadingKeys patterns."""
    world.session.client("secretsmanager").delete_secret(
        SecretId=SECRET, ForceDeleteWithoutRecovery=True
    )
    allowed = webhook_table_statement(template()["Resources"])["Condition"][
        "ForAllValues:StringLike"
    ]["dynamodb:LeadingKeys"]
    org = world.org
    campaign_id = a_campaign(org)
    member_ids = members(org, campaign_id, 2)
    message = world.message(
        campaign_notification(org, campaign_id) + member_notifications(org, member_ids)
    )
    before = state(world)

    assert world.deliver(message)["statusCode"] == 200
    assert world.deliver(message)["statusCode"] == 200  # redelivery
    stale = campaign_notification(org, campaign_id)
    stale[0][2]["SystemModstamp"] = "2026-01-01T00:00:00Z"
    assert world.deliver(world.message(stale))["statusCode"] == 200
    assert world.deliver(world.message([(next_notification_id(), None, {})]))["statusCode"] == 200
    encoded = base64.b64encode(message.encode()).decode()
    assert world.deliver(encoded, isBase64Encoded=True)["statusCode"] == 200

    written = {item["PK"] for item in new_items(world, before)}
    assert {pk.split("#", 1)[0] for pk in written} == {"RECORD", "NOTIFICATION", "IDEMPOTENCY"}
    assert all(any(fnmatch.fnmatchcase(pk, pattern) for pattern in allowed) for pk in written)
    assert world.queue_depth() == 1
    assert world.org.total_calls == before["salesforce_calls"]
