"""The webhook's AWS work in batches (issue 11): a full outbound message (100 notifications over 37
campaigns) costs at most 20 AWS calls, and every campaign's share of it is still enqueued exactly
once, however often and however late Salesforce delivers it, whatever SQS fails.

Salesforce delivers an outbound message at least once and retries it for 24 hours until it is
acknowledged, up to 100 notifications a message: Salesforce Help, "Outbound Messaging"
(https://help.salesforce.com/s/articleView?id=sf.workflow_managing_outbound_messages.htm). SQS FIFO
drops a message whose deduplication id it accepted within the last five minutes: Amazon SQS
Developer Guide, "Using the message deduplication ID in Amazon SQS"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from boto3.dynamodb.conditions import Key

from emulators.outbound_messages import next_notification_id
from tests.integration.aws_faults import AwsCalls, advance_sqs_clock, fail_batch_entries
from tests.integration.seeds import a_campaign, campaign_notification, member_notifications, members
from tests.integration.test_webhook_hardening import template, webhook_table_statement

CAMPAIGNS = 37
NOTIFICATIONS = 100
CALL_BUDGET = 20


@pytest.fixture
def aws(world):
    """AWS calls counted from before the webhook's first invocation (its clients copy the hook)."""
    return AwsCalls(world)


def full_message(world) -> tuple[list[str], str]:
    """(campaign ids, one message of 100 member notifications over 37 campaigns): 100 records,
    the most a message can name."""
    campaign_ids = [a_campaign(world.org, Name=f"Event {n}") for n in range(CAMPAIGNS)]
    member_ids = [
        members(world.org, campaign_ids[index % CAMPAIGNS], 1)[0] for index in range(NOTIFICATIONS)
    ]
    return campaign_ids, world.message(member_notifications(world.org, member_ids))


def queued_groups(world) -> Counter[str]:
    """How many recomputes each campaign has on the queue (its FIFO group), left on the queue."""
    sqs = world.session.client("sqs")
    groups: Counter[str] = Counter()
    seen: set[str] = set()
    while True:
        reply = sqs.receive_message(
            QueueUrl=world.queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["MessageGroupId"],
            VisibilityTimeout=30,
        )
        messages = [m for m in reply.get("Messages", []) if m["MessageId"] not in seen]
        if not messages:
            break
        for message in messages:
            seen.add(message["MessageId"])
            group = message["Attributes"]["MessageGroupId"]
            assert json.loads(message["Body"])["campaign_id"] == group
            groups[group] += 1
    return groups


def idempotency_records(world) -> list[dict]:
    table = world.session.resource("dynamodb").Table(world.table_name)
    return table.query(KeyConditionExpression=Key("PK").eq("IDEMPOTENCY#webhook"))["Items"]


def forget_idempotency_records(world) -> None:
    table = world.session.resource("dynamodb").Table(world.table_name)
    for item in idempotency_records(world):
        table.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})


def warm_up(world) -> None:
    """One small message first, as a warm function has served one: its token secret is read."""
    campaign_id = a_campaign(world.org, Name="Warm up")
    assert (
        world.deliver(world.message(campaign_notification(world.org, campaign_id)))["statusCode"]
        == 200
    )
    world.drain_queue()


# -- the call budget ------------------------------------------------------------------------------


def test_a_full_message_costs_at_most_20_aws_calls_and_enqueues_each_campaign_once(world, aws):
    warm_up(world)
    campaign_ids, message = full_message(world)

    reply, calls = aws.during(lambda: world.deliver(message))

    assert reply["statusCode"] == 200
    assert calls.total() <= CALL_BUDGET, calls
    assert calls == {
        "dynamodb.BatchGetItem": 2,  # the stored stamps, the idempotency records
        "dynamodb.TransactWriteItems": 1,  # 100 newer stamps, each conditional
        "sqs.SendMessageBatch": 4,  # 37 recomputes, ten a call
        "dynamodb.BatchWriteItem": 2,  # 37 idempotency records, 25 a call
    }
    assert queued_groups(world) == dict.fromkeys(campaign_ids, 1)


def test_every_call_the_webhook_makes_is_one_its_policy_allows(world, aws):
    """Each Put of a TransactWriteItems is authorized as dynamodb:PutItem: Amazon DynamoDB
    Developer Guide, "Using IAM with DynamoDB transactions"
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html)."""
    _, message = full_message(world)
    without_record = world.message([(next_notification_id(), None, {})])
    _, calls = aws.during(lambda: (world.deliver(message), world.deliver(without_record)))

    authorized_as = {"TransactWriteItems": "PutItem", "SendMessageBatch": "SendMessage"}
    iam_prefix = {"secrets-manager": "secretsmanager"}
    used = {
        f"{iam_prefix.get(service, service)}:{authorized_as.get(operation, operation)}"
        for service, operation in (call.split(".") for call in calls)
    }
    allowed = set(webhook_table_statement(template()["Resources"])["Action"])
    allowed |= {"sqs:SendMessage", "secretsmanager:GetSecretValue"}  # the SAM policy templates
    assert used <= allowed
    assert {"dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"} <= used


# -- exactly once ---------------------------------------------------------------------------------


def test_a_redelivery_within_five_minutes_enqueues_nothing_new(world, aws):
    campaign_ids, message = full_message(world)
    assert world.deliver(message)["statusCode"] == 200

    reply, calls = aws.during(lambda: world.deliver(message))

    assert reply["statusCode"] == 200
    assert world.queue_depth() == CAMPAIGNS
    assert calls == {"dynamodb.BatchGetItem": 2}  # equal stamps, every share recorded
    assert queued_groups(world) == dict.fromkeys(campaign_ids, 1)


def test_within_five_minutes_sqs_deduplication_holds_even_without_the_records(world):
    """The first delivery's idempotency records were never written (the invocation died after
    SQS accepted the batch): the redelivery sends again, and SQS drops every copy."""
    campaign_ids, message = full_message(world)
    assert world.deliver(message)["statusCode"] == 200
    forget_idempotency_records(world)

    assert world.deliver(message)["statusCode"] == 200

    assert world.queue_depth() == CAMPAIGNS
    assert queued_groups(world) == dict.fromkeys(campaign_ids, 1)


def test_a_redelivery_after_five_minutes_enqueues_nothing_new(world, monkeypatch):
    _, message = full_message(world)
    assert world.deliver(message)["statusCode"] == 200
    world.now += timedelta(hours=23)  # Salesforce retries for 24 hours
    advance_sqs_clock(monkeypatch, timedelta(hours=23).total_seconds())

    assert world.deliver(message)["statusCode"] == 200

    assert world.queue_depth() == CAMPAIGNS
    resend_one_as_it_was(world)  # SQS's window has passed indeed: the same copy is kept now
    assert world.queue_depth() == CAMPAIGNS + 1


def resend_one_as_it_was(world) -> None:
    """Sends a queued message again with its own group and deduplication id."""
    sqs = world.session.client("sqs")
    [queued] = sqs.receive_message(
        QueueUrl=world.queue_url,
        MaxNumberOfMessages=1,
        AttributeNames=["MessageDeduplicationId", "MessageGroupId"],
        VisibilityTimeout=0,
    )["Messages"]
    sqs.send_message(
        QueueUrl=world.queue_url,
        MessageBody=queued["Body"],
        MessageGroupId=queued["Attributes"]["MessageGroupId"],
        MessageDeduplicationId=queued["Attributes"]["MessageDeduplicationId"],
    )


@pytest.mark.handler_errors_expected  # the first delivery answers 500 and logs why
def test_a_partly_failed_batch_answers_500_and_the_redelivery_completes_it_exactly_once(
    world, monkeypatch, aws
):
    campaign_ids, message = full_message(world)
    unlucky = set(campaign_ids[3:5])
    failed = fail_batch_entries(monkeypatch, lambda entry: entry["MessageGroupId"] in unlucky)

    reply = world.deliver(message)

    assert reply["statusCode"] == 500
    assert "<soapenv:Fault>" in reply["body"]
    assert Counter(failed) == dict.fromkeys(unlucky, 3)  # each sent three times, then given up
    assert world.queue_depth() == CAMPAIGNS - 2
    assert len(idempotency_records(world)) == CAMPAIGNS - 2  # the ones SQS accepted
    monkeypatch.undo()  # SQS is well again, and Salesforce retries later
    world.now += timedelta(minutes=20)
    advance_sqs_clock(monkeypatch, timedelta(minutes=20).total_seconds())

    reply, calls = aws.during(lambda: world.deliver(message))

    assert reply["statusCode"] == 200
    assert calls["sqs.SendMessageBatch"] == 1  # only the two left over
    assert queued_groups(world) == dict.fromkeys(campaign_ids, 1)


def test_an_entry_sqs_fails_once_is_sent_again_in_the_same_invocation(world, monkeypatch, aws):
    campaign_ids, message = full_message(world)
    unlucky = campaign_ids[7]
    failed = fail_batch_entries(
        monkeypatch, lambda entry: entry["MessageGroupId"] == unlucky and not failed
    )
    reply, calls = aws.during(lambda: world.deliver(message))

    assert reply["statusCode"] == 200
    assert failed == [unlucky]
    assert calls["sqs.SendMessageBatch"] == 5  # four, and one for the entry that failed
    assert queued_groups(world) == dict.fromkeys(campaign_ids, 1)


# -- stamps: newest wins --------------------------------------------------------------------------


def test_older_stamps_are_skipped_and_a_redelivered_equal_stamp_is_not_queued_again(world):
    org = world.org
    campaign_id = a_campaign(org)
    [member_id] = members(org, campaign_id, 1)
    current = member_notifications(org, [member_id])
    assert world.deliver(world.message(current))["statusCode"] == 200
    [(_, sobject, fields)] = current
    older = [
        (next_notification_id(), sobject, {**fields, "SystemModstamp": "2026-01-01T00:00:00Z"})
    ]

    assert world.deliver(world.message(older))["statusCode"] == 200  # stale
    assert world.deliver(world.message(current))["statusCode"] == 200  # equal: a redelivery

    assert queued_groups(world) == {campaign_id: 1}
    stamps = [i for i in world.table_items() if i["PK"] == f"RECORD#{member_id}"]
    assert [s["modstamp"] for s in stamps] == ["2026-02-05T16:45:00+00:00"]


def test_a_newer_stamp_stored_between_read_and_write_wins(world):
    """A concurrent delivery stores a newer stamp for one record after this delivery read the
    stamps and before it writes them: that record's notification is stale, the others go on."""
    org = world.org
    campaign_ids = [a_campaign(org, Name=f"Event {n}") for n in range(3)]
    member_ids = [members(org, campaign_id, 1)[0] for campaign_id in campaign_ids]
    message = world.message(member_notifications(org, member_ids))
    newer = "2026-02-05T17:00:00+00:00"
    table = world.session.resource("dynamodb").Table(world.table_name)

    def concurrent_delivery(**_: object) -> None:
        table.put_item(Item={"PK": f"RECORD#{member_ids[1]}", "SK": "MODSTAMP", "modstamp": newer})

    client_events = world.webhook.deps.table.meta.client.meta.events
    client_events.register_first("before-call.dynamodb.TransactWriteItems", concurrent_delivery)

    assert world.deliver(message)["statusCode"] == 200

    assert queued_groups(world) == {campaign_ids[0]: 1, campaign_ids[2]: 1}
    stamps = {i["PK"]: i["modstamp"] for i in world.table_items() if i["PK"].startswith("RECORD#")}
    assert stamps == {
        f"RECORD#{member_ids[0]}": "2026-02-05T16:45:00+00:00",
        f"RECORD#{member_ids[1]}": newer,
        f"RECORD#{member_ids[2]}": "2026-02-05T16:45:00+00:00",
    }
