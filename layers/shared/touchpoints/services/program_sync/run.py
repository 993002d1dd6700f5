"""One run of one link: channel and cost one way, then each person read from both sides and
the snapshot, decided, written where the decision says, and recorded as agreed once confirmed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from touchpoints.ports.campaigns import CampaignsPort
from touchpoints.ports.events import EventsPort
from touchpoints.ports.marketo import MarketoLead, MarketoPort, MemberWrite
from touchpoints.ports.program_links import LinksPort, ProgramLink, SyncedPerson
from touchpoints.ports.salesforce import RecordResult
from touchpoints.rules.program_sync import (
    NOT_IN_PROGRAM,
    Side,
    campaign_updates,
    marketo_stands,
    member_status,
    membership_event,
    person_key,
)
from touchpoints.services.program_sync.errors import (
    CampaignNotFoundError,
    ChannelNotFoundError,
    ProgramNotFoundError,
)
from touchpoints.services.program_sync.people import (
    Person,
    conflict,
    decide,
    decided_status,
    lead_ids,
    lookup,
    marketo_lead_fields,
    member_id,
    new_lead,
    writes_to,
)
from touchpoints.services.program_sync.result import SyncResult


class Run:
    def __init__(
        self,
        link: ProgramLink,
        marketo: MarketoPort,
        salesforce: CampaignsPort,
        links: LinksPort,
        events: EventsPort,
        result: SyncResult,
        now: datetime,
    ) -> None:
        self.link, self.marketo, self.salesforce = link, marketo, salesforce
        self.links, self.events, self.result, self.now = links, events, result, now
        self.program_id, self.campaign_id = link.program_id, link.campaign_id
        self.marketo_leads: dict[int, MarketoLead] = {}
        self.steps: Mapping[str, int] = link.steps

    def run(self) -> None:
        steps = self._one_way()
        self.steps = steps
        people = self._read_people(steps)
        for person in people.values():
            person.decision = decide(person, steps)
        self._write_salesforce([p for p in people.values() if writes_to(p, Side.SALESFORCE)])
        self._write_marketo([p for p in people.values() if writes_to(p, Side.MARKETO)])
        self._record(people.values())

    # -- one way -------------------------------------------------------------------------------
    def _one_way(self) -> dict[str, int]:
        """Channel → Campaign.Type, period costs → Campaign.ActualCost; returns channel steps."""
        program = self.marketo.get_program(self.program_id)
        if program is None:
            raise ProgramNotFoundError(f"Marketo program {self.program_id} not found")
        steps = self.link.steps
        if program.channel != self.link.channel:
            statuses = self.marketo.get_channel_statuses(program.channel)
            if statuses is None:
                raise ChannelNotFoundError(f"Marketo channel {program.channel!r} not found")
            steps = {s.name: s.step for s in statuses}
            self.links.update_channel(self.program_id, program.channel, steps)
        campaign = self.salesforce.read_sync_campaign(self.campaign_id)
        if campaign is None:
            raise CampaignNotFoundError(f"Salesforce campaign {self.campaign_id} not found")
        updates = campaign_updates(
            program.channel, program.period_costs, campaign.type, campaign.actual_cost
        )
        if updates:
            self.salesforce.update_campaign(self.campaign_id, updates)
            self.result.campaign_updated = updates
        return steps

    # -- reading -------------------------------------------------------------------------------
    def _read_people(self, steps: Mapping[str, int]) -> dict[str, Person]:
        snapshot = self.links.load_snapshot(self.program_id)
        people = {email: Person(email, base) for email, base in snapshot.items()}
        member_statuses = [name for name in steps if name != NOT_IN_PROGRAM]
        members = self.marketo.program_members(self.program_id, member_statuses)
        emails = {p.marketo_lead_id: p.email for p in snapshot.values() if p.marketo_lead_id}
        unknown = [lead_id for lead_id in members if lead_id not in emails]
        if unknown:
            self.marketo_leads.update(self.marketo.leads_by_id(unknown))
            for lead_id in unknown:
                email = person_key(getattr(self.marketo_leads.get(lead_id), "email", None))
                if email:
                    emails[lead_id] = email
                else:
                    self.result.skipped_without_email += 1
        for lead_id, status in members.items():
            if lead_id in emails:
                person = people.setdefault(emails[lead_id], Person(emails[lead_id], None))
                person.marketo_lead_id = lead_id
                person.marketo_status = member_status(status)
        # A Salesforce person is matched by Marketo's link to it before its email.
        # Ids compare on their case-sensitive 15-character prefix (either form may be held).
        linked = {
            p.salesforce_person_id[:15]: p.email
            for p in snapshot.values()
            if p.salesforce_person_id
        }
        for lead_id, lead in self.marketo_leads.items():
            for person_id in (lead.sfdc_contact_id, lead.sfdc_lead_id):
                if person_id and lead_id in emails:
                    linked[person_id[:15]] = emails[lead_id]
        for member in self.salesforce.campaign_people(self.campaign_id):
            if member is None:
                self.result.skipped_without_email += 1
                continue
            key = linked.get(member.person_id[:15]) or member.email
            person = people.setdefault(key, Person(key, None))
            person.salesforce = member
            person.salesforce_person_id = member.person_id
            person.salesforce_member_id = member.member_id
        return people

    # -- writing to Salesforce -----------------------------------------------------------------
    def _write_salesforce(self, people: list[Person]) -> None:
        adds = [p for p in people if p.decision.status and p.salesforce is None]
        changes = [p for p in people if p.decision.status and p.salesforce is not None]
        removals = [p for p in people if p.decision.status is None and p.salesforce is not None]
        if adds:
            self._add_to_campaign(adds)
        if changes:
            member_ids = {p.email: member_id(p) for p in changes}
            results = self.salesforce.set_member_statuses(
                {member_ids[p.email]: decided_status(p) for p in changes}
            )
            for person in changes:
                self._outcome(
                    person, results[member_ids[person.email]], Side.SALESFORCE, "status_changed"
                )
        if removals:
            deleted = self.salesforce.delete_records({p.email: member_id(p) for p in removals})
            by_email = {r.ref: r for r in deleted}
            for person in removals:
                if self._outcome(person, by_email[person.email], Side.SALESFORCE, "removed"):
                    person.salesforce_member_id = None

    def _add_to_campaign(self, adds: list[Person]) -> None:
        need = [p.marketo_lead_id for p in adds if p.marketo_lead_id not in self.marketo_leads]
        if need:
            self.marketo_leads.update(self.marketo.leads_by_id(i for i in need if i))
        found = self._linked_salesforce_people(adds)
        unlinked = [p.email for p in adds if p.email not in found]
        if unlinked:
            found |= self.salesforce.find_people(unlinked)
        missing = [p for p in adds if p.email not in found]
        if missing:
            created = self.salesforce.create_leads(
                new_lead(p.email, lookup(self.marketo_leads, p.marketo_lead_id)) for p in missing
            )
            for person in missing:
                result = created[person.email]
                succeeded = self._outcome(person, result, Side.SALESFORCE, "leads_created")
                if succeeded and result.record_id:
                    found[person.email] = result.record_id
        ready = [p for p in adds if p.email in found and not p.failed]
        if not ready:
            return
        results = self.salesforce.add_members(
            self.campaign_id, {p.email: (found[p.email], decided_status(p)) for p in ready}
        )
        for person in ready:
            if self._outcome(person, results[person.email], Side.SALESFORCE, "added"):
                person.salesforce_person_id = found[person.email]
                person.salesforce_member_id = results[person.email].record_id

    def _linked_salesforce_people(self, people: list[Person]) -> dict[str, str]:
        """email -> the Contact or unconverted Lead Marketo's lead is linked to (sfdcContactId
        first, then sfdcLeadId), when that record still exists."""
        candidates: dict[str, list[str]] = {}
        for person in people:
            lead = lookup(self.marketo_leads, person.marketo_lead_id)
            ids = [i for i in (lead.sfdc_contact_id, lead.sfdc_lead_id) if i] if lead else []
            if ids:
                candidates[person.email] = ids
        if not candidates:
            return {}
        usable = self.salesforce.matchable_people(i for ids in candidates.values() for i in ids)
        return {
            email: next(i for i in ids if i in usable)
            for email, ids in candidates.items()
            if any(i in usable for i in ids)
        }

    def _outcome(self, person: Person, result: RecordResult, side: Side, counter: str) -> bool:
        if result.success:
            (self.result.to_salesforce if side is Side.SALESFORCE else self.result.to_marketo)[
                counter
            ] += 1
            return True
        person.failed = True
        self.result.failures.append(
            {
                "email": person.email,
                "side": side.value,
                "action": counter,
                "error": result.error_code,
                "message": result.message,
            }
        )
        return False

    # -- writing to Marketo --------------------------------------------------------------------
    def _write_marketo(self, people: list[Person]) -> None:
        setting = [p for p in people if p.decision.status]
        removals = [p for p in people if p.decision.status is None and p.marketo_lead_id]
        if setting:
            self._resolve_marketo_leads([p for p in setting if not p.marketo_lead_id])
        by_status: dict[str, list[Person]] = defaultdict(list)
        for person in setting:
            if person.decision.status not in self.steps:
                # A campaign status added after linking: Marketo would refuse the whole call.
                person.failed = True
                self.result.failures.append(
                    {
                        "email": person.email,
                        "side": Side.MARKETO.value,
                        "action": "status",
                        "message": f"{person.decision.status!r} is not a progression status "
                        f"of channel {self.link.channel}; make the statuses match again",
                    }
                )
            elif person.marketo_lead_id and not person.failed:
                by_status[decided_status(person)].append(person)
        bounced: list[Person] = []
        for status, group in sorted(by_status.items()):
            writes = self.marketo.set_member_status(self.program_id, status, lead_ids(group))
            bounced += self._marketo_outcomes(group, writes, "added_or_status_changed")
        if bounced:
            self._settle_bounced(bounced)
        if removals:
            writes = self.marketo.remove_members(self.program_id, lead_ids(removals))
            self._marketo_outcomes(removals, writes, "removed")

    def _resolve_marketo_leads(self, people: list[Person]) -> None:
        """Marketo lead ids for people Marketo has not seen in the program: the snapshot's, a lead
        with the email, or a new lead."""
        for person in people:
            if person.base and person.base.marketo_lead_id:
                person.marketo_lead_id = person.base.marketo_lead_id
        by_person_id = {
            p.salesforce_person_id[:15]: p
            for p in people
            if not p.marketo_lead_id and p.salesforce_person_id
        }
        if by_person_id:  # Marketo's link to the Salesforce person first, then the email
            for lead in self.marketo.leads_by_salesforce_id(
                person_id for p in by_person_id.values() if (person_id := p.salesforce_person_id)
            ):
                for person_id in (lead.sfdc_contact_id, lead.sfdc_lead_id):
                    linked = by_person_id.get((person_id or "")[:15])
                    if linked is not None and not linked.marketo_lead_id:
                        linked.marketo_lead_id = lead.id
        unresolved = {p.email: p for p in people if not p.marketo_lead_id}
        if unresolved:
            for lead in self.marketo.leads_by_email(unresolved):
                key = person_key(lead.email)
                if key in unresolved and not unresolved[key].marketo_lead_id:
                    unresolved[key].marketo_lead_id = lead.id
        to_create = [p for p in unresolved.values() if not p.marketo_lead_id]
        if to_create:
            ids = self.marketo.create_or_update_leads(marketo_lead_fields(p) for p in to_create)
            for person in to_create:
                if person.email in ids:
                    person.marketo_lead_id = ids[person.email]
                    self.result.to_marketo["leads_created"] += 1
                else:
                    person.failed = True
                    self.result.failures.append(
                        {"email": person.email, "side": Side.MARKETO.value, "action": "lead"}
                    )

    def _marketo_outcomes(
        self, people: list[Person], writes: list[MemberWrite], counter: str
    ) -> list[Person]:
        """Count what landed, record what failed; returns the people whose status write Marketo
        skipped because they are already in or past it (settled by `_settle_bounced`)."""
        by_lead = {w.lead_id: w for w in writes}
        bounced = []
        for person in people:
            write = lookup(by_lead, person.marketo_lead_id)
            if write is not None and write.success:
                self.result.to_marketo[counter] += 1
                continue
            if write is not None and write.at_or_past:
                bounced.append(person)
                continue
            person.failed = True
            self.result.failures.append(
                {
                    "email": person.email,
                    "side": Side.MARKETO.value,
                    "action": counter,
                    "message": write.message if write else "no result",
                }
            )
        return bounced

    def _settle_bounced(self, people: list[Person]) -> None:
        """Marketo skipped these status writes (1037): the person had moved to or past the status
        since it was read. Marketo's status stands; Salesforce is set to it in this run, so the
        skipped write is never sent again."""
        now_in = self.marketo.member_statuses(self.program_id, lead_ids(people))
        back_to_salesforce = []
        for person in people:
            current = member_status(lookup(now_in, person.marketo_lead_id))
            if current == person.decision.status:
                self.result.to_marketo["added_or_status_changed"] += 1
                continue
            if current is None:  # skipped, yet not a member: leave both sides, retry next run
                person.failed = True
                self.result.failures.append(
                    {"email": person.email, "side": Side.MARKETO.value, "action": "status"}
                )
                continue
            person.marketo_status = current
            person.decision = marketo_stands(current, person.decision.changed_on | {Side.MARKETO})
            back_to_salesforce.append(person)
        if back_to_salesforce:
            self._write_salesforce(back_to_salesforce)

    # -- recording -----------------------------------------------------------------------------
    def _record(self, people: Iterable[Person]) -> None:
        """Publish the changes both sides confirmed, then record them as agreed (at least once:
        a crash between the two publishes again on the next run, never loses an event)."""
        done = [p for p in people if not p.failed]
        events = [e for p in done if (e := self._event(p))]
        self.result.events_published = self.events.publish(events) if events else 0
        keep, forget = [], []
        for person in done:
            agreed = self._agreed(person)
            if agreed is None and person.base is not None:
                forget.append(person.email)
            elif agreed is not None and agreed != person.base:
                keep.append(agreed)
        if keep:
            self.links.save_people(self.program_id, keep)
        if forget:
            self.links.forget_people(self.program_id, forget)
        conflicts = [conflict(p) for p in done if p.decision.conflict]
        if conflicts:
            self.links.record_conflicts(self.program_id, conflicts, self.now)
            self.result.conflicts = conflicts

    def _agreed(self, person: Person) -> SyncedPerson | None:
        if person.decision.status is None:
            return None
        return SyncedPerson(
            email=person.email,
            status=person.decision.status,
            marketo_lead_id=person.marketo_lead_id,
            salesforce_person_id=person.salesforce_person_id,
            salesforce_member_id=person.salesforce_member_id,
        )

    def _event(self, person: Person) -> tuple[str, dict[str, Any]] | None:
        """The campaign trigger this person's change fires. The first run after linking only
        reports what it changed in the campaign (people already there were not added)."""
        if self.result.initial:
            old = person.salesforce.status if person.salesforce else None
        else:
            old = person.base.status if person.base else None
        detail_type = membership_event(old, person.decision.status)
        if detail_type is None:
            return None
        return detail_type, {
            "person": {
                "email": person.email,
                "marketoLeadId": person.marketo_lead_id,
                "salesforceId": person.salesforce_person_id,
            },
            "campaignId": self.campaign_id,
            "programId": self.program_id,
            "oldStatus": old,
            "newStatus": person.decision.status,
            "changedIn": sorted(side.value for side in person.decision.changed_on),
            "conflict": person.decision.conflict,
        }
