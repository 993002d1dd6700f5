"""The Marketo program ↔ Salesforce campaign sync at service level, through in-memory fakes of
Marketo, the campaign side, the link store and the event bus: linking, the first run, a quiet
run, changes one way, and the conflict rule (member beats removed; further step wins; same step,
Salesforce wins). Through the handler, moto and both emulators: tests/integration/
test_program_sync.py."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.program_sync import FakeCampaigns, FakeEvents, FakeLinks, FakeMarketo
from touchpoints.ports.campaigns import SyncCampaign
from touchpoints.ports.marketo import Program
from touchpoints.rules.program_sync import ADDED, CONFLICT_RULE, NOT_IN_PROGRAM, REMOVED
from touchpoints.services.program_sync.errors import (
    IncompatibleStatusesError,
    NotMarketingUserError,
    SyncAlreadyRunningError,
)
from touchpoints.services.program_sync.links import link_program
from touchpoints.services.program_sync.ports import ProgramSyncPorts
from touchpoints.services.program_sync.result import SyncResult
from touchpoints.services.program_sync.sync import sync_program

PROGRAM_ID = 1001
CAMPAIGN_ID = "701000000000001AAA"
NOW = datetime(2026, 2, 9, 9, 0, tzinfo=UTC)
STEPS = [
    (NOT_IN_PROGRAM, 0),
    ("Invited", 10),
    ("Registered", 20),
    ("Attended", 30),
    ("Attended On-demand", 30),
]
LABELS = ["Invited", "Registered", "Attended", "Attended On-demand"]


class World:
    def __init__(self, labels=LABELS) -> None:
        self.marketo, self.salesforce = FakeMarketo(), FakeCampaigns()
        self.links, self.events = FakeLinks(), FakeEvents()
        self.ports = ProgramSyncPorts(
            self.marketo, self.salesforce, self.links, self.events, sync_enabled=True
        )
        self.marketo.add_program(
            Program(PROGRAM_ID, "January Conference", "Conference", (1200.0, 300.0)), STEPS
        )
        self.salesforce.add_campaign(
            SyncCampaign(CAMPAIGN_ID, "January Conference", None, None), labels
        )
        self.now = NOW

    def link(self):
        return link_program(
            PROGRAM_ID,
            CAMPAIGN_ID,
            self.ports,
            integration_username="integration@example.com",
            now=self.now,
        )

    def sync(self) -> SyncResult:
        self.now += timedelta(minutes=5)
        return sync_program(PROGRAM_ID, self.ports, now=self.now)

    def both_in(self, email: str, status: str) -> None:
        """A person both sides agree on, as after an earlier run."""
        self.marketo.members[PROGRAM_ID][self.marketo.add_lead(email)] = status
        self.salesforce.add_member(CAMPAIGN_ID, email, status)

    def statuses(self, email: str) -> tuple[str | None, str | None]:
        return self.marketo.status_of(PROGRAM_ID, email), self.salesforce.status_of(
            CAMPAIGN_ID, email
        )

    def move_in_marketo(self, email: str, status: str | None) -> None:
        lead_id = next(i for i, lead in self.marketo.leads.items() if lead.email == email)
        if status is None:
            self.marketo.members[PROGRAM_ID].pop(lead_id)
        else:
            self.marketo.members[PROGRAM_ID][lead_id] = status


def linked_world() -> World:
    world = World()
    world.link()
    return world


def test_a_program_links_only_to_a_campaign_with_the_same_statuses():
    world = World(labels=["Invited", "Attended"])

    with pytest.raises(IncompatibleStatusesError, match="Registered"):
        world.link()

    assert world.links.links == {}


def test_a_link_needs_a_marketing_user():
    world = World()
    world.salesforce.marketing_users.clear()

    with pytest.raises(NotMarketingUserError):
        world.link()


def test_the_first_run_brings_each_side_the_people_it_lacks_and_the_program_channel_and_cost():
    world = linked_world()
    world.marketo.members[PROGRAM_ID][world.marketo.add_lead("webinar@example.com")] = "Registered"
    world.salesforce.add_member(CAMPAIGN_ID, "booth@example.com", "Attended")

    result = world.sync()

    assert result.completed
    assert result.initial
    assert world.statuses("webinar@example.com") == ("Registered", "Registered")
    assert world.statuses("booth@example.com") == ("Attended", "Attended")
    assert result.to_salesforce == {"leads_created": 1, "added": 1}
    assert result.campaign_updated == {"Type": "Conference", "ActualCost": 1500.0}
    assert [(kind, detail["person"]["email"]) for kind, detail in world.events.published] == [
        (ADDED, "webinar@example.com")
    ]


def test_a_run_after_nothing_changed_writes_nothing():
    world = linked_world()
    world.both_in("someone@example.com", "Registered")
    world.sync()
    marketo_writes = world.marketo.calls["members_status"] + world.marketo.calls["leads_sync"]
    salesforce_calls = world.salesforce.calls.copy()

    quiet = world.sync()

    assert (quiet.to_salesforce, quiet.to_marketo, quiet.conflicts) == ({}, {}, [])
    assert (
        world.marketo.calls["members_status"] + world.marketo.calls["leads_sync"] == marketo_writes
    )
    assert set(world.salesforce.calls - salesforce_calls) == {"query"}
    assert quiet.events_published == 0


def test_a_change_on_one_side_is_made_on_the_other():
    world = linked_world()
    world.both_in("moved@example.com", "Registered")
    world.both_in("left@example.com", "Registered")
    world.sync()
    world.move_in_marketo("moved@example.com", "Attended")
    world.salesforce.set_status(CAMPAIGN_ID, "left@example.com", None)

    result = world.sync()

    assert world.statuses("moved@example.com") == ("Attended", "Attended")
    assert world.statuses("left@example.com") == (None, None)
    assert result.conflicts == []
    assert (REMOVED, "left@example.com") in [
        (k, d["person"]["email"]) for k, d in world.events.published
    ]


@pytest.mark.parametrize(
    ("in_marketo", "in_salesforce", "agreed", "winner"),
    [
        (None, "Attended", "Attended", "Salesforce"),  # being a member beats being removed
        ("Attended", None, "Attended", "Marketo"),
        ("Attended", "Invited", "Attended", "Marketo"),  # the further progression step wins
        ("Attended On-demand", "Attended", "Attended", "Salesforce"),  # same step: Salesforce
    ],
)
def test_a_person_changed_differently_on_both_sides_follows_the_conflict_rule(
    in_marketo, in_salesforce, agreed, winner
):
    world = linked_world()
    world.both_in("both@example.com", "Registered")
    world.sync()
    world.move_in_marketo("both@example.com", in_marketo)
    world.salesforce.set_status(CAMPAIGN_ID, "both@example.com", in_salesforce)

    result = world.sync()

    assert world.statuses("both@example.com") == (agreed, agreed)
    [conflict] = result.conflicts
    assert (conflict["winner"], conflict["resolved_status"], conflict["rule"]) == (
        winner,
        agreed,
        CONFLICT_RULE,
    )
    assert world.links.conflicts == [conflict]
    assert world.links.snapshots[PROGRAM_ID]["both@example.com"].status == agreed


def test_a_second_run_of_the_same_link_is_refused_while_one_holds_it():
    world = linked_world()
    world.links.begin_run(PROGRAM_ID, world.now + timedelta(minutes=5), timedelta(minutes=15))

    with pytest.raises(SyncAlreadyRunningError):
        world.sync()
