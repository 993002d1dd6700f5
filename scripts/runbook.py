"""Operator commands for docs/runbook.md, with your AWS credentials (the standard chain:
`--profile`, environment, SSO, instance role). Each prints what it did; none needs Salesforce.

    python -m scripts.runbook redrive --dlq <DeadLetterQueueUrl> --queue <RecomputeQueueUrl>
    python -m scripts.runbook replay --queue <RecomputeQueueUrl> --campaign 701… [--campaign …]
    python -m scripts.runbook replay --table <TableName> --all
    python -m scripts.runbook pause|resume --function <TouchpointRecomputeFunction name>
    python -m scripts.runbook rotate-secret --secret-id <arn> --kind salesforce --file new.json
    python -m scripts.runbook restore-table --source <restored table> --table <TableName>
    python -m scripts.runbook audit-backfill --table <TableName>

(`make runbook ARGS="…"` runs it with the layer on the path.)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import boto3

from touchpoints.adapters.audit_log import audit_index_keys
from touchpoints.adapters.marketo import SECRET_KEYS as MARKETO_SECRET_KEYS
from touchpoints.adapters.recompute_queue import RecomputeQueue
from touchpoints.adapters.salesforce_client import SECRET_FORMATS
from touchpoints.adapters.state_store import StateStore
from touchpoints.ports.audit import BULK_DATE, CHANNEL_MAPPING
from touchpoints.services.sweep import request_full_reconciliation
from touchpoints.services.webhook import MIN_TOKEN_LENGTH

REPLAY_CAUSE = "runbook replay"
RECEIVE_BATCH = 10  # SQS hands out at most ten messages a call


class RunbookError(Exception):
    """A command refused before it changed anything."""


# -- dead letters ----------------------------------------------------------------------------------


def redrive(sqs: Any, dlq_url: str, queue_url: str, limit: int | None = None) -> int:
    """Move dead-lettered messages back to their queue, each in its own message group (the
    campaign or job), under a new deduplication id; a message is deleted from the dead-letter
    queue only once its queue took it. Returns how many moved."""
    moved = 0
    while limit is None or moved < limit:
        reply = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=RECEIVE_BATCH
            if limit is None
            else min(RECEIVE_BATCH, limit - moved),
            AttributeNames=["MessageGroupId"],
            VisibilityTimeout=60,
        )
        messages = reply.get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            sqs.send_message(
                QueueUrl=queue_url,
                MessageBody=message["Body"],
                MessageGroupId=message["Attributes"]["MessageGroupId"],
                MessageDeduplicationId=f"redrive:{message['MessageId']}",
            )
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


# -- replays -------------------------------------------------------------------------------------


def replay_campaigns(sqs: Any, queue_url: str, campaign_ids: Sequence[str], now: datetime) -> int:
    """A full reconciliation of each campaign: compared with what Salesforce holds, not with the
    state, so hand edits and a lost or restored state are repaired."""
    queue = RecomputeQueue(sqs, queue_url)
    for campaign_id in campaign_ids:
        queue.enqueue(
            campaign_id, REPLAY_CAUSE, f"replay:{campaign_id}:{now.isoformat()}", full=True
        )
    return len(campaign_ids)


def replay_all(table: Any, client: Any) -> str:
    """Make the next sweep a full reconciliation of every synced campaign (as Salesforce lists
    them), by forgetting when the last one ran; the changed-records watermark stays."""
    if not request_full_reconciliation(StateStore(table, client)):
        return "no sweep has run yet: the first sweep is a full reconciliation already"
    return "the next sweep (within SweepSchedule) reconciles every synced campaign in full"


# -- pausing ---------------------------------------------------------------------------------------


def set_queue_trigger(lambda_client: Any, function_name: str, enabled: bool) -> int:
    """Stop (or restart) the function taking messages from its queues: messages wait on the
    queue, untouched and not counted towards the dead-letter queue, for as long as it keeps them.
    Returns how many triggers were changed."""
    mappings = lambda_client.list_event_source_mappings(FunctionName=function_name)
    found = mappings.get("EventSourceMappings", [])
    if not found:
        raise RunbookError(f"{function_name} has no queue trigger")
    for mapping in found:
        lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=enabled)
    return len(found)


# -- secrets ---------------------------------------------------------------------------------------


def _salesforce_secret_problem(secret: dict[str, Any]) -> str | None:
    if any(all(secret.get(key) for key in keys) for keys in SECRET_FORMATS):
        return None
    return "needs one of: " + "; ".join("+".join(keys) for keys in SECRET_FORMATS)


def _marketo_secret_problem(secret: dict[str, Any]) -> str | None:
    missing = [key for key in MARKETO_SECRET_KEYS if not secret.get(key)]
    return f"missing {missing}" if missing else None


def _token_secret_problem(secret: dict[str, Any]) -> str | None:
    token = secret.get("outbound_token")
    if isinstance(token, str) and len(token) >= MIN_TOKEN_LENGTH:
        return None
    return f"needs outbound_token of at least {MIN_TOKEN_LENGTH} characters"


SECRET_CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "salesforce": _salesforce_secret_problem,
    "marketo": _marketo_secret_problem,
    "outbound-token": _token_secret_problem,
}


def rotate_secret(secrets: Any, secret_id: str, kind: str, text: str) -> str:
    """Put a new version of the secret once it has the shape its function reads; the old one
    stays as AWSPREVIOUS. Returns the new version id."""
    try:
        secret = json.loads(text)
    except ValueError:
        raise RunbookError("the new secret is not JSON") from None
    if not isinstance(secret, dict):
        raise RunbookError("the new secret must be a JSON object")
    problem = SECRET_CHECKS[kind](secret)
    if problem:
        raise RunbookError(f"not a {kind} secret: {problem}")
    reply = secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps(secret))
    return reply["VersionId"]


# -- the table -------------------------------------------------------------------------------------


def restore_table(source: Any, target: Any) -> int:
    """Copy every item of a restored table (point-in-time recovery restores into a new table)
    into the stack's table. Returns how many items were copied."""
    copied = 0
    kwargs: dict[str, Any] = {}
    with target.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
        while True:
            page = source.scan(**kwargs)
            for item in page["Items"]:
                batch.put_item(Item=item)
                copied += 1
            if "LastEvaluatedKey" not in page:
                return copied
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def audit_backfill(table: Any) -> int:
    """Give audit entries written before the AuditIndex existed its keys, so GET /audit lists
    them without a filter. Returns how many entries were changed."""
    changed = 0
    kwargs: dict[str, Any] = {
        "FilterExpression": "begins_with(PK, :audit) AND attribute_not_exists(audit_log)",
        "ExpressionAttributeValues": {":audit": "AUDIT#"},
    }
    while True:
        page = table.scan(**kwargs)
        for item in page["Items"]:
            at, _, ref = item["SK"].partition("#")
            kind = CHANNEL_MAPPING if item["PK"] == "AUDIT#CHANNEL_MAPPING" else BULK_DATE
            table.put_item(Item={**item, **audit_index_keys(kind, at, ref)})
            changed += 1
        if "LastEvaluatedKey" not in page:
            return changed
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# -- command line ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.runbook", description=__doc__)
    parser.add_argument("--profile", help="AWS profile (default: the standard chain)")
    parser.add_argument("--region", help="AWS region (default: the profile's)")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("redrive", help="dead-lettered messages back to their queue")
    command.add_argument("--dlq", required=True, help="the dead-letter queue URL")
    command.add_argument("--queue", required=True, help="the queue it dead-letters for")
    command.add_argument("--max", type=int, help="move at most this many")
    command = commands.add_parser("replay", help="reconcile campaigns in full")
    command.add_argument("--queue", help="RecomputeQueueUrl (with --campaign)")
    command.add_argument("--campaign", action="append", default=[], help="a campaign id")
    command.add_argument("--table", help="TableName (with --all)")
    command.add_argument("--all", action="store_true", help="every synced campaign, next sweep")
    for name, text in (("pause", "stop"), ("resume", "restart")):
        command = commands.add_parser(name, help=f"{text} taking recomputes from the queue")
        command.add_argument("--function", required=True, help="the function's name")
    command = commands.add_parser("rotate-secret", help="put a new secret value, checked first")
    command.add_argument("--secret-id", required=True)
    command.add_argument("--kind", required=True, choices=sorted(SECRET_CHECKS))
    command.add_argument("--file", required=True, type=Path, help="the new secret's JSON")
    command = commands.add_parser("restore-table", help="copy a restored table into the stack's")
    command.add_argument("--source", required=True, help="the table restored from a backup")
    command.add_argument("--table", required=True, help="TableName")
    command = commands.add_parser("audit-backfill", help="older audit entries into AuditIndex")
    command.add_argument("--table", required=True, help="TableName")
    return parser


def run(
    argv: Sequence[str],
    session: Any = None,
    out: TextIO = sys.stdout,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    args = _parser().parse_args(argv)
    session = session or boto3.session.Session(profile_name=args.profile, region_name=args.region)
    try:
        print(_dispatch(args, session, now), file=out)
    except RunbookError as error:
        print(f"refused: {error}", file=out)
        return 2
    return 0


def _dispatch(args: argparse.Namespace, session: Any, now: Callable[[], datetime]) -> str:
    table = session.resource("dynamodb").Table
    if args.command == "redrive":
        moved = redrive(session.client("sqs"), args.dlq, args.queue, args.max)
        return f"moved {moved} message(s) back to {args.queue}"
    if args.command == "replay":
        if args.all == bool(args.campaign):
            raise RunbookError("replay takes --campaign … or --all, one of them")
        if args.all:
            if not args.table:
                raise RunbookError("replay --all needs --table")
            return replay_all(table(args.table), session.client("dynamodb"))
        if not args.queue:
            raise RunbookError("replay --campaign needs --queue")
        count = replay_campaigns(session.client("sqs"), args.queue, args.campaign, now())
        return f"enqueued {count} full reconciliation(s)"
    if args.command in ("pause", "resume"):
        enabled = args.command == "resume"
        changed = set_queue_trigger(session.client("lambda"), args.function, enabled)
        return f"{args.function}: {changed} queue trigger(s) {'enabled' if enabled else 'disabled'}"
    if args.command == "rotate-secret":
        version = rotate_secret(
            session.client("secretsmanager"), args.secret_id, args.kind, args.file.read_text()
        )
        return f"new version {version} of {args.secret_id}"
    if args.command == "restore-table":
        copied = restore_table(table(args.source), table(args.table))
        return f"copied {copied} item(s) from {args.source} into {args.table}"
    changed = audit_backfill(table(args.table))
    return f"{changed} audit entr{'y' if changed == 1 else 'ies'} indexed"


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
