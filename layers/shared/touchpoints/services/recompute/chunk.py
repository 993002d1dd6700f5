"""One chunk of members reconciled: each member's outcome from the rules, diffed against what
Salesforce holds (as recorded, or read on a full reconciliation), gives the chunk's writes and
the states of members without a write; and the strays a full reconciliation deletes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from touchpoints.ports.salesforce import RecomputeSalesforcePort
from touchpoints.ports.state import StatePort, StoredMember
from touchpoints.rules.diff import diff_touchpoints
from touchpoints.rules.eligibility import member_rules
from touchpoints.rules.keys import touchpoint_key
from touchpoints.rules.models import Campaign, Channel, Member, Touchpoint
from touchpoints.rules.outcome import CREATED
from touchpoints.services.recompute.checkpoint import Run
from touchpoints.services.recompute.member_states import Pending, accounted_for, next_state
from touchpoints.services.recompute.results import UNCONFIRMED_WRITES
from touchpoints.services.recompute.walk import HeldTouchpoints
from touchpoints.services.recompute.write_intent import WriteIntent
from touchpoints.services.run_history import with_history


@dataclass(frozen=True, slots=True)
class ChunkWrites:
    """The touchpoint writes a chunk needs, the members whose state waits on them, and the
    statuses to write back to members (with write-back on)."""

    upserts: list[Touchpoint]
    deletes: dict[str, str]  # touchpoint key -> record id
    pending: list[Pending]
    statuses: dict[str, str]  # member id -> its outcome for `Touchpoint_Status__c`


class ChunkReconciler:
    """Reconciles a chunk of members with the rules and the recorded state."""

    def __init__(
        self, salesforce: RecomputeSalesforcePort, state: StatePort, *, write_back_status: bool
    ) -> None:
        self._sf = salesforce
        self._state = state
        self._write_back_status = write_back_status

    def reconcile(
        self,
        campaign_id: str,
        campaign: Campaign | None,
        members: list[Member],
        run: Run,
        upto_id: str | None,
        channels: Mapping[str, Channel],
        intent: WriteIntent,
        held: HeldTouchpoints | None = None,
        *,
        staging: bool = False,
    ) -> ChunkWrites:
        """`staging`: the run's writes are being staged for Bulk, where a created touchpoint's
        state is recorded from the job's results (bulk_phase.py), not planned here."""
        totals = run.totals
        stored = self._state.load_members_range(campaign_id, run.cursor, upto_id)
        evaluate = member_rules(campaign, channels) if campaign else None
        outcomes = {m.id: evaluate(m) for m in members} if evaluate else {}
        baseline: Mapping[str, tuple[Touchpoint, str | None]]
        if held is not None:  # drift repair, Bulk: what Salesforce holds in this Id range
            baseline = held.upto(upto_id)
        elif run.full:  # drift repair: compare with what Salesforce holds, not what we recorded
            baseline = self._sf.read_touchpoints_by_keys(
                touchpoint_key(m) for m in {*outcomes, *stored}
            )
        else:
            baseline = {
                s.touchpoint.key: (s.touchpoint, s.record_id)
                for s in stored.values()
                if s.touchpoint is not None
            }
        desired = {o.touchpoint.key: o.touchpoint for o in outcomes.values() if o.touchpoint}
        diff = diff_touchpoints(desired, {key: tp for key, (tp, _) in baseline.items()})
        to_delete = {tp.key: baseline[tp.key][1] for tp in diff.deletes}
        unknown = [key for key, record_id in to_delete.items() if not record_id]
        if unknown:  # state recorded before its record id was known: look the ids up once
            found = self._sf.read_touchpoints_by_keys(unknown)
            to_delete.update({key: found[key][1] for key in unknown if key in found})
        deletes = {key: record_id for key, record_id in to_delete.items() if record_id}
        upserts = [*diff.creates, *diff.updates]
        if upserts or deletes:
            intent.before_write()  # before the planned state is saved

        # The state each member will have once its write is done; members without a write get it
        # now, the others once the write's outcome is known (or when it is staged for Bulk).
        planned = {tp.key for tp in upserts}
        changed: list[StoredMember] = []
        pending: list[Pending] = []
        people = {m.id: (m.contact_id or m.lead_id, m.email) for m in members}
        started_at, counted = run.started_at, totals.statuses
        # (statuses written back are taken from the planned states: with write-back, all are)
        created_later = staging and not self._write_back_status
        for member_id, outcome in outcomes.items():
            key = outcome.touchpoint.key if outcome.touchpoint else touchpoint_key(member_id)
            previous, held_now, written = stored.get(member_id), baseline.get(key), key in planned
            if created_later and written and held_now is None:  # (a create: nothing held)
                counted[CREATED] += 1
                continue
            person_id, email = people[member_id]
            new_state = next_state(
                outcome, previous, held_now, written=written, person_id=person_id, email=email
            )
            new_state = with_history(new_state, previous, started_at)
            if written or key in deletes:
                pending.append(Pending(member_id, new_state, held_now))
            elif new_state is not previous and new_state != previous:
                changed.append(new_state)
            counted[new_state.status] += 1
        gone: list[str] = []
        for member_id in stored:
            if member_id in outcomes:
                continue
            key = touchpoint_key(member_id)
            if key in deletes:
                pending.append(Pending(member_id, None, baseline.get(key)))
            else:
                gone.append(member_id)
        statuses: dict[str, str] = {}
        if self._write_back_status:
            planned_states = [p.planned for p in pending if p.planned is not None]
            # a repair of a run that died may not have sent what its recorded states say
            rewrite: Iterable[str] = outcomes if run.state_repair == UNCONFIRMED_WRITES else ()
            statuses = written_back(stored, [*changed, *planned_states], rewrite)
            if statuses:  # sent later in the run: a crash before then is repaired (`rewrite`)
                intent.before_write()
        totals.state_writes += self._state.save_members(campaign_id, changed)
        totals.state_writes += self._state.forget_members(campaign_id, gone)
        totals.members += len(members)
        totals.created += len(diff.creates)
        totals.updated += len(diff.updates)
        totals.deleted += len(to_delete)
        return ChunkWrites(upserts, deletes, pending, statuses)

    def strays(self, campaign_id: str, deleting: set[str]) -> Iterator[dict[str, str]]:
        """Touchpoints with our key on this campaign that no member's recorded state accounts for
        (made by hand, or left by a member whose state was lost), a page at a time, by key;
        those in `deleting` (record ids already planned for deletion) left out."""
        for page in self._sf.campaign_touchpoint_pages(campaign_id):
            stored = self._state.load_members_by_ids(
                campaign_id, [record.member_id for record in page if record.member_id]
            )
            yield {
                record.key: record.record_id
                for record in page
                if not accounted_for(record, stored) and record.record_id not in deleting
            }


def written_back(
    stored: Mapping[str, StoredMember], changed: list[StoredMember], rewrite: Iterable[str] = ()
) -> dict[str, str]:
    """Members whose outcome changed get it on their `Touchpoint_Status__c` (an unchanged run
    writes nothing); the members in `rewrite` get theirs even when unchanged."""
    statuses = {member_id: stored[member_id].status for member_id in rewrite if member_id in stored}
    statuses.update(
        (s.member_id, s.status)
        for s in changed
        if s.member_id not in stored or stored[s.member_id].status != s.status
    )
    return statuses
