"""The attribution queue's message, read without pydantic (the queue functions load none at
their cold start): `{"person_ids": [...], "cause": "..."}`, ids of leads or contacts; a run that
submitted Bulk ingest jobs continues with the same message plus `"bulk_jobs": [{"kind", "id",
"sobject", "operation"}, ...]` and `"polls"` (how often they were looked at)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from touchpoints.ports.attribution import PERSONS_PER_MESSAGE, AttributionJob
from touchpoints.rules.salesforce_ids import canonical_id


class InvalidAttributionMessageError(ValueError):
    """The message is not an attribution request; it is handed back (and dead-lettered)."""


@dataclass(frozen=True, slots=True)
class AttributionMessage:
    person_ids: tuple[str, ...]
    cause: str = "unspecified"
    bulk_jobs: tuple[AttributionJob, ...] = ()
    polls: int = 0

    def continued(self, bulk_jobs: list[AttributionJob], polls: int) -> str:
        """The body of this request's continuation, following its ingest jobs."""
        return json.dumps(
            {
                "person_ids": list(self.person_ids),
                "cause": self.cause,
                "bulk_jobs": [job.as_dict() for job in bulk_jobs],
                "polls": polls,
            }
        )


def read_attribution_message(body: str) -> AttributionMessage:
    """The persons (18-character ids, up to `PERSONS_PER_MESSAGE`) and the cause in `body`."""
    try:
        fields = json.loads(body)
    except json.JSONDecodeError:
        raise InvalidAttributionMessageError("an attribution message is JSON") from None
    ids = fields.get("person_ids") if isinstance(fields, dict) else None
    if not isinstance(ids, list) or not ids or len(ids) > PERSONS_PER_MESSAGE:
        raise InvalidAttributionMessageError(
            f"person_ids must list 1 to {PERSONS_PER_MESSAGE} lead or contact ids"
        )
    canonical = [canonical_id(value) if isinstance(value, str) else None for value in ids]
    if any(value is None for value in canonical):
        raise InvalidAttributionMessageError("person_ids holds a value that is not a Salesforce id")
    cause = fields.get("cause")
    polls = fields.get("polls", 0)
    if not isinstance(polls, int) or polls < 0:
        raise InvalidAttributionMessageError("polls must be a count")
    return AttributionMessage(
        tuple(value for value in canonical if value),
        cause if isinstance(cause, str) else "unspecified",
        _bulk_jobs(fields.get("bulk_jobs", [])),
        polls,
    )


def _bulk_jobs(value: Any) -> tuple[AttributionJob, ...]:
    if not isinstance(value, list):
        raise InvalidAttributionMessageError("bulk_jobs must list ingest jobs")
    try:
        return tuple(AttributionJob.from_dict(job) for job in value)
    except (KeyError, TypeError, ValueError):
        raise InvalidAttributionMessageError("bulk_jobs holds a value that is not a job") from None
