"""Benchmark: TouchpointRecomputeFunction at 1k, 10k and 100k members (`make bench`).

For each size, a first run (every touchpoint created) and a no-change rerun, through the handler
against moto and the Salesforce emulator. Reports Salesforce API calls against the lower bound,
wall time as a ratio to a baseline measured in the same run (reading the same members with one
plain paged query, no rules and no writes), and the run's peak Python memory above what was held
before it (tracemalloc; it includes the in-process emulator's allocations while it serves a page or
a Bulk result). Then the rules' throughput.

Usage: python -m scripts.bench [SIZES...]   (default: 1000 10000 100000)
"""

from __future__ import annotations

import json
import math
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime

from moto import mock_aws

from emulators.world import World, event, lambda_context, quiet_powertools
from tests.builders import a_campaign as a_campaign_value
from tests.builders import a_member
from touchpoints.rules.channels import DEFAULT_CHANNEL_MAPPING
from touchpoints.rules.eligibility import evaluate_campaign

READ_PAGE = 2000
WRITE_BATCH = 200


def seed(world: World, size: int) -> str:
    org = world.org
    campaign_id = org.insert(
        "Campaign",
        {
            "Name": "Bench",
            "Type": "Conference",
            "Enable_Buyer_Touchpoints__c": "Include All Campaign Members",
        },
    )
    for number in range(size):
        lead = org.insert(
            "Lead", {"LastName": f"P{number}", "Company": "Acme", "Email": f"p{number}@example.com"}
        )
        org.insert(
            "CampaignMember", {"CampaignId": campaign_id, "LeadId": lead, "Status": "Responded"}
        )
    return campaign_id


class AwsClock:
    """Time spent inside boto3 calls (moto, in-process here; a few ms a call in AWS)."""

    def __init__(self, world: World) -> None:
        self.seconds = 0.0
        self._started = 0.0
        events = world.session._session.get_component("event_emitter")
        events.register("before-call", self._before)
        events.register("after-call", self._after)

    def _before(self, **_: object) -> None:
        self._started = time.perf_counter()

    def _after(self, **_: object) -> None:
        self.seconds += time.perf_counter() - self._started


def recompute(world: World, campaign_id: str) -> tuple[float, int, Counter]:
    sqs_event = event("sqs-recompute.json")
    sqs_event["Records"][0]["body"] = json.dumps({"campaign_id": campaign_id, "cause": "bench"})
    before = Counter(world.org.calls)
    tracemalloc.reset_peak()
    held_before, _ = tracemalloc.get_traced_memory()  # the emulator's org, moto's tables
    started = time.perf_counter()
    reply = world.recompute.lambda_handler(sqs_event, lambda_context())
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    assert reply == {"batchItemFailures": []}, reply
    return elapsed, peak - held_before, world.org.calls - before


def baseline(world: World, campaign_id: str) -> float:
    """One plain paged read of the members through simple-salesforce: the floor of any run."""
    started = time.perf_counter()
    count = sum(1 for _ in world.recompute.deps.salesforce.read_members(campaign_id))
    assert count
    return time.perf_counter() - started


def lower_bound(size: int, changes: int) -> int:
    return math.ceil(size / READ_PAGE) + math.ceil(changes / WRITE_BATCH)


def describe(calls: Counter) -> str:
    return ", ".join(f"{kind}={count}" for kind, count in sorted(calls.items()))


def bench_size(size: int) -> None:
    with mock_aws():
        world = World.create()
        campaign_id = seed(world, size)
        base = baseline(world, campaign_id)
        aws = AwsClock(world)
        for label, changes in (("first run", size), ("no-change rerun", 0)):
            aws.seconds = 0.0
            elapsed, peak, calls = recompute(world, campaign_id)
            own = elapsed - aws.seconds
            total = calls.total()
            bound = lower_bound(size, changes)
            path = "bulk" if any(k.startswith("bulk2") for k in calls) else "rest"
            print(
                f"{size:>7} members  {label:<15} path={path:<4}  API calls {total:>4} "
                f"(REST lower bound {bound:>4})  wall {elapsed:7.2f}s, moto {aws.seconds:6.2f}s, "
                f"the rest {own / base:5.2f}x baseline ({base:.2f}s)  peak +{peak / 2**20:6.1f} MiB"
            )
            print(f"{'':>17}calls: {describe(calls)}")
        assert len(world.touchpoints()) == size


def bench_rules(size: int = 200_000) -> None:
    campaign = a_campaign_value()
    members = [a_member(n, created_date=datetime(2026, 2, 5, tzinfo=UTC)) for n in range(size)]
    started = time.perf_counter()
    outcomes = sum(1 for _ in evaluate_campaign(campaign, members, DEFAULT_CHANNEL_MAPPING))
    elapsed = time.perf_counter() - started
    print(
        f"rules: {outcomes} members evaluated in {elapsed:.2f}s = {outcomes / elapsed:,.0f} members/s"
    )


def main() -> None:
    quiet_powertools()
    sizes = [int(arg) for arg in sys.argv[1:]] or [1000, 10_000, 100_000]
    tracemalloc.start()
    for size in sizes:
        bench_size(size)
    tracemalloc.stop()
    bench_rules()


if __name__ == "__main__":
    main()
