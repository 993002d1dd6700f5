"""docs/runbook.md's commands (`scripts/runbook.py`) against moto and the emulators, through the
functions template.yaml deploys: a dead letter redriven is recomputed, a replay repairs what was
edited by hand, a pause leaves messages waiting, a rotated secret is read by the next login, a lost
table is rebuilt by the next full pass, and audit entries older than the index are listed."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest

from emulators.world import SECRET, event, lambda_context
from scripts import runbook
from tests.integration.seeds import a_campaign, members
from tests.integration.test_audit import audit
from tests.integration.test_sync_status import recomputed


def run(world, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = runbook.run(list(argv), session=world.session, out=out, now=lambda: world.now)
    return code, out.getvalue()


def sweep(world):
    return world.sweep.lambda_handler(event("schedule-sweep.json"), lambda_context("sweep"))


def test_dead_letters_redriven_are_recomputed(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 2)
    world.recompute.deps.queue.enqueue(campaign_id, "test", "lost")
    sqs = world.session.client("sqs")
    [message] = sqs.receive_message(QueueUrl=world.queue_url, AttributeNames=["MessageGroupId"])[
        "Messages"
    ]
    sqs.send_message(  # as SQS moves it after maxReceiveCount failed receives
        QueueUrl=world.dlq_url,
        MessageBody=message["Body"],
        MessageGroupId=message["Attributes"]["MessageGroupId"],
        MessageDeduplicationId="dead",
    )
    sqs.delete_message(QueueUrl=world.queue_url, ReceiptHandle=message["ReceiptHandle"])

    code, said = run(world, "redrive", "--dlq", world.dlq_url, "--queue", world.queue_url)

    assert (code, said) == (0, f"moved 1 message(s) back to {world.queue_url}\n")
    assert "Messages" not in sqs.receive_message(QueueUrl=world.dlq_url)
    assert world.drain_queue() == [{"batchItemFailures": []}]
    assert len(world.touchpoints()) == 2


def test_a_replayed_campaign_gets_back_a_touchpoint_deleted_by_hand(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    recomputed(world, campaign_id)
    deleted = world.touchpoints()[0]
    world.org.delete_record(world.touchpoint_fields.sobject, deleted["Id"])

    code, said = run(world, "replay", "--queue", world.queue_url, "--campaign", campaign_id)

    assert (code, said) == (0, "enqueued 1 full reconciliation(s)\n")
    assert world.drain_queue() == [{"batchItemFailures": []}]
    keys = sorted(tp["Touchpoint_Key__c"] for tp in world.touchpoints())
    assert len(keys) == 3
    assert deleted["Touchpoint_Key__c"] in keys
    status, body = audit(world)  # a replay is no admin action: nothing audited
    assert (status, body["entries"]) == (200, [])


def test_replay_all_makes_the_next_sweep_a_full_reconciliation(world):
    assert sweep(world)["full_reconciliation"] is True  # the first sweep
    world.now += timedelta(minutes=15)
    assert sweep(world)["full_reconciliation"] is False

    code, said = run(world, "replay", "--table", world.table_name, "--all")

    assert code == 0
    assert "next sweep" in said
    world.now += timedelta(minutes=15)
    assert sweep(world)["full_reconciliation"] is True


def test_a_replay_without_campaigns_or_with_both_is_refused(world):
    assert run(world, "replay", "--queue", world.queue_url)[0] == 2
    code, said = run(world, "replay", "--all", "--campaign", "701000000000001AAA")
    assert (code, said) == (2, "refused: replay takes --campaign … or --all, one of them\n")


def _recompute_trigger(world) -> str:
    """The recompute function and its queue trigger, as template.yaml deploys them."""
    iam = world.session.client("iam")
    role = iam.create_role(RoleName="recompute", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    return {}\n")
    lambda_client = world.session.client("lambda")
    lambda_client.create_function(
        FunctionName="offline-touchpoints-TouchpointRecompute",
        Runtime="python3.13",
        Role=role,
        Handler="app.lambda_handler",
        Code={"ZipFile": code.getvalue()},
    )
    queue_arn = world.session.client("sqs").get_queue_attributes(
        QueueUrl=world.queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    lambda_client.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName="offline-touchpoints-TouchpointRecompute"
    )
    return "offline-touchpoints-TouchpointRecompute"


def test_pause_stops_the_queue_trigger_and_resume_restarts_it(world):
    function = _recompute_trigger(world)
    lambda_client = world.session.client("lambda")

    def enabled() -> list[str]:
        mappings = lambda_client.list_event_source_mappings(FunctionName=function)
        return [m["State"] for m in mappings["EventSourceMappings"]]

    assert run(world, "pause", "--function", function) == (
        0,
        f"{function}: 1 queue trigger(s) disabled\n",
    )
    assert enabled() == ["Disabled"]
    assert run(world, "resume", "--function", function)[0] == 0
    assert enabled() == ["Enabled"]


def test_a_rotated_salesforce_secret_is_what_the_next_login_reads(world, tmp_path):
    secrets = world.session.client("secretsmanager")
    before = json.loads(secrets.get_secret_value(SecretId=SECRET)["SecretString"])
    rotated = {**before, "access_token": "rotated-token"}
    new = tmp_path / "new.json"
    new.write_text(json.dumps(rotated))

    code, said = run(
        world, "rotate-secret", "--secret-id", SECRET, "--kind", "salesforce", "--file", str(new)
    )

    assert code == 0
    assert said.startswith("new version ")
    assert json.loads(secrets.get_secret_value(SecretId=SECRET)["SecretString"]) == rotated
    previous = secrets.get_secret_value(SecretId=SECRET, VersionStage="AWSPREVIOUS")
    assert json.loads(previous["SecretString"]) == before


@pytest.mark.parametrize(
    ("kind", "text", "reason"),
    [
        ("salesforce", '{"username": "integration@acme.com"}', "not a salesforce secret"),
        ("marketo", '{"client_id": "x"}', "not a marketo secret"),
        ("outbound-token", '{"outbound_token": "short"}', "at least 16 characters"),
        ("salesforce", "not json", "not JSON"),
    ],
)
def test_a_secret_of_the_wrong_shape_is_refused_and_nothing_changes(
    world, tmp_path, kind, text, reason
):
    secrets = world.session.client("secretsmanager")
    before = secrets.get_secret_value(SecretId=SECRET)["VersionId"]
    new = tmp_path / "new.json"
    new.write_text(text)

    code, said = run(
        world, "rotate-secret", "--secret-id", SECRET, "--kind", kind, "--file", str(new)
    )

    assert code == 2
    assert reason in said
    assert secrets.get_secret_value(SecretId=SECRET)["VersionId"] == before


def test_a_lost_table_is_rebuilt_by_the_next_full_pass_without_duplicates(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    recomputed(world, campaign_id)
    before = sorted(
        (tp["Touchpoint_Key__c"], tp["Touchpoint_Date__c"]) for tp in world.touchpoints()
    )
    table = world.session.resource("dynamodb").Table(world.table_name)
    with table.batch_writer() as batch:
        for item in world.table_items():
            batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})

    assert sweep(world)["full_reconciliation"] is True  # no watermark: the first sweep is full
    assert world.drain_queue() == [{"batchItemFailures": []}]

    after = sorted(
        (tp["Touchpoint_Key__c"], tp["Touchpoint_Date__c"]) for tp in world.touchpoints()
    )
    assert after == before
    members_kept = [i for i in world.table_items() if i["SK"].startswith("MEMBER#")]
    assert len(members_kept) == 3


def test_a_restored_table_is_copied_into_the_stacks_table(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 2)
    recomputed(world, campaign_id)
    dynamodb = world.session.client("dynamodb")
    described = dynamodb.describe_table(TableName=world.table_name)["Table"]
    dynamodb.create_table(  # what restore-table-to-point-in-time creates: a new table
        TableName="restored",
        KeySchema=described["KeySchema"],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("PK", "SK")],
        BillingMode="PAY_PER_REQUEST",
    )
    restored = world.session.resource("dynamodb").Table("restored")
    kept = world.table_items()
    for item in kept:
        restored.put_item(Item=item)
    stack_table = world.session.resource("dynamodb").Table(world.table_name)
    for item in kept:
        stack_table.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})

    code, said = run(world, "restore-table", "--source", "restored", "--table", world.table_name)

    assert (code, said) == (
        0,
        f"copied {len(kept)} item(s) from restored into {world.table_name}\n",
    )
    assert sorted(world.table_items(), key=lambda i: (i["PK"], i["SK"])) == sorted(
        kept, key=lambda i: (i["PK"], i["SK"])
    )


def test_audit_entries_older_than_the_index_are_listed_once_backfilled(world):
    table = world.session.resource("dynamodb").Table(world.table_name)
    table.put_item(  # as job_store wrote it before the AuditIndex existed
        Item={
            "PK": "AUDIT#701000000000001AAA",
            "SK": "2026-01-20T10:00:00+00:00#job-1",
            "job_id": "job-1",
            "kind": "apply",
            "requested_by": "arn:aws:iam::123456789012:user/marketing-ops",
        }
    )
    assert audit(world)[1]["entries"] == []
    assert len(audit(world, campaign="701000000000001AAA")[1]["entries"]) == 1  # its partition

    assert run(world, "audit-backfill", "--table", world.table_name) == (
        0,
        "1 audit entry indexed\n",
    )

    [entry] = audit(world)[1]["entries"]
    assert (entry["kind"], entry["at"], entry["detail"]["job_id"]) == (
        "bulk-date",
        "2026-01-20T10:00:00+00:00",
        "job-1",
    )
    assert (
        run(world, "audit-backfill", "--table", world.table_name)[1] == "0 audit entries indexed\n"
    )
