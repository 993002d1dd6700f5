"""The attribution queue's message, read without pydantic (the queue functions load none at
their cold start): `{"person_ids": [...], "cause": "..."}`, ids of leads or contacts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from touchpoints.ports.attribution import PERSONS_PER_MESSAGE
from touchpoints.rules.salesforce_ids import canonical_id


class InvalidAttributionMessageError(ValueError):
    """The message is not an attribution request; it is handed back (and dead-lettered)."""


@dataclass(frozen=True, slots=True)
class AttributionMessage:
    person_ids: tuple[str, ...]
    cause: str = "unspecified"


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
    return AttributionMessage(
        tuple(value for value in canonical if value),
        cause if isinstance(cause, str) else "unspecified",
    )
