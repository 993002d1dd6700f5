"""What one run knows of one person, and the values the run derives from it: its decision,
the ids and status it writes, the conflict it records, the leads it creates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from touchpoints.ports.campaigns import CampaignPerson, NewLead
from touchpoints.ports.marketo import MarketoLead
from touchpoints.ports.program_links import SyncedPerson
from touchpoints.rules.program_sync import MemberDecision, Side, merge_member

UNDECIDED = MemberDecision(status=None, write_to=frozenset(), changed_on=frozenset())


@dataclass
class Person:
    """Everything one run knows about one person (keyed by email)."""

    email: str
    base: SyncedPerson | None
    marketo_lead_id: int | None = None
    marketo_status: str | None = None
    salesforce: CampaignPerson | None = None
    decision: MemberDecision = UNDECIDED  # until the run decides (before anything is written)
    salesforce_person_id: str | None = None
    salesforce_member_id: str | None = None
    failed: bool = False


def decide(person: Person, steps: Mapping[str, int]) -> MemberDecision:
    return merge_member(
        person.marketo_status,
        person.salesforce.status if person.salesforce else None,
        person.base.status if person.base else None,
        steps,
    )


def lookup[Value](by_lead_id: Mapping[int, Value], lead_id: int | None) -> Value | None:
    """What `by_lead_id` holds for a person's Marketo lead, when the person has one."""
    return None if lead_id is None else by_lead_id.get(lead_id)


def lead_ids(people: Iterable[Person]) -> list[int]:
    """The Marketo lead ids of those people who have one."""
    return [p.marketo_lead_id for p in people if p.marketo_lead_id is not None]


def member_id(person: Person) -> str:
    """The campaign member id of a person the run read in the campaign."""
    if person.salesforce is None:
        raise ValueError("the person is not in the campaign")
    return person.salesforce.member_id


def decided_status(person: Person) -> str:
    """The status the run decided a person has (not a removal)."""
    if person.decision.status is None:
        raise ValueError("the person is to be removed, not given a status")
    return person.decision.status


def writes_to(person: Person, side: Side) -> bool:
    return side in person.decision.write_to


def conflict(person: Person) -> dict[str, Any]:
    return {
        "email": person.email,
        "base_status": person.base.status if person.base else None,
        "marketo_status": person.marketo_status,
        "salesforce_status": person.salesforce.status if person.salesforce else None,
        "winner": person.decision.winner.value if person.decision.winner else None,
        "resolved_status": person.decision.status,
        "rule": person.decision.rule,
    }


def new_lead(email: str, lead: MarketoLead | None) -> NewLead:
    return NewLead(
        email=email,
        first_name=lead.first_name if lead else None,
        last_name=lead.last_name if lead else None,
        company=lead.company if lead else None,
    )


def marketo_lead_fields(person: Person) -> dict[str, Any]:
    source = person.salesforce
    lead: dict[str, str | None] = {"email": person.email}
    if source is not None:
        lead |= {"firstName": source.first_name, "lastName": source.last_name}
        if source.company:
            lead["company"] = source.company
    return {k: v for k, v in lead.items() if v}
