"""What a Salesforce write reports back. The gateway (touchpoints.adapters.salesforce) returns
these; services read them without loading the Salesforce client."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordResult:
    """One record's outcome in a collection call: `ref` is our key or member id."""

    ref: str
    success: bool
    record_id: str | None = None
    error_code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """A Bulk API 2.0 ingest job that is over: how many records it changed, the ones it refused,
    and, when the job itself failed, the rows it never processed and why."""

    updated: int
    failures: tuple[RecordResult, ...]
    unprocessed_ids: frozenset[str] = frozenset()
    error_message: str | None = None
