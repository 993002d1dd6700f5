"""Rules: a member's outcome as recorded and shown — what happened to its touchpoint and, when
there is none or Salesforce refused the write, why. One value, rendered to and read from the
stored status string here only ("Touchpoint Created", "No Touchpoint: not responded",
"Error: FIELD_CUSTOM_VALIDATION_EXCEPTION"), so the format stays what earlier runs stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from touchpoints.rules.models import Reason

SEPARATOR = ": "  # between an outcome's kind and its reason, as stored


class OutcomeKind(StrEnum):
    CREATED = "Touchpoint Created"
    UPDATED = "Touchpoint Updated"
    NO_TOUCHPOINT = "No Touchpoint"
    ERROR = "Error"  # Salesforce refused the write; the reason is its error code


@dataclass(frozen=True, slots=True)
class Outcome:
    """A member's outcome: its kind (an `OutcomeKind`, or a kind an older version recorded, kept
    as is) and its reason, if any."""

    kind: str
    reason: str | None = None

    @classmethod
    def for_reason(cls, reason: Reason) -> Outcome:
        """The outcome of a member the rules gave no touchpoint, for that reason."""
        return cls.from_status(reason.value)

    @classmethod
    def refused(cls, error_code: str | None) -> Outcome:
        """Salesforce refused the member's write: the next run retries it."""
        return cls(OutcomeKind.ERROR, error_code or "UNKNOWN")

    @classmethod
    def from_status(cls, status: str) -> Outcome:
        """The outcome a stored status string records (any string: `status` renders it back)."""
        kind, separator, reason = status.partition(SEPARATOR)
        return cls(kind, reason if separator else None)

    @property
    def status(self) -> str:
        """The status string the state stores and the sync status shows."""
        return self.kind if self.reason is None else f"{self.kind}{SEPARATOR}{self.reason}"


CREATED = Outcome(OutcomeKind.CREATED).status
UPDATED = Outcome(OutcomeKind.UPDATED).status
