"""The change event use case through in-memory ports: what is looked up, what is enqueued."""

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from emulators.change_events import change_event
from touchpoints.ports.queues import EnqueueReport
from touchpoints.rules.change_events import WatchedFields
from touchpoints.services.change_events import ChangeEventPorts, Outcome, accept_change_event

ORG = "00D5w000004qGTOEA2"
OTHER_ORG = "00D5w000009zZZZEAA"
CAMPAIGN, SYNCED = "7015w000001AbCdAAK", "7015w000001AbCeAAK"
MEMBER, LEAD = "00v5w00000AbCdEAAV", "00Q5w00000AbCdEEAV"
NOW = datetime(2026, 2, 5, 17, 0, tzinfo=UTC)


class OrgChanges:
    """Campaigns by member and by person; every question counted."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def campaigns_of_members(self, member_ids):
        self.calls["members"] += 1
        return {CAMPAIGN} if MEMBER in member_ids else set()

    def campaigns_of_people(self, person_ids):
        self.calls["people"] += 1
        return {CAMPAIGN} if LEAD in person_ids else set()

    def synced_campaigns(self):
        self.calls["synced"] += 1
        return {CAMPAIGN, SYNCED}


class Enqueuer:
    """Remembers each (campaign, change) it enqueued, as the idempotency records do."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[str, ...], bool]] = []

    def enqueue(self, shares, now, *, full=False):
        done = {(c, ids) for c, ids, _ in self.sent}
        fresh = [c for c, ids in shares.items() if (c, tuple(ids)) not in done]
        self.sent += [(c, tuple(shares[c]), full) for c in fresh]
        return EnqueueReport(tuple(fresh), tuple(c for c in shares if c not in fresh))


def ports():
    return ChangeEventPorts(
        allowed_org_ids=frozenset({ORG}),
        watched=WatchedFields(frozenset({"Type"}), frozenset({"Status"}), frozenset({"Email"})),
        org_changes=OrgChanges(),
        enqueuer=Enqueuer(),
    )


def event(entity, change_type, ids=(), org=ORG, **fields):
    return change_event(org, entity, change_type, ids, committed_at=NOW, fields=fields or None)


def test_a_deleted_member_s_campaign_is_looked_up_and_enqueued_once_per_change():
    on = ports()
    deleted = event("CampaignMember", "DELETE", [MEMBER])

    first = accept_change_event(deleted, on, NOW)
    again = accept_change_event(deleted, on, NOW)

    assert (first.outcome, first.campaigns_enqueued) == (Outcome.ENQUEUED, (CAMPAIGN,))
    assert again.outcome is Outcome.DUPLICATE
    assert [(c, full) for c, _, full in on.enqueuer.sent] == [(CAMPAIGN, False)]


def test_a_campaign_event_needs_no_lookup():
    on = ports()
    result = accept_change_event(event("Campaign", "UNDELETE", [SYNCED], Name="Expo"), on, NOW)
    assert result.campaigns_enqueued == (SYNCED,)
    assert on.org_changes.calls == Counter()


def test_a_person_s_change_recomputes_the_person_s_campaigns():
    on = ports()
    result = accept_change_event(event("Lead", "UPDATE", [LEAD], Email="a@example.com"), on, NOW)
    assert result.campaigns_enqueued == (CAMPAIGN,)
    assert on.org_changes.calls == Counter({"people": 1})


def test_an_overflow_recomputes_every_synced_campaign_in_full():
    on = ports()
    result = accept_change_event(event("Contact", "GAP_OVERFLOW"), on, NOW)
    assert result.campaigns_enqueued == (CAMPAIGN, SYNCED)
    assert {full for _, _, full in on.enqueuer.sent} == {True}


def test_records_of_no_campaign_enqueue_nothing():
    on = ports()
    result = accept_change_event(event("Contact", "DELETE", ["0035w00000AbCdEAAV"]), on, NOW)
    assert result.outcome is Outcome.IGNORED
    assert on.enqueuer.sent == []


def test_another_org_s_event_is_refused_before_anything_is_asked():
    on = ports()
    result = accept_change_event(event("CampaignMember", "DELETE", [MEMBER], OTHER_ORG), on, NOW)
    assert result.outcome is Outcome.REFUSED
    assert on.org_changes.calls == Counter()
    assert on.enqueuer.sent == []


OPPORTUNITY, ROLE = "0065w00000AbCdEAAV", "00K5w00000AbCdEEAV"
CONTACT, COLLEAGUE = "0035w00000AbCdEAAV", "0035w00000AbCeEAAV"


class OpportunityContacts:
    """The opportunity's two contacts, through it or through its role; every question counted."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def contacts_of_opportunities(self, opportunity_ids):
        self.calls["opportunities"] += 1
        return {CONTACT, COLLEAGUE} if OPPORTUNITY in opportunity_ids else set()

    def contacts_of_roles(self, role_ids):
        self.calls["roles"] += 1
        return set()  # deleted on its own: not in the Recycle Bin

    def persons_with_touchpoints(self):
        self.calls["persons"] += 1
        return {CONTACT, LEAD}


class AttributionQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[set[str], str]] = []

    def enqueue_persons(self, person_ids, cause):
        self.sent.append((set(person_ids), cause))
        return 1


def attributed_ports():
    return replace(
        ports(), opportunity_contacts=OpportunityContacts(), attribution_queue=AttributionQueue()
    )


def test_an_opportunity_change_enqueues_its_contacts_for_attribution_not_a_recompute():
    on = attributed_ports()
    result = accept_change_event(
        event("Opportunity", "UPDATE", [OPPORTUNITY], StageName="Closed Won"), on, NOW
    )
    assert (result.outcome, result.persons_enqueued) == (Outcome.ENQUEUED, 2)
    assert on.attribution_queue.sent == [
        ({CONTACT, COLLEAGUE}, "Opportunity update (change data capture)")
    ]
    assert on.enqueuer.sent == []


def test_a_contact_role_deleted_on_its_own_is_ignored_with_the_reason():
    on = attributed_ports()
    result = accept_change_event(event("OpportunityContactRole", "DELETE", [ROLE]), on, NOW)
    assert result.outcome is Outcome.IGNORED
    assert "Recycle Bin" in (result.reason or "")
    assert on.attribution_queue.sent == []


def test_an_overflow_of_opportunities_enqueues_every_person_with_a_touchpoint():
    on = attributed_ports()
    result = accept_change_event(event("Opportunity", "GAP_OVERFLOW"), on, NOW)
    assert result.persons_enqueued == 2
    assert on.opportunity_contacts.calls == {"persons": 1}


def test_without_an_attribution_queue_opportunity_changes_are_ignored():
    result = accept_change_event(event("Opportunity", "DELETE", [OPPORTUNITY]), ports(), NOW)
    assert (result.outcome, result.reason) == (Outcome.IGNORED, "attribution is not configured")
