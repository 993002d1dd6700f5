"""Act three of the demo: a trade show too large for REST pages goes through Bulk API 2.0, and the
recompute never waits for Salesforce (docs/decisions/0006-bulk-runs-never-wait.md)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from emulators.outbound_messages import CAMPAIGN_FIELDS, record_notifications
from emulators.world import World
from scripts.demo_support import calls_spent, step, table

VISITORS = 5000


def load_the_trade_show(world: World) -> str:
    org = world.org
    campaign_id = org.insert(
        "Campaign",
        {
            "Name": "Spring Trade Show 2026",
            "Type": "Trade Show",
            "Enable_Buyer_Touchpoints__c": "Include All Campaign Members",
        },
    )
    for number in range(1, VISITORS + 1):
        lead_id = org.insert(
            "Lead",
            {
                "LastName": f"Booth {number}",
                "Company": "Acme",
                "Email": f"booth{number}@example.com",
            },
        )
        org.insert(
            "CampaignMember", {"CampaignId": campaign_id, "LeadId": lead_id, "Status": "Attended"}
        )
    return campaign_id


def recompute_run(world: World, campaign_id: str) -> list[object]:
    """Deliver the campaign's change, then each recompute delivery the run asks for."""
    before = Counter(world.org.calls)
    notification = record_notifications(
        "Campaign", [world.org.get("Campaign", campaign_id)], CAMPAIGN_FIELDS
    )
    world.deliver(world.message(notification))
    responses = world.drain_queue(max_rounds=40)
    held = sum(len(response["batchItemFailures"]) for response in responses)
    summary = world.recompute.deps.state.load_summary(campaign_id)
    return [
        summary["read_path"],
        len(responses),
        held,
        summary["created"],
        summary["deleted"],
        calls_spent(world.org.calls, before),
    ]


def third_act(world: World, first_step: int) -> None:
    org = world.org
    world.now = org.now = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    org.bulk_polls_before_complete = 2  # a busy org: each job still running at its first polls
    print(f"\nAct three: a spring trade show, {VISITORS:,} visitors.")

    step(first_step, "Above the Bulk threshold: one query job, one ingest job, no waiting")
    campaign_id = load_the_trade_show(world)
    headers = [
        "run",
        "read",
        "invocations",
        "held for a poll",
        "created",
        "deleted",
        "Salesforce calls",
    ]
    rows = [["first run", *recompute_run(world, campaign_id)]]
    org.update_record(
        "Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": "Exclude All Campaign Members"}
    )
    world.now = org.now = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    rows.append(["excluded", *recompute_run(world, campaign_id)])
    print(table(headers, rows))
    print(
        "Each invocation polls a job once; between polls the message stays hidden on the queue "
        "(holding the campaign's FIFO group), so no Lambda sleeps while Salesforce works.\n"
        "The query has no ORDER BY (it would disable PK chunking): its pages are sorted on /tmp."
    )
    left = [tp for tp in org.records("Buyer_Touchpoint__c") if tp["Campaign__c"] == campaign_id]
    print(f"Touchpoints left for the trade show: {len(left)}")
