"""ChangeEventFunction (EventBridge rule on the Salesforce partner event bus): a Change Data
Capture event relayed by Event Relay in, the recompute requests it asks for enqueued once (an
opportunity's or contact role's change: its contacts' attribution).

EventBridge invokes it asynchronously: only a fault of ours (Salesforce or SQS unavailable)
raises, to be retried and then dead-lettered; bad input is refused with a metric, never raised."""

from __future__ import annotations

from typing import Any

from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.services.change_events import Outcome, accept_change_event
from touchpoints.wiring import Dependencies


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    result = accept_change_event(event, deps.change_events, deps.clock())
    report = {
        "outcome": result.outcome.value,
        "reason": result.reason,
        "entity": result.entity,
        "change_type": result.change_type,
        "campaign_ids": list(result.campaigns_enqueued),
        "full": result.full,
        "persons_enqueued": result.persons_enqueued,
    }
    if result.outcome is Outcome.REFUSED:
        logger.warning("change event refused", extra={"change_event": report})
    else:
        logger.info("change event handled", extra={"change_event": report})
    outcome = result.outcome
    add_counts(  # every outcome each time (0 or 1), so its alarm always has data
        {
            "ChangeEventAccepted": int(outcome is Outcome.ENQUEUED),
            "ChangeEventDuplicate": int(outcome is Outcome.DUPLICATE),
            "ChangeEventIgnored": int(outcome is Outcome.IGNORED),
            "ChangeEventRefused": int(outcome is Outcome.REFUSED),
            "ChangeEventCampaignsEnqueued": len(result.campaigns_enqueued),
            "ChangeEventPersonsEnqueued": result.persons_enqueued,
        }
    )
    return report
