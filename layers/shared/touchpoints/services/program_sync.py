"""Use cases: link a Marketo program to a Salesforce campaign and keep the two in step
(reference 004). The flow-action equivalents live in services/campaign_members.py.

A run reads both sides in full pages (Marketo 300 members a call, Salesforce 2,000), compares
each person with the state both sides agreed on after the last run (the snapshot), writes only the
difference, publishes what changed, and records as agreed only what both sides confirmed: a crash
or a refused record leaves the old state, so the next run finds the same difference and finishes
it (a write that did land is then seen on both sides and needs no second write).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from touchpoints.errors import MarketoQuotaExceededError
from touchpoints.ports.campaigns import CampaignPerson, CampaignsPort, NewLead
from touchpoints.ports.events import EventsPort
from touchpoints.ports.marketo import (
    MarketoLead,
    MarketoPort,
    MemberWrite,
)
from touchpoints.ports.program_links import LinksPort, ProgramLink, SyncedPerson
from touchpoints.ports.salesforce import RecordResult
from touchpoints.rules.program_sync import (
    NOT_IN_PROGRAM,
    MemberDecision,
    Side,
    campaign_updates,
    marketo_stands,
    member_status,
    membership_event,
    merge_member,
    person_key,
    status_compatibility,
)

RUN_LEASE = timedelta(minutes=15)  # the function's timeout: a crashed run frees the link


# -- errors (the handler maps each class to an HTTP status) ------------------------------------


class ProgramSyncError(Exception):
    """A refused request: nothing was changed."""

    field: str | None = None


class CampaignSyncDisabledError(ProgramSyncError):
    pass


class ProgramNotFoundError(ProgramSyncError):
    field = "program_id"


class CampaignNotFoundError(ProgramSyncError):
    field = "campaign_id"


class ChannelNotFoundError(ProgramSyncError):
    field = "program_id"


class IncompatibleStatusesError(ProgramSyncError):
    field = "statuses"


class NotMarketingUserError(ProgramSyncError):
    pass


class NotLinkedError(ProgramSyncError):
    field = "program_id"


class SyncAlreadyRunningError(ProgramSyncError):
    pass


class InvalidPersonError(ProgramSyncError):
    field = "email"


class UnknownMemberStatusError(ProgramSyncError):
    field = "status"


class NotACampaignMemberError(ProgramSyncError):
    field = "person_id"


class AlreadyACampaignMemberError(ProgramSyncError):
    field = "email"


class SalesforceRefusedError(ProgramSyncError):
    pass


# -- linking -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgramSyncPorts:
    """What the program sync runs on (wiring.Dependencies.program_sync builds it)."""

    marketo: MarketoPort
    salesforce: CampaignsPort
    links: LinksPort
    events: EventsPort
    sync_enabled: bool


def link_program(
    program_id: int,
    campaign_id: str,
    ports: ProgramSyncPorts,
    *,
    integration_username: str | None,
    now: datetime,
) -> ProgramLink:
    """Link a program to a campaign, one to one, after the checks the reference lists: campaign
    sync enabled, the Salesforce integration user a Marketing User, statuses that match."""
    marketo, salesforce, links = ports.marketo, ports.salesforce, ports.links
    if not ports.sync_enabled:
        raise CampaignSyncDisabledError(
            "campaign sync is disabled in configuration (CAMPAIGN_SYNC_ENABLED); enable it first"
        )
    program = marketo.get_program(program_id)
    if program is None:
        raise ProgramNotFoundError(f"Marketo program {program_id} not found")
    campaign = salesforce.read_sync_campaign(campaign_id)
    if campaign is None:
        raise CampaignNotFoundError(f"Salesforce campaign {campaign_id} not found")
    _require_marketing_user(salesforce, integration_username)
    statuses = marketo.get_channel_statuses(program.channel)
    if statuses is None:
        raise ChannelNotFoundError(f"Marketo channel {program.channel!r} not found")
    compatibility = status_compatibility(
        [s.name for s in statuses], salesforce.member_status_labels(campaign_id)
    )
    if not compatibility.compatible:
        raise IncompatibleStatusesError(
            f"program {program_id} (channel {program.channel}) and campaign {campaign_id} "
            f"cannot be linked: {compatibility.describe()}"
        )
    steps = {s.name: s.step for s in statuses}
    # Stored as Salesforce returns it (18 characters), whatever form the caller sent.
    return links.link(program_id, campaign.id, program.channel, steps, now)


def _require_marketing_user(salesforce: CampaignsPort, username: str | None) -> None:
    if not username:
        raise NotMarketingUserError(
            "the Salesforce secret names no integration user (add `username`), so its "
            "Marketing User permission cannot be checked"
        )
    permission = salesforce.is_marketing_user(username)
    if permission is None:
        raise NotMarketingUserError(f"Salesforce integration user {username} not found")
    if not permission:
        raise NotMarketingUserError(
            f"Salesforce integration user {username} is not a Marketing User "
            "(User.UserPermissionsMarketingUser); campaigns cannot be synced"
        )


def unlink_program(program_id: int, links: LinksPort) -> ProgramLink:
    link = links.unlink(program_id)
    if link is None:
        raise NotLinkedError(f"program {program_id} is not linked to a campaign")
    return link


def describe_link(link: ProgramLink) -> dict[str, Any]:
    return {
        "program_id": link.program_id,
        "campaign_id": link.campaign_id,
        "channel": link.channel,
        "statuses": sorted(
            (name for name in link.steps if name != NOT_IN_PROGRAM),
            key=lambda name: link.steps[name],
        ),
        "linked_at": link.linked_at,
        "watermark": link.watermark,
        "last_sync": link.last_sync,
    }


# -- a sync run --------------------------------------------------------------------------------


@dataclass
class SyncResult:
    program_id: int
    campaign_id: str
    started_at: str
    completed: bool = False
    initial: bool = False
    campaign_updated: dict[str, Any] = field(default_factory=dict)
    to_salesforce: Counter[str] = field(default_factory=Counter)
    to_marketo: Counter[str] = field(default_factory=Counter)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    events_published: int = 0
    skipped_without_email: int = 0
    api_calls: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None

    def as_record(self) -> dict[str, Any]:
        return {
            "program_id": self.program_id,
            "campaign_id": self.campaign_id,
            "started_at": self.started_at,
            "completed": self.completed,
            "initial": self.initial,
            "campaign_updated": self.campaign_updated,
            "to_salesforce": dict(self.to_salesforce),
            "to_marketo": dict(self.to_marketo),
            "conflicts": self.conflicts,
            "failures": self.failures,
            "events_published": self.events_published,
            "skipped_without_email": self.skipped_without_email,
            "api_calls": self.api_calls,
            "error": self.error,
        }


def sync_program(program_id: int, ports: ProgramSyncPorts, *, now: datetime) -> SyncResult:
    """One run for one link; the result is also stored as the link's last sync."""
    marketo, salesforce, links = ports.marketo, ports.salesforce, ports.links
    if not ports.sync_enabled:
        raise CampaignSyncDisabledError("campaign sync is disabled in configuration")
    link = links.get(program_id)
    if link is None:
        raise NotLinkedError(f"program {program_id} is not linked to a campaign")
    if not links.begin_run(program_id, now, RUN_LEASE):
        raise SyncAlreadyRunningError(f"a sync of program {program_id} is already running")
    result = SyncResult(program_id, link.campaign_id, now.isoformat(), initial=not link.watermark)
    marketo_before, salesforce_before = Counter(marketo.calls), Counter(salesforce.calls)
    try:
        _Run(link, marketo, salesforce, links, ports.events, result, now).run()
        result.completed = True
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        raise
    finally:
        result.api_calls = {
            "marketo": dict(marketo.calls - marketo_before),
            "salesforce": dict(salesforce.calls - salesforce_before),
        }
        links.end_run(program_id, result.as_record(), now.isoformat() if result.completed else None)
    return result


_UNDECIDED = MemberDecision(status=None, write_to=frozenset(), changed_on=frozenset())


@dataclass
class _Person:
    """Everything one run knows about one person (keyed by email)."""

    email: str
    base: SyncedPerson | None
    marketo_lead_id: int | None = None
    marketo_status: str | None = None
    salesforce: CampaignPerson | None = None
    decision: MemberDecision = _UNDECIDED  # until the run decides (before anything is written)
    salesforce_person_id: str | None = None
    salesforce_member_id: str | None = None
    failed: bool = False


class _Run:
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
            person.decision = _decide(person, steps)
        self._write_salesforce([p for p in people.values() if _writes(p, Side.SALESFORCE)])
        self._write_marketo([p for p in people.values() if _writes(p, Side.MARKETO)])
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
    def _read_people(self, steps: Mapping[str, int]) -> dict[str, _Person]:
        snapshot = self.links.load_snapshot(self.program_id)
        people = {email: _Person(email, base) for email, base in snapshot.items()}
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
                person = people.setdefault(emails[lead_id], _Person(emails[lead_id], None))
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
            person = people.setdefault(key, _Person(key, None))
            person.salesforce = member
            person.salesforce_person_id = member.person_id
            person.salesforce_member_id = member.member_id
        return people

    # -- writing to Salesforce -----------------------------------------------------------------
    def _write_salesforce(self, people: list[_Person]) -> None:
        adds = [p for p in people if p.decision.status and p.salesforce is None]
        changes = [p for p in people if p.decision.status and p.salesforce is not None]
        removals = [p for p in people if p.decision.status is None and p.salesforce is not None]
        if adds:
            self._add_to_campaign(adds)
        if changes:
            member_ids = {p.email: _member_id(p) for p in changes}
            results = self.salesforce.set_member_statuses(
                {member_ids[p.email]: _status(p) for p in changes}
            )
            for person in changes:
                self._outcome(
                    person, results[member_ids[person.email]], Side.SALESFORCE, "status_changed"
                )
        if removals:
            deleted = self.salesforce.delete_records({p.email: _member_id(p) for p in removals})
            by_email = {r.ref: r for r in deleted}
            for person in removals:
                if self._outcome(person, by_email[person.email], Side.SALESFORCE, "removed"):
                    person.salesforce_member_id = None

    def _add_to_campaign(self, adds: list[_Person]) -> None:
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
                _new_lead(p.email, _lookup(self.marketo_leads, p.marketo_lead_id)) for p in missing
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
            self.campaign_id, {p.email: (found[p.email], _status(p)) for p in ready}
        )
        for person in ready:
            if self._outcome(person, results[person.email], Side.SALESFORCE, "added"):
                person.salesforce_person_id = found[person.email]
                person.salesforce_member_id = results[person.email].record_id

    def _linked_salesforce_people(self, people: list[_Person]) -> dict[str, str]:
        """email -> the Contact or unconverted Lead Marketo's lead is linked to (sfdcContactId
        first, then sfdcLeadId), when that record still exists."""
        candidates: dict[str, list[str]] = {}
        for person in people:
            lead = _lookup(self.marketo_leads, person.marketo_lead_id)
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

    def _outcome(self, person: _Person, result: RecordResult, side: Side, counter: str) -> bool:
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
    def _write_marketo(self, people: list[_Person]) -> None:
        setting = [p for p in people if p.decision.status]
        removals = [p for p in people if p.decision.status is None and p.marketo_lead_id]
        if setting:
            self._resolve_marketo_leads([p for p in setting if not p.marketo_lead_id])
        by_status: dict[str, list[_Person]] = defaultdict(list)
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
                by_status[_status(person)].append(person)
        bounced: list[_Person] = []
        for status, group in sorted(by_status.items()):
            writes = self.marketo.set_member_status(self.program_id, status, _lead_ids(group))
            bounced += self._marketo_outcomes(group, writes, "added_or_status_changed")
        if bounced:
            self._settle_bounced(bounced)
        if removals:
            writes = self.marketo.remove_members(self.program_id, _lead_ids(removals))
            self._marketo_outcomes(removals, writes, "removed")

    def _resolve_marketo_leads(self, people: list[_Person]) -> None:
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
            ids = self.marketo.create_or_update_leads(_marketo_lead(p) for p in to_create)
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
        self, people: list[_Person], writes: list[MemberWrite], counter: str
    ) -> list[_Person]:
        """Count what landed, record what failed; returns the people whose status write Marketo
        skipped because they are already in or past it (settled by `_settle_bounced`)."""
        by_lead = {w.lead_id: w for w in writes}
        bounced = []
        for person in people:
            write = _lookup(by_lead, person.marketo_lead_id)
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

    def _settle_bounced(self, people: list[_Person]) -> None:
        """Marketo skipped these status writes (1037): the person had moved to or past the status
        since it was read. Marketo's status stands; Salesforce is set to it in this run, so the
        skipped write is never sent again."""
        now_in = self.marketo.member_statuses(self.program_id, _lead_ids(people))
        back_to_salesforce = []
        for person in people:
            current = member_status(_lookup(now_in, person.marketo_lead_id))
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
    def _record(self, people: Iterable[_Person]) -> None:
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
        conflicts = [_conflict(p) for p in done if p.decision.conflict]
        if conflicts:
            self.links.record_conflicts(self.program_id, conflicts, self.now)
            self.result.conflicts = conflicts

    def _agreed(self, person: _Person) -> SyncedPerson | None:
        if person.decision.status is None:
            return None
        return SyncedPerson(
            email=person.email,
            status=person.decision.status,
            marketo_lead_id=person.marketo_lead_id,
            salesforce_person_id=person.salesforce_person_id,
            salesforce_member_id=person.salesforce_member_id,
        )

    def _event(self, person: _Person) -> tuple[str, dict[str, Any]] | None:
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


def _decide(person: _Person, steps: Mapping[str, int]) -> MemberDecision:
    return merge_member(
        person.marketo_status,
        person.salesforce.status if person.salesforce else None,
        person.base.status if person.base else None,
        steps,
    )


def _lookup[Value](by_lead_id: Mapping[int, Value], lead_id: int | None) -> Value | None:
    """What `by_lead_id` holds for a person's Marketo lead, when the person has one."""
    return None if lead_id is None else by_lead_id.get(lead_id)


def _lead_ids(people: Iterable[_Person]) -> list[int]:
    """The Marketo lead ids of those people who have one."""
    return [p.marketo_lead_id for p in people if p.marketo_lead_id is not None]


def _member_id(person: _Person) -> str:
    """The campaign member id of a person the run read in the campaign."""
    if person.salesforce is None:
        raise ValueError("the person is not in the campaign")
    return person.salesforce.member_id


def _status(person: _Person) -> str:
    """The status the run decided a person has (not a removal)."""
    if person.decision.status is None:
        raise ValueError("the person is to be removed, not given a status")
    return person.decision.status


def _writes(person: _Person, side: Side) -> bool:
    return side in person.decision.write_to


def _conflict(person: _Person) -> dict[str, Any]:
    return {
        "email": person.email,
        "base_status": person.base.status if person.base else None,
        "marketo_status": person.marketo_status,
        "salesforce_status": person.salesforce.status if person.salesforce else None,
        "winner": person.decision.winner.value if person.decision.winner else None,
        "resolved_status": person.decision.status,
        "rule": person.decision.rule,
    }


def _new_lead(email: str, lead: MarketoLead | None) -> NewLead:
    return NewLead(
        email=email,
        first_name=lead.first_name if lead else None,
        last_name=lead.last_name if lead else None,
        company=lead.company if lead else None,
    )


def _marketo_lead(person: _Person) -> dict[str, Any]:
    source = person.salesforce
    lead: dict[str, str | None] = {"email": person.email}
    if source is not None:
        lead |= {"firstName": source.first_name, "lastName": source.last_name}
        if source.company:
            lead["company"] = source.company
    return {k: v for k, v in lead.items() if v}


def sync_all(ports: ProgramSyncPorts, *, now: datetime) -> list[dict[str, Any]]:
    """The scheduled run: every link, one after another; one link's failure does not stop the
    others (it is recorded as that link's last sync and retried on the next schedule)."""
    if not ports.sync_enabled:
        return []
    outcomes = []
    for link in ports.links.all():
        try:
            result = sync_program(link.program_id, ports, now=now)
            outcomes.append(result.as_record())
        except SyncAlreadyRunningError as busy:
            outcomes.append({"program_id": link.program_id, "skipped": str(busy)})
        except Exception as error:  # recorded per link by sync_program; go on with the next
            outcome = {"program_id": link.program_id, "error": type(error).__name__}
            if isinstance(error, MarketoQuotaExceededError):  # 607: nothing more today
                outcome["quota_exhausted"] = True
            outcomes.append(outcome)
    return outcomes
