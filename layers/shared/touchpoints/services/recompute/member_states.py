"""A member's recorded state as a write moves it: planned before the write, confirmed or set
back (with Salesforce's error) after it. Values in, values out: nothing here calls a port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from touchpoints.ports.salesforce import RecordResult, TouchpointRecord
from touchpoints.ports.state import StoredMember
from touchpoints.rules.frozen_values import fast_frozen_init
from touchpoints.rules.models import MemberOutcome, Reason, Touchpoint
from touchpoints.rules.outcome import CREATED, UPDATED, Outcome
from touchpoints.services.recompute.results import RunTotals
from touchpoints.services.run_history import carried_history

# The status each reason is stored as, rendered once rather than for every member.
_REASON_STATUS = {reason: Outcome.for_reason(reason).status for reason in Reason}


@fast_frozen_init  # one per member written
@dataclass(frozen=True, slots=True)
class Pending:
    """A member whose new state waits on its touchpoint's write: the state it gets if the write
    succeeds (None: forgotten, it left the campaign) and what Salesforce held before (its state if
    the write is refused)."""

    member_id: str
    planned: StoredMember | None
    baseline: tuple[Touchpoint, str | None] | None


def persons_touched(pending: Pending) -> set[str]:
    """Whose path a touchpoint write changed: the person it names now, and the one it named."""
    before = pending.baseline[0] if pending.baseline else None
    after = pending.planned.touchpoint if pending.planned else None
    named = (tp.contact_id or tp.lead_id for tp in (before, after) if tp is not None)
    return {person for person in named if person}


def creates(pending: Pending) -> bool:
    """The write creates the member's touchpoint (Salesforce held none for it)."""
    return (
        pending.baseline is None
        and pending.planned is not None
        and pending.planned.touchpoint is not None
    )


def accounted_for(record: TouchpointRecord, stored: Mapping[str, StoredMember]) -> bool:
    """A touchpoint is ours to keep when its member's recorded state holds exactly it."""
    state = stored.get(record.member_id) if record.member_id else None
    return bool(state and state.touchpoint and state.touchpoint.key == record.key)


def next_state(
    outcome: MemberOutcome,
    previous: StoredMember | None,
    baseline: tuple[Touchpoint, str | None] | None,
    *,
    written: bool,
    person_id: str | None,
    email: str | None,
) -> StoredMember:
    """The member's new recorded state, once its touchpoint's write (`written`: one is planned)
    succeeds; a refused write sets it back (`refused_state`). `baseline` is the touchpoint
    Salesforce is known to hold for the member, with its record id; `person_id` and `email` are
    the member's person as read now."""
    member_id, touchpoint = outcome.member_id, outcome.touchpoint
    if touchpoint is not None:
        record_id = baseline[1] if baseline else None
        if written:
            status = UPDATED if baseline else CREATED
            return StoredMember(member_id, status, touchpoint, record_id, person_id, email)
        # Salesforce already holds exactly this touchpoint
        if (
            previous
            and previous.touchpoint == touchpoint
            and previous.record_id == record_id
            and previous.person_id == person_id
            and previous.email == email
        ):
            return previous
        status = previous.status if previous and previous.touchpoint else CREATED
        return StoredMember(member_id, status, touchpoint, record_id, person_id, email)
    status = _REASON_STATUS[outcome.reason]
    if (
        previous
        and previous.status == status
        and previous.touchpoint is None
        and previous.record_id is None
        and previous.person_id == person_id
        and previous.email == email
    ):
        return previous
    return StoredMember(member_id, status, None, None, person_id, email)


def failed_state(
    member_id: str, baseline: tuple[Touchpoint, str | None] | None, record: RecordResult
) -> StoredMember:
    """Record what Salesforce still holds, so the next run retries the change."""
    touchpoint, record_id = baseline if baseline else (None, None)
    return StoredMember(member_id, Outcome.refused(record.error_code).status, touchpoint, record_id)


def refused_state(
    member_id: str,
    held: tuple[Touchpoint, str | None] | None,
    result: RecordResult,
    totals: RunTotals,
    *,
    counted: StoredMember | None,
    upsert: bool,
) -> StoredMember:
    """A refused write: the member keeps what Salesforce holds, with the error (the next run
    retries it), and the counts take back the write and the state it was counted as."""
    state = failed_state(member_id, held, result)
    if counted is not None:
        # the history the planned state had: what the member had before this run
        state = carried_history(
            replace(state, person_id=counted.person_id, email=counted.email), counted
        )
        totals.statuses[counted.status] -= 1
        totals.statuses[state.status] += 1
    if not upsert:
        totals.deleted -= 1
    elif held is None:
        totals.created -= 1
    else:
        totals.updated -= 1
    totals.failed += 1
    return state
