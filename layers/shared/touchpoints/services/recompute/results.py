"""What a recompute is asked and what it reports: the request, the result, the run's totals and
the campaign summary the state keeps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from touchpoints.rules.models import Campaign

UNCONFIRMED_WRITES = "unconfirmed writes"
NO_RECORDED_STATE = "no recorded state"
# What the sync status tells an admin whose campaign holds a value the product does not know.
UNKNOWN_SYNC_ACTION = (
    "Nothing was written for this campaign: set Enable_Buyer_Touchpoints__c to a known value, or "
    "add this value to the SyncSettingValues parameter (include_all, include_responded or "
    "exclude_all) and redeploy."
)


@dataclass
class RunTotals:
    """What a run did, added up over its chunks (and carried across continuations)."""

    members: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    state_writes: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    api_calls: Counter[str] = field(default_factory=Counter)  # Salesforce calls, all invocations
    aws_calls: int = 0  # AWS calls through the state store, all invocations

    def as_dict(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "failed": self.failed,
            "state_writes": self.state_writes,
            "statuses": dict(self.statuses),
            "api_calls": dict(self.api_calls),
            "aws_calls": self.aws_calls,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunTotals:
        return cls(
            **{
                **data,
                "statuses": Counter(data.get("statuses", {})),
                "api_calls": Counter(data.get("api_calls", {})),
            }
        )


@dataclass(frozen=True, slots=True)
class RecomputeRequest:
    campaign_id: str
    full_reconciliation: bool = False
    run_id: str | None = None  # set on a continuation
    message_id: str | None = None  # the queue message carrying it (held through a Bulk wait)
    cause: str | None = None  # why it was asked for (the run history keeps it)


@dataclass
class RecomputeResult:
    campaign_id: str
    run_id: str
    finished: bool
    found: bool = True
    superseded: bool = False
    bulk: bool = False
    full_reconciliation: bool = False
    state_repair: str | None = None  # why the recorded state was not trusted, if it was not
    totals: RunTotals = field(default_factory=RunTotals)
    unmapped_type: str | None = None
    api_calls: Counter[str] = field(default_factory=Counter)  # this invocation's calls
    message_id: str | None = None  # the request's queue message
    wait_seconds: int | None = None  # waiting on a Bulk job: wake the run again after this long
    rerun: bool = False  # a request came in while the run waited: run again once it is over
    # The campaign's sync setting is a value the product does not know: nothing was written;
    # `unknown_sync_first_seen` when the last run did not already report this value.
    unknown_sync_value: str | None = None
    unknown_sync_first_seen: bool = False
    # persons (contact, else lead) whose touchpoints this invocation's writes changed, for their
    # attribution (services/attribution.py): a collection write's persons before and after it;
    # an upsert ingest job's persons as its successful rows name them (not a delete job's: its
    # rows carry only the record id)
    touched_persons: frozenset[str] = frozenset()

    # shorthands for logs and tests
    @property
    def created(self) -> int:
        return self.totals.created

    @property
    def updated(self) -> int:
        return self.totals.updated

    @property
    def deleted(self) -> int:
        return self.totals.deleted

    @property
    def failed(self) -> int:
        return self.totals.failed

    @property
    def statuses(self) -> Counter[str]:
        return self.totals.statuses


def campaign_fields(campaign: Campaign | None) -> dict[str, str | None]:
    return {
        "campaign_type": campaign.type if campaign else None,
        "sync_mode": campaign.sync_mode.value if campaign else None,
    }


def campaign_recorded(summary: Mapping[str, Any] | None, campaign: Campaign | None) -> bool:
    """The last run's summary already holds this campaign's Type and mode (nothing to record)."""
    fields = campaign_fields(campaign)
    return summary is not None and all(
        name in summary and summary[name] == value for name, value in fields.items()
    )


def summary_record(
    result: RecomputeResult, campaign: Campaign | None, finished_at: datetime
) -> dict[str, Any]:
    return {
        "campaign_id": result.campaign_id,
        "campaign_found": result.found,
        **campaign_fields(campaign),
        "last_run": finished_at.isoformat(),
        "run_id": result.run_id,
        "read_path": "bulk" if result.bulk else "rest",
        "full_reconciliation": result.full_reconciliation,
        "state_repair": result.state_repair,
        **result.totals.as_dict(),
        "unmapped_campaign_type": result.unmapped_type,
    }
