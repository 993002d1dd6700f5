"""DynamoDB adapter: bulk touchpoint date jobs, their members, errors and audit (same table, PK/SK).

JOB#<jobId> / JOB                       the job: who, when, campaign, filter, date, state, counts
JOB#<jobId> / CHUNK#<nnnnn>             up to 200 members' previous and new dates; `done` once written
JOB#<jobId> / ERROR#<memberId>          a member the job could not change (paged by GET /jobs/{id})
IDEMPOTENCY#bulk-date / <sha256(key)>   the job an Idempotency-Key started, with the request's hash
AUDIT#<campaignId> / <createdAt>#<jobId>  one entry per finished job; kept (no expiry), in the
                                          AuditIndex (adapters/audit_log.py)

Everything but the audit expires (`expires_at`) after the retention period; undo needs the job's
members until then. Counts move in the same transaction that marks a chunk written, so a chunk
written twice (a redelivered continuation) is counted once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import batched
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from touchpoints.adapters.audit_log import audit_index_keys
from touchpoints.adapters.dynamodb import (
    is_condition_failure,
    is_first_condition_failure,
    query_prefix,
)
from touchpoints.errors import InvalidPageTokenError
from touchpoints.ports.audit import BULK_DATE
from touchpoints.ports.jobs import Chunk, ClaimedRequest
from touchpoints.rules.bulk_jobs import (
    DateChange,
    Job,
    JobKind,
    JobState,
    MemberFailure,
    WritePath,
)
from touchpoints.rules.member_filter import filter_from_dict, filter_to_dict
from touchpoints.rules.models import SyncMode
from touchpoints.rules.salesforce_ids import canonical_id

CHUNK_SIZE = 200  # one sObject collection call
_JOB = "JOB"
_IDEMPOTENCY_PK = "IDEMPOTENCY#bulk-date"


def _job_pk(job_id: str) -> str:
    return f"JOB#{job_id}"


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _job_to_item(job: Job) -> dict[str, Any]:
    item = {
        "id": job.id,
        "kind": job.kind.value,
        "campaign_id": job.campaign_id,
        "requested_by": job.requested_by,
        "created_at": job.created_at.isoformat(),
        "matched": job.matched,
        "write_path": job.write_path.value,
        "sync_mode": job.sync_mode.value,
        "date": _iso(job.date),
        "filter": filter_to_dict(job.criteria) if job.criteria is not None else None,
        "state": job.state.value,
        "updated": job.updated,
        "failed": job.failed,
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "undo_of": job.undo_of,
        "undone_by": job.undone_by,
        "recompute_enqueued": job.recompute_enqueued,
        "bulk_job_id": job.bulk_job_id,
        "message": job.message,
        "salesforce_user": job.salesforce_user,
    }
    return {name: value for name, value in item.items() if value is not None}


def _job_from_item(item: Mapping[str, Any]) -> Job:
    return Job(
        id=item["id"],
        kind=JobKind(item["kind"]),
        campaign_id=item["campaign_id"],
        requested_by=item["requested_by"],
        created_at=datetime.fromisoformat(item["created_at"]),
        matched=int(item["matched"]),
        write_path=WritePath(item["write_path"]),
        sync_mode=SyncMode(item.get("sync_mode", "")),
        date=_moment(item.get("date")),
        criteria=filter_from_dict(item["filter"]) if "filter" in item else None,
        state=JobState(item["state"]),
        updated=int(item.get("updated", 0)),
        failed=int(item.get("failed", 0)),
        started_at=_moment(item.get("started_at")),
        finished_at=_moment(item.get("finished_at")),
        undo_of=item.get("undo_of"),
        undone_by=item.get("undone_by"),
        recompute_enqueued=bool(item.get("recompute_enqueued")),
        bulk_job_id=item.get("bulk_job_id"),
        message=item.get("message"),
        salesforce_user=item.get("salesforce_user"),
    )


def _encode_token(member_id: str) -> str:
    return base64.urlsafe_b64encode(member_id.encode()).decode().rstrip("=")


def _decode_token(token: str) -> str:
    try:
        member_id = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidPageTokenError("the page token is not valid") from None
    if canonical_id(member_id) != member_id:  # what this API issues: a member's 18-char id
        raise InvalidPageTokenError("the page token is not valid")
    return member_id


class JobStore:
    def __init__(self, table: Any, retention_days: int) -> None:
        self._table = table
        self._retention = timedelta(days=retention_days)

    def _expires(self, created_at: datetime) -> int:
        return int((created_at + self._retention).timestamp())

    # -- jobs --------------------------------------------------------------------------------

    def create(
        self,
        job: Job,
        changes: Sequence[DateChange],
        failures: Sequence[MemberFailure] = (),
    ) -> None:
        """The members' plan first, then the job: a job that can be read has all its members."""
        pk, expires = _job_pk(job.id), self._expires(job.created_at)
        with self._table.batch_writer() as batch:
            for index, chunk in enumerate(batched(changes, CHUNK_SIZE, strict=False)):
                batch.put_item(
                    Item={
                        "PK": pk,
                        "SK": f"CHUNK#{index:05d}",
                        "changes": {c.member_id: [_iso(c.previous), _iso(c.new)] for c in chunk},
                        "expires_at": expires,
                    }
                )
        self.record_failures(job, failures)
        self._table.put_item(
            Item={"PK": pk, "SK": _JOB, **_job_to_item(job), "expires_at": expires},
            ConditionExpression="attribute_not_exists(PK)",
        )

    def load(self, job_id: str) -> Job | None:
        # Strongly consistent: the job's queue continuation reads what the last invocation wrote.
        item = self._table.get_item(
            Key={"PK": _job_pk(job_id), "SK": _JOB}, ConsistentRead=True
        ).get("Item")
        return _job_from_item(item) if item else None

    def delete(self, job_id: str) -> None:
        """Remove a job that lost a race to another request (it was never started)."""
        with self._table.batch_writer() as batch:
            for item in query_prefix(self._table, _job_pk(job_id), ""):
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})

    def mark_running(self, job_id: str, now: datetime) -> None:
        self._update_if(
            job_id,
            "SET #state = :running, started_at = :now",
            "#state = :pending",
            {
                ":running": JobState.RUNNING.value,
                ":pending": JobState.PENDING.value,
                ":now": _iso(now),
            },
        )

    def set_bulk_job(self, job_id: str, bulk_job_id: str) -> bool:
        """Record the Salesforce ingest job; False when another run recorded one first."""
        return self._update_if(
            job_id,
            "SET bulk_job_id = :bulk",
            "attribute_not_exists(bulk_job_id)",
            {":bulk": bulk_job_id},
        )

    def set_counts(
        self, job_id: str, updated: int, failed: int, message: str | None = None
    ) -> None:
        """The counts of a job written in one go (Bulk API), and why it failed, if it did."""
        expression = "SET updated = :updated, failed = :failed"
        values: dict[str, Any] = {":updated": updated, ":failed": failed}
        if message:
            expression += ", message = :message"
            values[":message"] = message
        self._table.update_item(
            Key={"PK": _job_pk(job_id), "SK": _JOB},
            UpdateExpression=expression,
            ExpressionAttributeValues=values,
        )

    def finish(self, job_id: str, state: JobState, now: datetime, recompute_enqueued: bool) -> bool:
        """Move a running job to its final state; False when it had already finished."""
        values = {
            ":state": state.value,
            ":now": _iso(now),
            ":recompute": recompute_enqueued,
            ":pending": JobState.PENDING.value,
            ":running": JobState.RUNNING.value,
        }
        expression = "SET #state = :state, finished_at = :now, recompute_enqueued = :recompute"
        return self._update_if(job_id, expression, "#state IN (:pending, :running)", values)

    def link_undo(self, job_id: str, undo_job_id: str) -> str | None:
        """Mark the job undone by `undo_job_id`; returns the undo job recorded earlier, if any."""
        if self._update_if(
            job_id,
            "SET undone_by = :undo",
            "attribute_not_exists(undone_by)",
            {":undo": undo_job_id},
        ):
            return None
        job = self.load(job_id)
        return job.undone_by if job else None

    # -- members -----------------------------------------------------------------------------

    def chunks(self, job_id: str) -> Iterator[Chunk]:
        for item in query_prefix(self._table, _job_pk(job_id), "CHUNK#"):
            changes = tuple(
                DateChange(member_id, _moment(previous), _moment(new))
                for member_id, (previous, new) in sorted(item["changes"].items())
            )
            yield Chunk(int(item["SK"].removeprefix("CHUNK#")), changes, bool(item.get("done")))

    def changes(self, job_id: str) -> Iterator[DateChange]:
        for chunk in self.chunks(job_id):
            yield from chunk.changes

    def complete_chunk(
        self, job: Job, index: int, updated: int, failures: Sequence[MemberFailure]
    ) -> bool:
        """Record a written chunk and add its counts to the job, once; False if already done."""
        self.record_failures(job, failures)
        pk = _job_pk(job.id)
        try:  # the table's client takes plain Python values, as the table does
            self._table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table.name,
                            "Key": {"PK": pk, "SK": f"CHUNK#{index:05d}"},
                            "UpdateExpression": "SET done = :done",
                            "ConditionExpression": "attribute_not_exists(done)",
                            "ExpressionAttributeValues": {":done": True},
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table.name,
                            "Key": {"PK": pk, "SK": _JOB},
                            "UpdateExpression": "ADD updated :updated, failed :failed",
                            "ExpressionAttributeValues": {
                                ":updated": updated,
                                ":failed": len(failures),
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            if is_first_condition_failure(error):
                return False
            raise
        return True

    def record_failures(self, job: Job, failures: Iterable[MemberFailure]) -> None:
        pk, expires = _job_pk(job.id), self._expires(job.created_at)
        with self._table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for failure in failures:
                batch.put_item(
                    Item={
                        "PK": pk,
                        "SK": f"ERROR#{failure.member_id}",
                        "member_id": failure.member_id,
                        "code": failure.code,
                        "message": failure.message,
                        "expires_at": expires,
                    }
                )

    def failures(
        self, job_id: str, limit: int, after: str | None = None
    ) -> tuple[list[MemberFailure], str | None]:
        """One page of per-member errors, in member id order, and the token of the next page."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(_job_pk(job_id))
            & Key("SK").begins_with("ERROR#"),
            "Limit": limit + 1,
        }
        if after:
            kwargs["ExclusiveStartKey"] = {
                "PK": _job_pk(job_id),
                "SK": f"ERROR#{_decode_token(after)}",
            }
        items = self._table.query(**kwargs)["Items"]
        page = [
            MemberFailure(item["member_id"], item["code"], item["message"])
            for item in items[:limit]
        ]
        next_token = _encode_token(page[-1].member_id) if len(items) > limit else None
        return page, next_token

    def failed_ids(self, job_id: str) -> set[str]:
        return {item["member_id"] for item in query_prefix(self._table, _job_pk(job_id), "ERROR#")}

    # -- idempotency keys --------------------------------------------------------------------

    def claim_request(
        self, key: str, fingerprint: str, job_id: str, now: datetime
    ) -> ClaimedRequest | None:
        """Bind an Idempotency-Key to a job; returns the earlier binding if the key was used."""
        sk = hashlib.sha256(key.encode()).hexdigest()
        try:
            self._table.put_item(
                Item={
                    "PK": _IDEMPOTENCY_PK,
                    "SK": sk,
                    "job_id": job_id,
                    "fingerprint": fingerprint,
                    "expires_at": self._expires(now),
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            return self.find_request(key)
        return None

    def find_request(self, key: str) -> ClaimedRequest | None:
        sk = hashlib.sha256(key.encode()).hexdigest()
        item = self._table.get_item(Key={"PK": _IDEMPOTENCY_PK, "SK": sk}, ConsistentRead=True).get(
            "Item"
        )
        return ClaimedRequest(item["job_id"], item["fingerprint"]) if item else None

    # -- audit -------------------------------------------------------------------------------

    def write_audit(self, job: Job) -> None:
        """Who, when, campaign, filter, date and counts of a finished job (replays overwrite)."""
        self._table.put_item(
            Item={
                "PK": f"AUDIT#{job.campaign_id}",
                "SK": f"{job.created_at.isoformat()}#{job.id}",
                **audit_index_keys(BULK_DATE, job.created_at.isoformat(), job.id),
                "job_id": job.id,
                **{k: v for k, v in _job_to_item(job).items() if k not in ("id", "bulk_job_id")},
            }
        )

    def audit_entries(self, campaign_id: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in item.items() if k not in ("PK", "SK")}
            for item in query_prefix(self._table, f"AUDIT#{campaign_id}", "")
        ]

    # -- helpers -----------------------------------------------------------------------------

    def _update_if(
        self, job_id: str, expression: str, condition: str, values: Mapping[str, Any]
    ) -> bool:
        names = {"#state": "state"} if "#state" in expression + condition else {}
        try:
            self._table.update_item(
                Key={"PK": _job_pk(job_id), "SK": _JOB},
                UpdateExpression=expression,
                ConditionExpression=f"attribute_exists(PK) AND ({condition})",
                ExpressionAttributeValues=dict(values),
                **({"ExpressionAttributeNames": names} if names else {}),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True
