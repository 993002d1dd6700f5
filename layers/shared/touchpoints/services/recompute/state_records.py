"""Members' states recorded from their writes' outcomes: planned states of staged writes,
collection outcomes, and writes Salesforce refused (set back to what it holds)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from touchpoints.ports.salesforce import RecomputeSalesforcePort, RecordResult
from touchpoints.ports.state import StatePort, StoredMember
from touchpoints.rules.keys import KEY_PREFIX
from touchpoints.rules.models import Touchpoint
from touchpoints.rules.outcome import CREATED
from touchpoints.services.recompute.member_states import (
    Pending,
    creates,
    persons_touched,
    refused_state,
)
from touchpoints.services.recompute.results import RunTotals


@dataclass
class Failures:
    """Writes Salesforce refused: by touchpoint key (collections, upsert jobs) or by record id
    (delete jobs, whose rows carry only the Id)."""

    by_key: list[RecordResult] = field(default_factory=list)
    by_record_id: list[RecordResult] = field(default_factory=list)
    attempted: dict[str, Touchpoint] = field(default_factory=dict)  # refused upserts, by key

    def __bool__(self) -> bool:
        return bool(self.by_key or self.by_record_id)


class StateRecords:
    """Records members' states in the state store as their writes' outcomes become known."""

    def __init__(self, salesforce: RecomputeSalesforcePort, state: StatePort) -> None:
        self._sf = salesforce
        self._state = state

    def record_planned(self, campaign_id: str, pending: list[Pending], totals: RunTotals) -> None:
        """Staged writes: the planned states of updated and cleared touchpoints are recorded now
        (under the write intent); a created touchpoint's state is recorded from the job's
        results, with its record id (bulk_phase.py)."""
        planned = [p.planned for p in pending if p.planned is not None and not creates(p)]
        totals.state_writes += self._state.save_members(campaign_id, planned)
        gone = [p.member_id for p in pending if p.planned is None]
        totals.state_writes += self._state.forget_members(campaign_id, gone)

    def record_outcomes(
        self,
        campaign_id: str,
        outcomes: list[tuple[Pending, RecordResult]],
        totals: RunTotals,
    ) -> set[str]:
        """Collection writes are over: each member's state is what Salesforce confirmed (a new
        touchpoint with its record id), or, for a refused write, what it still holds. Returns
        the persons whose touchpoints the confirmed writes changed."""
        touched: set[str] = set()
        states: list[StoredMember] = []
        gone: list[str] = []
        for pending, result in outcomes:
            planned = pending.planned
            if result.success:
                touched |= persons_touched(pending)
            if result.success and planned is None:
                gone.append(pending.member_id)
            elif result.success and planned is not None:
                if planned.touchpoint is not None and planned.record_id is None:
                    planned = replace(planned, record_id=result.record_id)
                states.append(planned)
            else:
                upsert = planned is not None and planned.touchpoint is not None
                states.append(
                    refused_state(
                        pending.member_id,
                        pending.baseline,
                        result,
                        totals,
                        counted=planned,
                        upsert=upsert,
                    )
                )
        totals.statuses = +totals.statuses  # drop counts that went to zero
        totals.state_writes += self._state.save_members(campaign_id, states)
        totals.state_writes += self._state.forget_members(campaign_id, gone)
        return touched

    def record_refusals(self, campaign_id: str, failures: Failures, totals: RunTotals) -> None:
        """Writes Salesforce refused: each member's state becomes what Salesforce holds for it,
        with the error, so the next run retries exactly that. The counts are set right."""
        if not failures:
            return
        refused: dict[str, RecordResult] = {r.ref: r for r in failures.by_key}
        held = self._sf.read_touchpoints_by_keys(list(refused))
        if failures.by_record_id:
            by_id = self._sf.read_touchpoints_by_record_ids(r.ref for r in failures.by_record_id)
            for result in failures.by_record_id:
                if result.ref in by_id:  # gone meanwhile: deleted after all
                    touchpoint, key = by_id[result.ref]
                    refused[key] = result
                    held[key] = (touchpoint, result.ref)
        member_ids = {key.removeprefix(KEY_PREFIX): key for key in refused}
        planned = self._state.load_members_by_ids(campaign_id, list(member_ids))
        upserted = {result.ref for result in failures.by_key}
        states = []
        for member_id, key in member_ids.items():
            upsert = key in upserted
            counted = planned.get(member_id)
            if counted is None and upsert:  # a refused create: counted as created, not recorded
                attempted = failures.attempted[key]
                person_id = attempted.contact_id or attempted.lead_id
                counted = StoredMember(member_id, CREATED, None, None, person_id, attempted.email)
            states.append(
                refused_state(
                    member_id, held.get(key), refused[key], totals, counted=counted, upsert=upsert
                )
            )
        totals.statuses = +totals.statuses  # drop counts that went to zero
        totals.state_writes += self._state.save_members(campaign_id, states)
