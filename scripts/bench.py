"""Benchmark: TouchpointRecomputeFunction at 1k, 10k, 100k and 1M members, one table (`make bench`).

For each size: a first run (every touchpoint created), a no-change rerun, and a rerun after 1% of
the members (every 100th, across the whole Id range) got a new touchpoint date; then a first run
with member status write-back on (WriteBackMemberStatus), in a world of its own seeded the same
way, so it compares with the first run (issue #18: at 1M, <= 50 calls). Each run is one
message on the RecomputeQueue, delivered to the handler until the queue is empty (continuations and
held messages included, visibility waits skipped), so calls are counted over all invocations.

Each run is made in a fresh Lambda environment (`fresh_environment`): its functions hold the JWT
secret `make salesforce-auth` writes, so the run logs in once, through the emulator's OAuth token
endpoint, as a cold environment does in AWS.

Columns, each with its bound beside it where one exists: Salesforce calls counted at the
emulator's HTTP layer (`http`, the login included) and by the product itself (`product`: the
transport's count, `deps.salesforce_transport.calls`, its login included), flagged when they
disagree; `bound`, the fewest Salesforce calls on the read path taken, the login included
(`lower_bound`); Salesforce write calls; the goal of issue
#11 and its verdict; wall time, and (`x base`) the time outside AWS as a ratio to a baseline
measured in the same run (reading the same members with plain paged queries, no rules, no state,
no writes); `AWS s`, time inside the AWS service stand-in (moto, or the in-process DynamoDB, and
the World's emulated IAM check) with its share; `AWS n`, the product's AWS calls, beside `min`,
the fewest DynamoDB calls the run needs (`Row.aws_bound`: the Query pages of 1 MB that read the
members' state the table holds, one BatchWriteItem per 25 members whose state changes, one write
for the run's record); `SDK s`, CPU spent in boto3 and botocore inside the product's client calls
(the resource layer's parameter copy and type transforms, serialization, signing, parsing;
`AwsClock`), less the stand-in's, and per 100,000 members (boto3's code outside a client call, the
batch writer's buffer and the Table's action dispatch, stays in the product's column); `CPU s`, the product's own CPU time (the run's, less the Salesforce emulator's,
the AWS stand-in's and the SDK's), per 100,000 members and beside the goal of issue #18 (<= 2 s on
a first run); `rss MiB`, the run's peak resident memory above its start (VmHWM, reset for the
run; it includes the in-process emulator's and DynamoDB's allocations, so it bounds the product's
own from above: `make bench-memory` sets them apart and judges the goal of 150 MiB); and the DynamoDB the row ran on. moto takes most of a run's
time from 1k members up (at 10k members a no-change rerun spent 118 of 126 s in moto), so sizes
above `--moto-up-to` (default 1000) answer the product's own boto3 table (built as wiring.py
builds it) with the in-process DynamoDB endpoint of scripts/bench_dynamodb.py: botocore still
serializes, signs and parses every call, only the HTTP send is answered in-process. SQS stays on
moto. Seeding writes straight into the emulator's store (no HTTP) and is timed apart.
Then the webhook row (scripts.bench_webhook.measure_message: one warm message of 100
notifications over 37 campaigns, its own World on moto, median of 5 runs) and the rules' throughput.

Usage: python -m scripts.bench [SIZES...] [--moto-up-to N]   (default sizes: 1000 10000 100000
1000000); `python -m scripts.bench 1000 10000` runs fewer. Each row is printed as it ends, the
table at the end. Measured here on 5 Dec 2026 (2 cores shared with other work): 100,000 members
about 1.5 min in all (seeding 5 s, baseline 2 s, runs 7-24 s wall); 1,000,000 members about 35 min
for the three rows (seeding 50 s, baseline 18 s, first run ~490 s of which ~340 s in moto's SQS,
whose sends slow as the attribution queue fills; reruns 75-90 s), 3.2 GB resident at the first
run's peak, then ~10 min for the write-back row, seeded again. About half a run's CPU time is the
in-process emulator's (seeding, shaping Bulk results, processing ingest rows); the seeded org is
frozen out of the garbage collector's scans after seeding (`gc.freeze`), as it would not be in the
Lambda's heap.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import mock_aws
from simple_salesforce import format_soql

from emulators.salesforce.emulator import WRITE_KINDS
from emulators.world import World, jwt_secret, lambda_context, quiet_powertools, sqs_event
from scripts.bench_dynamodb import BATCH_WRITE_ITEMS, PAGE_BYTES, InProcessDynamoDB, item_size
from scripts.bench_webhook import measure_message
from tests.builders import a_campaign as a_campaign_value
from tests.builders import a_member
from touchpoints.adapters.salesforce import BULK_PAGE_SIZE
from touchpoints.adapters.salesforce_client import connect
from touchpoints.rules.channels import DEFAULT_CHANNEL_MAPPING
from touchpoints.rules.eligibility import evaluate_campaign
from touchpoints.wiring import Dependencies

DEFAULT_SIZES = (1000, 10_000, 100_000, 1_000_000)
REST_PAGE = 2000  # records in one REST query page
WRITE_BATCH = 200  # records in one sObject collections call
BULK_PAGE = BULK_PAGE_SIZE  # records in one Bulk API 2.0 results page, as the recompute asks
# Salesforce caps a set of query results by size whatever maxRecords asks ("The request is still
# subject to the size limits", Get Results for a Query Job,
# https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html) and
# publishes no figure: the emulator's sets are cut at this many bytes of CSV (an assumption; at
# ~150 bytes a member row, about 70,000 rows), so the run must follow short sets by locator.
BULK_RESULT_BYTES = 10 * 1024 * 1024
INGEST_JOB_CALLS = 5  # create, upload, close, one status poll, results
# One login per Lambda environment (wiring.py keeps the client for the environment's life); each
# run gets a fresh environment here, as a run hours after the last one does in AWS. A login is no
# API call in the org's daily limit, but it is a request Salesforce answers before the run reads.
LOGINS_PER_RUN = 1
# A member status update job's results are read only when it refused rows.
STATUS_JOB_CALLS = INGEST_JOB_CALLS - 1
FIRST, NO_CHANGE, CHANGED = "first run", "no-change rerun", "1% changed rerun"
FIRST_WRITE_BACK = "first, write-back"  # a first run with WriteBackMemberStatus on
CHANGED_SHARE = 100  # every 100th member changes
NEW_TOUCHPOINT_DATE = "2026-01-20T09:30:00.000Z"
# Issue #11: (most Salesforce calls, most write calls) per (run, size).
GOALS: dict[tuple[str, int], tuple[int, int | None]] = {
    (FIRST, 1_000_000): (50, None),
    (NO_CHANGE, 1_000_000): (20, 0),
    (CHANGED, 1_000_000): (70, None),
    (FIRST, 100_000): (15, None),
    (FIRST_WRITE_BACK, 1_000_000): (50, None),  # issue #18
}
WEBHOOK_GOAL_AWS_CALLS, WEBHOOK_GOAL_MS = 20, 50.0
FIRST_RUN_CPU_GOAL = 2.0  # issue #18: product CPU seconds per 100k members on a first run


def lower_bound(
    path: str,
    size: int,
    changes: int,
    bulk_page: int = BULK_PAGE,
    statuses: int = 0,
    logins: int = LOGINS_PER_RUN,
) -> int:
    """The fewest Salesforce calls a recompute of `size` members with `changes` touchpoint writes
    and `statuses` member statuses written back can make on the read path it took, with `logins`
    fresh Lambda environments logging in.

    Logging in: one token request per environment. Reading, REST: the campaign read and one query page per 2,000 members. Bulk API 2.0: the
    campaign read, the query job's create, one status poll and one results call per `bulk_page`
    members. Writing, whichever is cheaper for `changes` records: one sObject collections call per
    200, or one Bulk ingest job (create, upload, close, one status poll, its results). Writing
    back statuses, likewise: one collections call per 200, or one update job (its results read
    only when it refused rows).
    """
    if path == "rest":
        reads = 1 + max(1, math.ceil(size / REST_PAGE))
    elif path == "bulk":
        reads = 1 + 1 + 1 + max(1, math.ceil(size / bulk_page))
    else:
        raise ValueError(f"unknown read path {path!r}")
    writes = min(math.ceil(changes / WRITE_BATCH), INGEST_JOB_CALLS) if changes else 0
    writes += min(math.ceil(statuses / WRITE_BATCH), STATUS_JOB_CALLS) if statuses else 0
    return logins + reads + writes


@dataclass(frozen=True)
class Row:
    size: int
    run: str
    changes: int  # touchpoint writes the run must make
    http_calls: Counter[str]  # counted by the emulator as requests arrive
    product_calls: Counter[str]  # counted by the product (deps.salesforce_transport.calls)
    invocations: int
    wall: float
    baseline: float
    aws_seconds: float  # inside the AWS service stand-in (moto, or the in-process DynamoDB)
    aws_calls: int
    peak_bytes: int
    dynamodb: str
    cpu_seconds: float = 0.0  # the whole process's CPU time over the run
    emulator_cpu_seconds: float = 0.0  # of which inside the Salesforce emulator
    aws_cpu_seconds: float = 0.0  # of which inside the AWS service stand-in
    sdk_cpu_seconds: float = 0.0  # of which in boto3 and botocore, for the product's calls
    state_bytes: int = 0  # the members' state DynamoDB held when the run began
    statuses: int = 0  # member statuses the run must write back

    @property
    def product_cpu(self) -> float:
        """The product's own CPU time: the run's, less the emulator's, the AWS stand-in's and the
        AWS SDK's."""
        return (
            self.cpu_seconds
            - self.emulator_cpu_seconds
            - self.aws_cpu_seconds
            - self.sdk_cpu_seconds
        )

    @property
    def product_cpu_per_100k(self) -> float:
        return self.product_cpu * 100_000 / self.size

    @property
    def sdk_cpu_per_100k(self) -> float:
        return self.sdk_cpu_seconds * 100_000 / self.size

    @property
    def aws_bound(self) -> int:
        """The fewest DynamoDB calls the run needs: the Query pages that read the members' state
        the table holds (1 MB a page, at least one), one BatchWriteItem per 25 members whose state
        changes, and one more write for the run's summary and history record."""
        reads = max(1, math.ceil(self.state_bytes / PAGE_BYTES))
        return reads + math.ceil(self.changes / BATCH_WRITE_ITEMS) + 1

    def cpu_goal(self) -> str:
        return f"<={FIRST_RUN_CPU_GOAL:.0f}" if self.run == FIRST else "-"

    @property
    def path(self) -> str:
        return "bulk" if any(kind.startswith("bulk2") for kind in self.http_calls) else "rest"

    @property
    def bound(self) -> int:
        return lower_bound(self.path, self.size, self.changes, statuses=self.statuses)

    @property
    def writes(self) -> int:
        return sum(count for kind, count in self.http_calls.items() if kind in WRITE_KINDS)

    @property
    def counters_agree(self) -> bool:
        return self.http_calls.total() == self.product_calls.total()

    def verdict(self) -> str:
        goal = GOALS.get((self.run, self.size))
        if goal is None:
            return "-"
        most_calls, most_writes = goal
        met = self.http_calls.total() <= most_calls and (
            most_writes is None or self.writes <= most_writes
        )
        return "met" if met else "MISSED"

    def goal(self) -> str:
        goal = GOALS.get((self.run, self.size))
        if goal is None:
            return "-"
        most_calls, most_writes = goal
        return f"<={most_calls}" + (f", {most_writes}w" if most_writes is not None else "")


HEADER = (
    f"{'members':>9} {'run':<17} {'path':<4} {'http':>5} {'product':>8} {'agree':<5} "
    f"{'bound':>5} {'writes':>6} {'goal':<8} {'verdict':<7} {'inv':>4} {'wall s':>8} "
    f"{'x base':>6} {'AWS s':>7} {'AWS %':>5} {'AWS n':>6} {'min':>5} {'SDK s':>6} {'/100k':>5} "
    f"{'CPU s':>6} {'/100k':>5} {'goal':<4} {'rss MiB':>8}  dynamodb"
)


def render(rows: list[Row], webhook: dict[str, Any]) -> str:
    """The one results table (the webhook row is `measure_message`'s figures), then what the
    counters disagreed on, kind by kind."""
    lines = [HEADER, "-" * len(HEADER)]
    lines += [row_line(row) for row in rows]
    lines.append(_webhook_line(webhook))
    for row in rows:
        if not row.counters_agree:
            lines.append(
                f"counters disagree at {row.size:,} {row.run}: "
                f"{_difference(row.http_calls, row.product_calls)}"
            )
    lines.append(
        "http = Salesforce calls the emulator received; product = the recompute's own count; "
        "both with the run's login (a fresh Lambda environment each run, a JWT secret); "
        "bound = lower_bound(path), the login included; x base = (wall - AWS s) / baseline read"
    )
    lines.append(
        "AWS s = time inside the AWS service stand-in (moto, or the in-process DynamoDB, and the "
        "emulated IAM check); AWS n = the product's AWS calls; min = the fewest DynamoDB calls "
        "the run needs (state query pages of 1 MB, BatchWriteItem of 25, one for the run's record)"
    )
    lines.append(
        "SDK s = CPU in boto3 and botocore for the product's calls (serialize, sign, parse, "
        "transform), less the stand-in's; CPU s = the product's own CPU time (the run's, less "
        "the emulator's, the stand-in's and the SDK's); /100k = per 100,000 members"
    )
    lines.append(
        "rss MiB = the process's resident peak above the run's start, the in-process Salesforce "
        "emulator's and DynamoDB's included; the product's own against its goal of "
        "150 MiB: make bench-memory"
    )
    return "\n".join(lines)


def row_line(row: Row) -> str:
    return (
        f"{row.size:>9,} {row.run:<17} {row.path:<4} {row.http_calls.total():>5} "
        f"{row.product_calls.total():>8} {'yes' if row.counters_agree else 'NO':<5} "
        f"{row.bound:>5} {row.writes:>6} {row.goal():<8} {row.verdict():<7} "
        f"{row.invocations:>4} {row.wall:>8.2f} {(row.wall - row.aws_seconds) / row.baseline:>6.2f} "
        f"{row.aws_seconds:>7.2f} {100 * row.aws_seconds / row.wall:>5.0f} "
        f"{row.aws_calls:>6} {row.aws_bound:>5} {row.sdk_cpu_seconds:>6.2f} "
        f"{row.sdk_cpu_per_100k:>5.2f} {row.product_cpu:>6.2f} {row.product_cpu_per_100k:>5.2f} "
        f"{row.cpu_goal():<4} {row.peak_bytes / 2**20:>8.1f}"
        f"  {row.dynamodb}"
    )


def _webhook_line(webhook: dict[str, Any]) -> str:
    """Judged on CPU time outside AWS when measured (wall time on a shared machine includes
    waiting for a core); wall time otherwise."""
    goal = f"goal <={WEBHOOK_GOAL_AWS_CALLS} AWS calls, <={WEBHOOK_GOAL_MS:.0f} ms outside AWS"
    cpu_ms = webhook.get("outside_aws_cpu_ms")
    outside_ms = webhook["outside_aws_ms"] if cpu_ms is None else cpu_ms
    met = webhook["aws_calls"] <= WEBHOOK_GOAL_AWS_CALLS and outside_ms <= WEBHOOK_GOAL_MS
    cpu = "" if cpu_ms is None else f" ({cpu_ms:.1f} ms CPU)"
    return (
        f"{'webhook':>9} 100 notifications / 37 campaigns: {webhook['aws_calls']} AWS calls, "
        f"{webhook['outside_aws_ms']:.1f} ms outside AWS{cpu} ({goal}: {'met' if met else 'MISSED'})"
    )


def _difference(http: Counter[str], product: Counter[str]) -> str:
    kinds = sorted(set(http) | set(product))
    return ", ".join(
        f"{kind} http={http[kind]} product={product[kind]}"
        for kind in kinds
        if http[kind] != product[kind]
    ) or (f"same kinds, totals http={http.total()} product={product.total()}")


# -- the world ------------------------------------------------------------------------------------


@dataclass
class Bench:
    """One campaign of `size` members in a world, and the recompute wired to a DynamoDB."""

    world: World
    deps: Dependencies
    campaign_id: str
    member_ids: list[str]
    dynamodb: str
    stand_in: InProcessDynamoDB | None
    seed_seconds: float
    clock: AwsClock


IMPORT_BATCH = 200  # members inserted in the same second, as a list import's batch is


def seed(world: World, size: int) -> tuple[str, list[str]]:
    """A campaign (Include All) with `size` lead members, written straight into the emulator's
    store: seeding is not an API call and takes no HTTP round trip. The members are created a
    batch of `IMPORT_BATCH` a second, so their `CreatedDate`s (their touchpoint dates) change
    as an import's do, not once for the whole campaign."""
    org = world.org
    campaign_id = org.insert(
        "Campaign",
        {
            "Name": "Bench",
            "Type": "Conference",
            "Enable_Buyer_Touchpoints__c": "Include All Campaign Members",
        },
    )
    member_ids = []
    for number in range(size):
        if number and number % IMPORT_BATCH == 0:
            org.advance(seconds=1)
        lead = org.insert(
            "Lead", {"LastName": f"P{number}", "Company": "Acme", "Email": f"p{number}@example.com"}
        )
        member_ids.append(
            org.insert(
                "CampaignMember", {"CampaignId": campaign_id, "LeadId": lead, "Status": "Responded"}
            )
        )
    return campaign_id, member_ids


def build(size: int, moto_up_to: int, parameters: dict[str, str] | None = None) -> Bench:
    """Call inside mock_aws(). DynamoDB is moto's up to `moto_up_to` members, else the in-process
    endpoint answering the product's own boto3 table (as wiring.py builds it); `parameters`
    overrides the template's."""
    world = World.create(parameters=parameters, salesforce_login="jwt")
    world.org.bulk.max_result_bytes = BULK_RESULT_BYTES
    started = time.perf_counter()
    campaign_id, member_ids = seed(world, size)
    # The seeded org lives in this process only because the emulator does: kept out of the
    # garbage collector's scans, which in AWS would never see it (at 1M members they dominate).
    gc.collect()
    gc.freeze()
    seed_seconds = time.perf_counter() - started
    clock = AwsClock(world.session)
    stand_in = InProcessDynamoDB(world.table_name) if size > moto_up_to else None
    deps = fresh_environment(world, stand_in)
    dynamodb = "in-process" if stand_in else "moto"
    return Bench(world, deps, campaign_id, member_ids, dynamodb, stand_in, seed_seconds, clock)


def fresh_environment(world: World, stand_in: InProcessDynamoDB | None) -> Dependencies:
    """The recompute function's composition root as a new Lambda environment has it: no
    Salesforce client yet (its first run logs in), AWS clients made from now on, so with the
    AWS clock's handlers, and DynamoDB's answered by `stand_in` when there is one. Its AWS clients
    are made here, before a run's clocks start, so that every row measures the run and not the
    clients' construction (`make bench-cold-start` measures the cold start)."""
    deps = dataclasses.replace(world.recompute.deps)
    for client in (deps.table.meta.client, deps.dynamodb_client):  # every store's table, members
        if stand_in:
            stand_in.attach(client)
    _made_now = (deps.queue, deps.attribution_queue, deps.secrets)
    return deps


def change_one_percent(bench: Bench) -> int:
    """Every 100th member from the first (so across the whole Id range) gets a new Buyer_Touchpoint_Date__c,
    which re-dates its touchpoint; returns how many touchpoints must be updated."""
    field = bench.world.recompute.settings.campaign_fields.member_touchpoint_date
    changed = bench.member_ids[::CHANGED_SHARE]
    for member_id in changed:
        bench.world.org.update_record("CampaignMember", member_id, {field: NEW_TOUCHPOINT_DATE})
    return len(changed)


class EmulatorCpu:
    """CPU time spent inside the Salesforce emulator serving the product's requests."""

    def __init__(self, world: World) -> None:
        self.seconds = 0.0
        serve = world.org.handle

        def timed(prepared: Any) -> tuple[int, dict[str, str], bytes]:
            started = time.process_time()
            try:
                return serve(prepared)
            finally:
                self.seconds += time.process_time() - started

        world.org.handle = timed  # type: ignore[method-assign]


class AwsClock:
    """The product's AWS calls through its boto3 session, on two clocks.

    The service's: time inside the AWS stand-in, that is the `before-send` handlers that answer
    the request (moto's, or the in-process DynamoDB's) and the `before-call` ones (the World's
    emulated IAM check). The SDK's: CPU from the start of each client call (`provide-client-params`,
    before boto3's resource layer transforms the parameters) to its end (`after-call`, after it
    transforms the reply), less the service's. botocore calls the handlers of a more specific event
    name first (`before-call.dynamodb` before `before-call`), so each bracket is registered on the
    name the handlers it surrounds use. Handlers are copied into a client when it is made: make
    this before the product's clients."""

    def __init__(self, session: boto3.session.Session) -> None:
        self.calls = 0
        self.service_seconds = 0.0
        self.service_cpu_seconds = 0.0
        self._call_cpu_seconds = 0.0
        self._call_started: float | None = None
        self._service_started: tuple[float, float] | None = None
        events = session._session.get_component("event_emitter")
        # boto3's resource layer copies DynamoDB parameters in provide-client-params.dynamodb.
        for event in ("provide-client-params.dynamodb", "provide-client-params"):
            events.register_first(event, self._call_starts)
        events.register_last("after-call", self._call_ends)
        events.register_last("after-call-error", self._call_ends)
        # The World's IAM and key-limit checks answer in before-call.dynamodb; moto and the
        # in-process DynamoDB in before-send.
        for event in ("before-call.dynamodb", "before-send"):
            events.register_first(event, self._service_starts)
            events.register_last(event, self._service_ends)

    @property
    def sdk_cpu_seconds(self) -> float:
        return self._call_cpu_seconds - self.service_cpu_seconds

    def _call_starts(self, **_: object) -> None:
        if self._call_started is None:  # a DynamoDB call passes both start handlers
            self.calls += 1
            self._call_started = time.process_time()

    def _call_ends(self, **_: object) -> None:
        self._service_ends()  # a before-call handler that answers stops the handlers after it
        if self._call_started is not None:
            self._call_cpu_seconds += time.process_time() - self._call_started
            self._call_started = None

    def _service_starts(self, **_: object) -> None:
        self._service_started = (time.perf_counter(), time.process_time())

    def _service_ends(self, **_: object) -> None:
        if self._service_started is not None:
            started, cpu_started = self._service_started
            self.service_seconds += time.perf_counter() - started
            self.service_cpu_seconds += time.process_time() - cpu_started
            self._service_started = None


def deliver_until_empty(bench: Bench, sqs: Any, max_invocations: int = 10_000) -> int:
    """Hand the queue's messages to the recompute handler until none is left, as the SQS event
    source does; a message the handler holds back is made visible again at once (the benchmark
    skips the wait, not the calls). `sqs` is the bench's own client, so its calls are not the
    product's. Returns the number of invocations."""
    queue_url = bench.world.queue_url
    for invocation in range(max_invocations):
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return invocation
        reply = bench.world.recompute.lambda_handler(
            sqs_event(messages), lambda_context("recompute"), deps=bench.deps
        )
        held = {item["itemIdentifier"] for item in reply["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] in held:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    raise RuntimeError(f"the queue was not empty after {max_invocations} invocations")


def measure_run(
    bench: Bench, run: str, changes: int, baseline: float, sqs: Any, emulator: EmulatorCpu
) -> Row:
    """One recompute request, sent to the queue and delivered until the queue is empty, in a
    fresh Lambda environment (so the run's calls include its login)."""
    bench.deps = fresh_environment(bench.world, bench.stand_in)
    sqs.send_message(
        QueueUrl=bench.world.queue_url,
        MessageBody=json.dumps({"campaign_id": bench.campaign_id, "cause": "bench"}),
        MessageGroupId=bench.campaign_id,
        MessageDeduplicationId=f"bench-{run}",
    )
    http_before = Counter(bench.world.org.calls)
    clock = bench.clock
    state_bytes = stored_state_bytes(bench)
    aws_before = (clock.service_seconds, clock.calls)
    cpu_before = (clock.service_cpu_seconds, clock.sdk_cpu_seconds, emulator.seconds)
    memory = PeakMemory()
    started, cpu_started = time.perf_counter(), time.process_time()
    invocations = deliver_until_empty(bench, sqs)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = memory.peak_above_start()
    return Row(
        size=len(bench.member_ids),
        run=run,
        changes=changes,
        http_calls=Counter(bench.world.org.calls) - http_before,
        product_calls=Counter(bench.deps.salesforce_transport.calls),  # a fresh environment's
        invocations=invocations,
        wall=wall,
        baseline=baseline,
        aws_seconds=clock.service_seconds - aws_before[0],
        aws_calls=clock.calls - aws_before[1],
        peak_bytes=peak,
        dynamodb=bench.dynamodb,
        cpu_seconds=cpu,
        emulator_cpu_seconds=emulator.seconds - cpu_before[2],
        aws_cpu_seconds=clock.service_cpu_seconds - cpu_before[0],
        sdk_cpu_seconds=clock.sdk_cpu_seconds - cpu_before[1],
        state_bytes=state_bytes,
    )


def stored_state_bytes(bench: Bench) -> int:
    """The size of the members' state the table holds for the campaign (DynamoDB's item sizes),
    read with the bench's own client: not the product's call, not timed."""
    partition = f"CAMPAIGN#{bench.campaign_id}"
    if bench.stand_in:
        return bench.stand_in.partition_bytes(partition, "MEMBER#")
    client = boto3.session.Session(region_name="eu-west-1").client("dynamodb")
    pages = client.get_paginator("query").paginate(
        TableName=bench.world.table_name,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :member)",
        ExpressionAttributeValues={":pk": {"S": partition}, ":member": {"S": "MEMBER#"}},
        ConsistentRead=True,
    )
    return sum(item_size(item) for page in pages for item in page["Items"])


class PeakMemory:
    """The process's resident memory at its highest since this was made, above what it was then.

    Read from Linux's VmHWM after resetting it (`/proc/self/clear_refs`, "5"; proc(5)), not with
    tracemalloc, which slows every allocation several times over and so would hide the product's
    CPU time. It includes what the in-process emulator allocates while it serves a request."""

    def __init__(self) -> None:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        self._start = _status_bytes("VmRSS")

    def peak_above_start(self) -> int:
        return _status_bytes("VmHWM") - self._start


def _status_bytes(name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{name}:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {name}")


def baseline(bench: Bench) -> float:
    """The floor of any run: the same members read with plain paged REST queries through
    simple-salesforce (no rules, no state, no writes), logged in before the clock starts."""
    client = connect(jwt_secret(), session=bench.world.org.session())
    soql = format_soql(
        "SELECT Id, LeadId, ContactId, Lead.Email, Contact.Email, Status, HasResponded, "
        "FirstRespondedDate, CreatedDate, Buyer_Touchpoint_Date__c FROM CampaignMember "
        "WHERE CampaignId = {}",
        bench.campaign_id,
    )
    started = time.perf_counter()
    count = sum(1 for _ in client.query_all_iter(soql))
    elapsed = time.perf_counter() - started

    assert count == len(bench.member_ids), count
    return elapsed


def bench_size(size: int, moto_up_to: int, report: Callable[[str], None] = print) -> list[Row]:
    """The three rows of one size."""
    with mock_aws():
        bench = build(size, moto_up_to)
        report(f"  {size:,} members seeded into the emulator's store in {bench.seed_seconds:.1f}s")
        base = baseline(bench)
        emulator = EmulatorCpu(bench.world)
        sqs = boto3.session.Session(region_name="eu-west-1").client("sqs")
        report(f"  baseline read of {size:,} members: {base:.1f}s")
        rows = [measure_run(bench, FIRST, size, base, sqs, emulator)]
        report(row_line(rows[-1]))  # as each row ends: a long run shows what it has so far
        rows.append(measure_run(bench, NO_CHANGE, 0, base, sqs, emulator))
        report(row_line(rows[-1]))
        changes = change_one_percent(bench)
        rows.append(measure_run(bench, CHANGED, changes, base, sqs, emulator))
        report(row_line(rows[-1]))
        touchpoints = bench.world.touchpoints()
        assert len(touchpoints) == size, len(touchpoints)
        date_field = bench.world.touchpoint_fields.touchpoint_date
        redated = sum(1 for tp in touchpoints if tp[date_field].startswith("2026-01-20"))
        assert redated == changes, (redated, changes)
        return rows


def bench_write_back(size: int, moto_up_to: int, report: Callable[[str], None] = print) -> Row:
    """A first run with WriteBackMemberStatus on, in a world of its own seeded as `bench_size`'s
    (so it compares with that first run): every member's status is written back."""
    gc.unfreeze()  # the previous world's org, frozen after seeding, can go now
    with mock_aws():
        bench = build(size, moto_up_to, parameters={"WriteBackMemberStatus": "true"})
        base = baseline(bench)
        emulator = EmulatorCpu(bench.world)
        sqs = boto3.session.Session(region_name="eu-west-1").client("sqs")
        row = measure_run(bench, FIRST_WRITE_BACK, size, base, sqs, emulator)
        row = dataclasses.replace(row, statuses=size)
        report(row_line(row))
        status_field = bench.world.recompute.settings.campaign_fields.member_status
        written = sum(
            1
            for member_id in bench.member_ids
            if bench.world.org.get("CampaignMember", member_id).get(status_field)
        )
        assert written == size, (written, size)
        return row


# -- the webhook row ------------------------------------------------------------------------------


def webhook_row() -> dict[str, Any]:
    """One warm webhook message of 100 notifications over 37 campaigns (its own World on moto)."""
    return measure_message(notifications=100, campaigns=37)


def bench_rules(size: int = 200_000) -> None:
    campaign = a_campaign_value()
    members = [a_member(n, created_date=datetime(2026, 2, 5, tzinfo=UTC)) for n in range(size)]
    started = time.perf_counter()
    outcomes = sum(1 for _ in evaluate_campaign(campaign, members, DEFAULT_CHANNEL_MAPPING))
    elapsed = time.perf_counter() - started
    print(
        f"rules: {outcomes} members evaluated in {elapsed:.2f}s = {outcomes / elapsed:,.0f} members/s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument(
        "--moto-up-to",
        type=int,
        default=1000,
        help="sizes up to this run DynamoDB on moto; larger ones on the in-process DynamoDB endpoint",
    )
    args = parser.parse_args(argv)
    quiet_powertools()
    webhook = webhook_row()  # first: seconds, where the sizes can take an hour
    print(_webhook_line(webhook), flush=True)
    rows = []
    for size in args.sizes:
        rows += bench_size(size, args.moto_up_to)
        rows.append(bench_write_back(size, args.moto_up_to))
    print(render(rows, webhook))
    bench_rules()


if __name__ == "__main__":
    main()
