"""Benchmark: AttributionFunction, persons per second and Salesforce calls (`make bench-attribution`).

For each size: that many persons (half leads, half contacts), three dated touchpoints each
(January, February, March), created on 20 February; every tenth contact holds a role on a won
opportunity. Seeding writes straight into the emulator's store (no HTTP, not API calls). Then the
daily full pass's messages (100 persons each) are sent and handed to the handler until the queue is
empty: a first pass (every touchpoint and opportunity record written) and a no-change pass.

Columns: Salesforce API calls counted at the emulator's HTTP layer and by the product
(`deps.attribution_gateway.calls`), write calls, the lower bound (below), persons per second of
wall time (the in-process emulator's time included), and the calls the same run would make for
100,000 persons: a message's calls do not depend on how many persons there are in all, so they
scale by the number of messages (measured per message here, times 1,000).

Lower bound of a pass: the touchpoints read in full REST pages (2,000 records a page), the persons'
creation dates likewise, and every changed record written in full 200-record collection calls; a
no-change pass needs the reads only. The product reads per message (two `IN` queries for
touchpoints, one or two for creation dates, one for contact roles, one for the attribution records
naming the contacts and, with opportunities, three more), so
it stays a small factor above the bound: it trades pages for batches a run can retry on its own.

The emulator filters `IN` lists by scanning its store, so sizes above a few thousand persons take
minutes here; 100,000 is computed from the per-message calls, not run. Measured on 5 Dec 2026
(2 cores shared with five other sessions; wall times swing with the load):

| persons | run | calls | writes | lower bound | persons/s | calls at 100,000 | bound at 100,000 |
|---|---|---|---|---|---|---|---|
| 1,000 | first pass | 75 | 25 | 19 | 263 | 7,500 | 1,775 |
| 1,000 | no-change pass | 50 | 0 | 3 | 63 | 5,000 | 200 |
| 4,000 | first pass | 300 | 100 | 71 | 54 | 7,500 | 1,775 |
| 4,000 | no-change pass | 200 | 0 | 8 | 87 | 5,000 | 200 |

Usage: python -m scripts.bench_attribution [PERSONS...]   (default 1000 4000)
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from dataclasses import dataclass

from moto import mock_aws

from emulators.salesforce.emulator import WRITE_KINDS
from emulators.world import World, quiet_powertools
from touchpoints.ports.attribution import PERSONS_PER_MESSAGE

DEFAULT_SIZES = (1000, 4000)
TOUCHPOINTS_PER_PERSON = 3
DATES = (
    "2026-01-15T09:00:00.000+0000",
    "2026-02-10T09:00:00.000+0000",
    "2026-03-05T09:00:00.000+0000",
)
CREATED = "2026-02-20T00:00:00.000+0000"
OPPORTUNITY_EVERY = 10  # every tenth contact holds a role on an opportunity
REST_PAGE = 2000
WRITE_BATCH = 200
AT_SCALE = 100_000


@dataclass
class Row:
    persons: int
    run: str
    http_calls: int
    product_calls: int
    write_calls: int
    lower_bound: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.persons / self.seconds if self.seconds else math.inf

    @property
    def calls_at_scale(self) -> int:
        messages = math.ceil(self.persons / PERSONS_PER_MESSAGE)
        return round(self.http_calls / messages * math.ceil(AT_SCALE / PERSONS_PER_MESSAGE))

    @property
    def bound_at_scale(self) -> int:
        return lower_bound(AT_SCALE, writes=self.write_calls > 0)


def lower_bound(persons: int, *, writes: bool) -> int:
    """Touchpoints and creation dates read in full pages; each changed record (every touchpoint,
    and one attribution record per touchpoint of a tenth of the contacts) in full write calls."""
    touchpoints = persons * TOUCHPOINTS_PER_PERSON
    reads = math.ceil(touchpoints / REST_PAGE) + math.ceil(persons / REST_PAGE)
    if not writes:
        return reads
    opportunity_rows = persons // 2 // OPPORTUNITY_EVERY * TOUCHPOINTS_PER_PERSON
    return reads + math.ceil((touchpoints + opportunity_rows) / WRITE_BATCH)


def seed(world: World, persons: int) -> list[str]:
    org = world.org
    campaigns = [
        org.insert("Campaign", {"Name": f"Event {n}", "Type": "Conference"}) for n in range(3)
    ]
    fields = world.attribution.settings.touchpoint_fields
    ids = []
    for number in range(persons):
        is_contact = number % 2 == 1
        record = {
            "LastName": f"P{number}",
            "Email": f"p{number}@example.com",
            "CreatedDate": CREATED,
        }
        if not is_contact:
            record["Company"] = "Acme"
        person = org.insert("Contact" if is_contact else "Lead", record)
        ids.append(person)
        for campaign, dated in zip(campaigns, DATES, strict=True):
            org.insert(
                fields.sobject,
                {
                    fields.key: f"OCT-bench-{number}-{campaign}",
                    fields.contact if is_contact else fields.lead: person,
                    fields.campaign: campaign,
                    fields.touchpoint_date: dated,
                },
            )
        if is_contact and number // 2 % OPPORTUNITY_EVERY == 0:
            opportunity = org.insert(
                "Opportunity",
                {
                    "Name": f"Deal {number}",
                    "StageName": "Closed Won",
                    "CloseDate": "2026-03-31",
                    "Amount": 10000,
                    "CreatedDate": "2026-03-01T00:00:00.000+0000",
                },
            )
            org.insert(
                "OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": person}
            )
    return ids


def measure(world: World, persons: list[str], run: str) -> Row:
    deps = world.attribution.deps
    http_before = Counter(world.org.calls)
    product_before = Counter(deps.attribution_gateway.calls)
    started = time.perf_counter()
    deps.attribution_queue.enqueue_persons(persons, "bench")
    world.drain_attribution(max_rounds=10_000)
    seconds = time.perf_counter() - started
    http = Counter(world.org.calls) - http_before
    product = Counter(deps.attribution_gateway.calls) - product_before
    writes = sum(count for kind, count in http.items() if kind in WRITE_KINDS)
    return Row(
        len(persons),
        run,
        sum(http.values()),
        sum(product.values()),
        writes,
        lower_bound(len(persons), writes=writes > 0),
        seconds,
    )


def bench_size(persons: int) -> list[Row]:
    with mock_aws():
        world = World.create()
        quiet_powertools()  # the World sets the template's Powertools variables
        ids = seed(world, persons)
        return [measure(world, ids, "first pass"), measure(world, ids, "no-change pass")]


def render(rows: list[Row]) -> str:
    header = (
        "| persons | run | calls (HTTP / product) | writes | lower bound | persons/s "
        f"| calls at {AT_SCALE:,} | bound at {AT_SCALE:,} |\n|---|---|---|---|---|---|---|---|"
    )
    lines = [
        f"| {r.persons:,} | {r.run} | {r.http_calls:,} / {r.product_calls:,} | {r.write_calls:,} "
        f"| {r.lower_bound:,} | {r.per_second:,.0f} | {r.calls_at_scale:,} | {r.bound_at_scale:,} |"
        for r in rows
    ]
    return "\n".join([header, *lines])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    args = parser.parse_args(argv)
    quiet_powertools()
    rows = []
    for size in args.sizes:
        rows += bench_size(size)
        print(json.dumps({"persons": size, "rows": [r.__dict__ for r in rows[-2:]]}), flush=True)
    print(render(rows))


if __name__ == "__main__":
    main()
