"""The program sync's ports: Marketo (`MarketoPort`), the Salesforce campaign side
(`CampaignsPort`), the link store (`LinksPort`) and the event bus (`EventsPort`).

Marketo's one rule that shapes the service is kept: a program member's status never moves back to
a lower step; such a write is skipped as "at or past" (code 1037)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from touchpoints.ports.campaigns import CampaignPerson, NewLead, SyncCampaign
from touchpoints.ports.marketo import MarketoLead, MemberWrite, Program, ProgressionStatus
from touchpoints.ports.program_links import ProgramLink, SyncedPerson
from touchpoints.ports.salesforce import RecordResult
from touchpoints.rules.program_sync import NOT_IN_PROGRAM


class FakeMarketo:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.programs: dict[int, Program] = {}
        self.channels: dict[str, tuple[ProgressionStatus, ...]] = {}
        self.members: dict[int, dict[int, str]] = {}  # program -> lead id -> status
        self.leads: dict[int, MarketoLead] = {}
        self._ids = itertools.count(1001)

    def add_program(self, program: Program, statuses: Iterable[tuple[str, int]]) -> None:
        self.programs[program.id] = program
        self.channels[program.channel] = tuple(ProgressionStatus(n, s) for n, s in statuses)
        self.members.setdefault(program.id, {})

    def add_lead(self, email: str, **fields: Any) -> int:
        lead_id = next(self._ids)
        self.leads[lead_id] = MarketoLead(lead_id, email, **fields)
        return lead_id

    def status_of(self, program_id: int, email: str) -> str | None:
        lead_id = next((i for i, lead in self.leads.items() if lead.email == email), None)
        return self.members[program_id].get(lead_id)

    # -- the port ------------------------------------------------------------------------------
    def get_program(self, program_id: int) -> Program | None:
        self.calls["program"] += 1
        return self.programs.get(program_id)

    def get_channel_statuses(self, channel: str) -> tuple[ProgressionStatus, ...] | None:
        self.calls["channel"] += 1
        return self.channels.get(channel)

    def program_members(self, program_id: int, statuses: Iterable[str]) -> dict[int, str]:
        self.calls["members"] += 1
        wanted = set(statuses)
        return {i: s for i, s in self.members[program_id].items() if s in wanted}

    def member_statuses(self, program_id: int, lead_ids: Iterable[int]) -> dict[int, str]:
        self.calls["members"] += 1
        members = self.members[program_id]
        return {i: members.get(i, NOT_IN_PROGRAM) for i in lead_ids}

    def set_member_status(
        self, program_id: int, status: str, lead_ids: Iterable[int]
    ) -> list[MemberWrite]:
        self.calls["members_status"] += 1
        steps = {s.name: s.step for s in self.channels[self.programs[program_id].channel]}
        writes = []
        for lead_id in lead_ids:
            current = self.members[program_id].get(lead_id)
            if current is not None and steps[current] > steps[status]:
                writes.append(MemberWrite(lead_id, False, "1037 skipped", at_or_past=True))
            else:
                self.members[program_id][lead_id] = status
                writes.append(MemberWrite(lead_id, True))
        return writes

    def remove_members(self, program_id: int, lead_ids: Iterable[int]) -> list[MemberWrite]:
        self.calls["members_delete"] += 1
        return [MemberWrite(i, self.members[program_id].pop(i, None) is not None) for i in lead_ids]

    def leads_by_id(self, lead_ids: Iterable[int]) -> dict[int, MarketoLead]:
        self.calls["leads"] += 1
        return {i: self.leads[i] for i in lead_ids if i in self.leads}

    def leads_by_email(self, emails: Iterable[str]) -> list[MarketoLead]:
        self.calls["leads"] += 1
        wanted = set(emails)
        return [lead for lead in self.leads.values() if lead.email in wanted]

    def leads_by_salesforce_id(self, person_ids: Iterable[str]) -> list[MarketoLead]:
        self.calls["leads"] += 1
        wanted = {i[:15] for i in person_ids}
        return [
            lead
            for lead in self.leads.values()
            if {(lead.sfdc_lead_id or "")[:15], (lead.sfdc_contact_id or "")[:15]} & wanted
        ]

    def create_or_update_leads(self, leads: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        self.calls["leads_sync"] += 1
        created = {}
        for lead in leads:
            created[lead["email"]] = self.add_lead(
                lead["email"],
                first_name=lead.get("firstName"),
                last_name=lead.get("lastName"),
                company=lead.get("company"),
            )
        return created


class FakeCampaigns:
    """A Salesforce org's campaigns, their member statuses, and the Leads they hold."""

    def __init__(self, marketing_users: Iterable[str] = ("integration@example.com",)) -> None:
        self.calls: Counter[str] = Counter()
        self.campaigns: dict[str, SyncCampaign] = {}
        self.labels: dict[str, list[str]] = {}
        self.marketing_users = set(marketing_users)
        self.people: dict[str, str] = {}  # Lead/Contact id -> email
        self.members: dict[str, CampaignPerson] = {}  # member id -> member
        self.campaign_of: dict[str, str] = {}  # member id -> campaign id
        self._ids = itertools.count(1)

    def add_campaign(self, campaign: SyncCampaign, labels: Iterable[str]) -> None:
        self.campaigns[campaign.id] = campaign
        self.labels[campaign.id] = list(labels)

    def add_member(self, campaign_id: str, email: str, status: str) -> str:
        person_id = self._new_id("00Q")
        self.people[person_id] = email
        return self._add(campaign_id, person_id, status)

    def status_of(self, campaign_id: str, email: str) -> str | None:
        return next(
            (
                m.status
                for m_id, m in self.members.items()
                if m.email == email and self.campaign_of[m_id] == campaign_id
            ),
            None,
        )

    def set_status(self, campaign_id: str, email: str, status: str | None) -> None:
        """An admin's change in Salesforce: a new status, or (None) removal from the campaign."""
        member_id = next(
            i
            for i, m in self.members.items()
            if m.email == email and self.campaign_of[i] == campaign_id
        )
        if status is None:
            del self.members[member_id]
        else:
            self.members[member_id] = replace(self.members[member_id], status=status)

    # -- the port ------------------------------------------------------------------------------
    def read_sync_campaign(self, campaign_id: str) -> SyncCampaign | None:
        self.calls["query"] += 1
        return self.campaigns.get(campaign_id)

    def member_status_labels(self, campaign_id: str) -> list[str]:
        self.calls["query"] += 1
        return list(self.labels.get(campaign_id, []))

    def is_marketing_user(self, username: str) -> bool | None:
        self.calls["query"] += 1
        return username in self.marketing_users

    def campaign_people(self, campaign_id: str) -> Iterator[CampaignPerson | None]:
        self.calls["query"] += 1
        members = [m for i, m in self.members.items() if self.campaign_of[i] == campaign_id]
        return iter(sorted(members, key=lambda m: m.member_id))

    def find_people(self, emails: Iterable[str]) -> dict[str, str]:
        self.calls["query"] += 1
        wanted = set(emails)
        return {email: pid for pid, email in self.people.items() if email in wanted}

    def matchable_people(self, person_ids: Iterable[str]) -> set[str]:
        self.calls["query"] += 1
        return {i for i in person_ids if i in self.people}

    def create_leads(self, leads: Iterable[NewLead]) -> dict[str, RecordResult]:
        self.calls["composite_create"] += 1
        results = {}
        for lead in leads:
            person_id = self._new_id("00Q")
            self.people[person_id] = lead.email
            results[lead.email] = RecordResult(lead.email, True, person_id)
        return results

    def add_members(
        self, campaign_id: str, people: Mapping[str, tuple[str, str]]
    ) -> dict[str, RecordResult]:
        self.calls["composite_create"] += 1
        return {
            email: RecordResult(email, True, self._add(campaign_id, person_id, status))
            for email, (person_id, status) in people.items()
        }

    def set_member_statuses(self, statuses: Mapping[str, str]) -> dict[str, RecordResult]:
        self.calls["composite_update"] += 1
        for member_id, status in statuses.items():
            self.members[member_id] = replace(self.members[member_id], status=status)
        return {member_id: RecordResult(member_id, True, member_id) for member_id in statuses}

    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]:
        self.calls["composite_delete"] += 1
        for member_id in refs_to_ids.values():
            self.members.pop(member_id, None)
        return [RecordResult(ref, True, record_id) for ref, record_id in refs_to_ids.items()]

    def update_campaign(self, campaign_id: str, fields: Mapping[str, Any]) -> None:
        self.calls["sobject_update"] += 1
        changes = {"type": fields.get("Type"), "actual_cost": fields.get("ActualCost")}
        known = {k: v for k, v in changes.items() if v is not None}
        self.campaigns[campaign_id] = replace(self.campaigns[campaign_id], **known)

    def _add(self, campaign_id: str, person_id: str, status: str) -> str:
        member_id = self._new_id("00v")
        self.members[member_id] = CampaignPerson(
            member_id, person_id, self.people[person_id], status
        )
        self.campaign_of[member_id] = campaign_id
        return member_id

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):012d}AAA"


class FakeLinks:
    def __init__(self) -> None:
        self.links: dict[int, ProgramLink] = {}
        self.snapshots: dict[int, dict[str, SyncedPerson]] = {}
        self.conflicts: list[Mapping[str, Any]] = []
        self.leases: dict[int, datetime] = {}

    def link(
        self,
        program_id: int,
        campaign_id: str,
        channel: str,
        steps: Mapping[str, int],
        now: datetime,
    ) -> ProgramLink:
        self.links[program_id] = ProgramLink(
            program_id, campaign_id, channel, dict(steps), now.isoformat()
        )
        return self.links[program_id]

    def unlink(self, program_id: int) -> ProgramLink | None:
        self.snapshots.pop(program_id, None)
        return self.links.pop(program_id, None)

    def get(self, program_id: int) -> ProgramLink | None:
        return self.links.get(program_id)

    def all(self) -> list[ProgramLink]:
        return list(self.links.values())

    def update_channel(self, program_id: int, channel: str, steps: Mapping[str, int]) -> None:
        self.links[program_id] = replace(self.links[program_id], channel=channel, steps=dict(steps))

    def begin_run(self, program_id: int, now: datetime, lease: timedelta) -> bool:
        if program_id in self.leases and self.leases[program_id] >= now:
            return False
        self.leases[program_id] = now + lease
        return True

    def end_run(self, program_id: int, last_sync: Mapping[str, Any], watermark: str | None) -> None:
        self.leases.pop(program_id, None)
        link = self.links[program_id]
        self.links[program_id] = replace(
            link, last_sync=dict(last_sync), watermark=watermark or link.watermark
        )

    def load_snapshot(self, program_id: int) -> dict[str, SyncedPerson]:
        return dict(self.snapshots.get(program_id, {}))

    def save_people(self, program_id: int, people: Iterable[SyncedPerson]) -> None:
        self.snapshots.setdefault(program_id, {}).update({p.email: p for p in people})

    def forget_people(self, program_id: int, emails: Iterable[str]) -> None:
        for email in emails:
            self.snapshots.get(program_id, {}).pop(email, None)

    def record_conflicts(
        self, program_id: int, conflicts: Iterable[Mapping[str, Any]], now: datetime
    ) -> None:
        self.conflicts.extend(conflicts)


class FakeEvents:
    def __init__(self) -> None:
        self.published: list[tuple[str, Mapping[str, Any]]] = []

    def publish(self, events: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        events = list(events)
        self.published.extend(events)
        return len(events)
