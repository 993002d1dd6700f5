"""The messages the queue functions read, without pydantic at import (issue 11: it would add
about a third to their cold start).

A message in the shape our own producers write is read here directly. Anything else (a lax form
pydantic coerces, a held request's timestamp, or something invalid) goes to the pydantic model in
edge/models, imported then: every message is accepted, coerced or refused exactly as that model
does (tests/unit/edge/test_queue_messages.py compares the two).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from touchpoints.edge.id_patterns import JOB_ID_PATTERN
from touchpoints.ports.queues import Delivery, RecomputeMessage
from touchpoints.rules.salesforce_ids import canonical_id


@dataclass(frozen=True, slots=True)
class JobContinuation:
    """The message a bulk date job sends itself to carry on (BulkDateJobQueue)."""

    job_id: str


def read_recompute_message(body: str) -> RecomputeMessage:
    """The request in `body`, as edge.models.recompute.RecomputeMessage reads it."""
    fields = _plain_object(body)
    if fields is not None:
        message = _plain_recompute(fields)
        if message is not None:
            return message
    from touchpoints.edge.models.recompute import RecomputeMessage as Model

    model = Model.model_validate_json(body)
    return RecomputeMessage(
        model.campaign_id,
        model.cause,
        model.run_id,
        model.full,
        model.limit_attempts,
        model.limited_since,
        model.details(),
    )


def delivery_of(record: Any) -> Delivery:
    """The delivery an SQS record (Powertools' SQSRecord) reports; an attribute the event
    leaves out reads as a first delivery."""
    attributes = record.attributes
    millis = attributes.get("ApproximateFirstReceiveTimestamp")
    return Delivery(
        record.message_id,
        record.receipt_handle,
        int(attributes.get("ApproximateReceiveCount") or 1),
        datetime.fromtimestamp(int(millis) / 1000, tz=UTC) if millis else None,
    )


def read_job_continuation(body: str) -> JobContinuation:
    """The continuation in `body`, as edge.models.bulk_date_bodies.JobContinuation reads it."""
    fields = _plain_object(body)
    job_id = None if fields is None else fields.get("job_id")
    if isinstance(job_id, str) and re.fullmatch(JOB_ID_PATTERN, job_id):
        return JobContinuation(job_id)
    from touchpoints.edge.models.bulk_date_bodies import JobContinuation as Model

    return JobContinuation(Model.model_validate_json(body).job_id)


def _plain_object(body: str) -> dict[str, Any] | None:
    try:
        fields = json.loads(body)
    except ValueError:
        return None
    return fields if isinstance(fields, dict) else None


def _plain_recompute(fields: dict[str, Any]) -> RecomputeMessage | None:
    """The request when every field has the exact type the model keeps as is (and no
    timestamp, which the model parses its own way); otherwise None."""
    campaign_id = canonical_id(fields.get("campaign_id"))
    cause = fields.get("cause", "unspecified")
    run_id = fields.get("run_id")
    full = fields.get("full", False)
    attempts = fields.get("limit_attempts", 0)
    if (
        campaign_id is None
        or type(cause) is not str
        or not (run_id is None or type(run_id) is str)
        or type(full) is not bool
        or type(attempts) is not int
        or attempts < 0
        or fields.get("limited_since") is not None
    ):
        return None
    carried = {"run_id": run_id, "full": full, "limit_attempts": attempts}
    defaults = {"run_id": None, "full": False, "limit_attempts": 0}
    return RecomputeMessage(
        campaign_id,
        cause,
        run_id,
        full,
        attempts,
        carried={name: value for name, value in carried.items() if value != defaults[name]},
    )
