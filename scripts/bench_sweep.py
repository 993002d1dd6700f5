"""Benchmark: what one ReconciliationSweepFunction run costs in Salesforce API calls, with nothing
changed and for each kind of change outbound messages never announce (docs/design.md).

An org of CAMPAIGNS synced campaigns of MEMBERS members each is swept once (the first, full
reconciliation) and recomputed; then each row makes one change, runs one sweep through its
handler, and counts the Salesforce calls the sweep made (the recompute that follows is the
recompute's cost, measured by scripts/bench.py) and the campaigns it enqueued. Calls, not time:
they are what the org's daily API allocation pays, the same on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from moto import mock_aws

from emulators.world import World, event, lambda_context, quiet_powertools
from tests.integration.seeds import a_campaign, a_lead, members

CAMPAIGNS = 5  # each change below touches its own campaign
MEMBERS = 200
SWEEP_EVERY = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SweepRow:
    change: str
    salesforce_calls: int
    enqueued: int


def _sweep(world: World) -> dict:
    world.now = world.now + SWEEP_EVERY
    world.org.now = world.now
    return world.sweep.lambda_handler(event("schedule-sweep.json"), lambda_context("sweep"))


def _lead_of(world: World, member_id: str) -> str:
    return world.org.get("CampaignMember", member_id)["LeadId"]


def measure_sweeps(campaigns: int = CAMPAIGNS, size: int = MEMBERS) -> list[SweepRow]:
    """One row per change, in a world of its own; the caller quiets Powertools."""
    with mock_aws():
        return _measure(World.create(), campaigns, size)


def _measure(world: World, campaigns: int, size: int) -> list[SweepRow]:
    org = world.org
    campaign_ids, member_ids = [], []
    for number in range(campaigns):
        campaign_id = a_campaign(org, Name=f"Campaign {number}")
        campaign_ids.append(campaign_id)
        member_ids.append(members(org, campaign_id, size, start=number * size + 1))
    _sweep(world)
    world.drain_queue(max_rounds=1000)
    changes: list[tuple[str, Callable[[], None]]] = [
        ("nothing changed", lambda: None),
        ("a member deleted", lambda: org.delete_record("CampaignMember", member_ids[0][0])),
        ("a member undeleted", lambda: org.undelete_record("CampaignMember", member_ids[0][0])),
        ("a campaign deleted", lambda: org.delete_record("Campaign", campaign_ids[1])),
        ("a campaign undeleted", lambda: org.undelete_record("Campaign", campaign_ids[1])),
        (
            "a lead's email changed",
            lambda: org.update_record(
                "Lead", _lead_of(world, member_ids[2][1]), {"Email": "new@example.com"}
            ),
        ),
        (
            "100 leads' emails changed",
            lambda: [
                org.update_record("Lead", _lead_of(world, m), {"Email": f"n{i}@example.com"})
                for i, m in enumerate(member_ids[3][:100])
            ],
        ),
        (
            "a lead merged",
            lambda: org.merge_records(
                "Lead", a_lead(org, 10**6), _lead_of(world, member_ids[4][0])
            ),
        ),
        ("a lead deleted", lambda: org.delete_record("Lead", _lead_of(world, member_ids[4][1]))),
    ]
    rows = []
    for label, change in changes:
        change()
        before = org.total_calls
        reply = _sweep(world)
        rows.append(SweepRow(label, org.total_calls - before, reply["enqueued"]))
        world.drain_queue(max_rounds=1000)
    return rows


def render(rows: list[SweepRow]) -> str:
    lines = [f"{'change since the last sweep':<28} {'Salesforce calls':>16} {'enqueued':>9}"]
    lines += [f"{r.change:<28} {r.salesforce_calls:>16} {r.enqueued:>9}" for r in rows]
    return "\n".join(lines)


def main() -> None:
    quiet_powertools()
    rows = measure_sweeps()
    print(f"sweep of {CAMPAIGNS} synced campaigns x {MEMBERS} members (calls of the sweep alone)")
    print(render(rows))


if __name__ == "__main__":
    main()
