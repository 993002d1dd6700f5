"""Benchmark: warm CampaignWebhookFunction latency for 1 and 100 notifications (median of runs).

Each message is new (fresh notification ids and modstamps), so every run does the full durable
work: parse, stale check, idempotency record, enqueue. The baseline, measured in the same run, is
the least any webhook must do per campaign on the same moto backend: one DynamoDB put and one SQS
send. Results are ratios to it, so they compare across machines.

Also per message: the AWS calls it made (goal: at most 20 for 100 notifications over 37 campaigns;
one call at a time, each a few ms in AWS, they are most of the latency there) and the time spent
outside them (parsing, rules, serialising; goal: at most 50 ms). Before batching, the 100
notifications cost 148 calls, one after another. The latency inside the calls is moto's: it copies
the whole table for each item of a TransactWriteItems, so the 100-notification message's time here
grows with the table; in AWS each call is one round trip.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta

from moto import mock_aws

from emulators.outbound_messages import next_notification_id
from emulators.world import World, quiet_powertools

RUNS = 30
CALL_GOAL = 20
OUTSIDE_GOAL_MS = 50


class AwsMeter:
    """AWS calls made and time spent inside them (botocore's before-call / after-call events on
    the session; a client copies them when it is built, so create this before the first run)."""

    def __init__(self, world: World) -> None:
        self.calls = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0  # this thread's CPU time inside the calls (moto runs in it)
        self._started = 0.0
        self._cpu_started = 0.0
        events = world.session._session.get_component("event_emitter")
        events.register("before-call", self._before)
        events.register("after-call", self._after)

    def _before(self, **_: object) -> None:
        self.calls += 1
        self._started = time.perf_counter()
        self._cpu_started = time.thread_time()

    def _after(self, **_: object) -> None:
        self.seconds += time.perf_counter() - self._started
        self.cpu_seconds += time.thread_time() - self._cpu_started


@dataclass
class Samples:
    elapsed: list[float] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    outside: list[float] = field(default_factory=list)
    outside_cpu: list[float] = field(default_factory=list)  # CPU time: steady on a busy machine


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _campaign_notifications(world: World, campaign_ids: list[str], count: int, run: int):
    stamp = (world.now + timedelta(seconds=run)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return [
        (
            next_notification_id(),
            "Campaign",
            {"Id": campaign_ids[i % len(campaign_ids)], "SystemModstamp": stamp},
        )
        for i in range(count)
    ]


def drain(world: World) -> None:
    sqs = world.session.client("sqs")
    while messages := sqs.receive_message(QueueUrl=world.queue_url, MaxNumberOfMessages=10).get(
        "Messages"
    ):
        sqs.delete_message_batch(
            QueueUrl=world.queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )


def measure(
    world: World, meter: AwsMeter, campaign_ids: list[str], count: int, runs: int = RUNS
) -> Samples:
    samples = Samples()
    world.deliver(world.message(_campaign_notifications(world, campaign_ids, count, 0)))  # warm up
    for run in range(1, runs + 1):
        xml = world.message(_campaign_notifications(world, campaign_ids, count, run))
        calls, inside, cpu_inside = meter.calls, meter.seconds, meter.cpu_seconds
        started, cpu_started = time.perf_counter(), time.thread_time()
        reply = world.deliver(xml)
        elapsed = time.perf_counter() - started
        cpu = time.thread_time() - cpu_started
        assert reply["statusCode"] == 200, reply["body"]
        samples.elapsed.append(elapsed)
        samples.calls.append(meter.calls - calls)
        samples.outside.append(elapsed - (meter.seconds - inside))
        samples.outside_cpu.append(cpu - (meter.cpu_seconds - cpu_inside))
        # moto's FIFO send slows as a queue grows; the recompute consumer keeps it short in AWS
        drain(world)
    return samples


def baseline(world: World) -> list[float]:
    table = world.session.resource("dynamodb").Table(world.table_name)
    sqs = world.session.client("sqs")
    samples = []
    for run in range(RUNS):
        started = time.perf_counter()
        table.put_item(Item={"PK": f"BASELINE#{run}", "SK": "X"})
        sqs.send_message(
            QueueUrl=world.queue_url,
            MessageBody="{}",
            MessageGroupId="baseline",
            MessageDeduplicationId=str(run),
        )
        samples.append(time.perf_counter() - started)
        drain(world)
    return samples


def _report(label: str, samples: Samples, base: float) -> None:
    total = _median_ms(samples.elapsed)
    calls = max(samples.calls)
    outside = _median_ms(samples.outside)
    print(f"  {label:<41}{total:8.2f} ms  {total / base:5.1f}x")
    print(
        f"    AWS calls {calls:3d} (goal <= {CALL_GOAL}: {'met' if calls <= CALL_GOAL else 'MISSED'})"
    )
    print(
        f"    outside AWS calls {outside:6.2f} ms (goal <= {OUTSIDE_GOAL_MS} ms: "
        f"{'met' if outside <= OUTSIDE_GOAL_MS else 'MISSED'})"
    )


def measure_message(notifications: int, campaigns: int, runs: int = 5) -> dict[str, float]:
    """One warm message of `notifications` over `campaigns` campaigns, in a World of its own under
    moto: the most AWS calls a run made and the median time spent outside them (milliseconds),
    as wall time and as this thread's CPU time (which other load on the machine does not inflate).
    The caller quiets Powertools (`quiet_powertools` changes the process environment)."""
    with mock_aws():
        world = World.create()
        meter = AwsMeter(world)  # before the webhook builds its clients
        campaign_ids = [f"70150000000{n:04d}AAA" for n in range(campaigns)]
        samples = measure(world, meter, campaign_ids, notifications, runs)
    return {
        "aws_calls": max(samples.calls),
        "outside_aws_ms": _median_ms(samples.outside),
        "outside_aws_cpu_ms": _median_ms(samples.outside_cpu),
    }


def main() -> None:
    quiet_powertools()
    with mock_aws():
        world = World.create()
        meter = AwsMeter(world)  # before the webhook builds its clients
        campaigns = [f"70150000000{n:04d}AAA" for n in range(37)]
        base = _median_ms(baseline(world))
        one = measure(world, meter, campaigns[:1], 1)
        hundred = measure(world, meter, campaigns, 100)
    print(f"webhook benchmark, median of {RUNS} warm runs (moto in-process)")
    print(f"  baseline: 1 DynamoDB put + 1 SQS send      {base:8.2f} ms   1.0x")
    _report("1 notification  (1 campaign)", one, base)
    _report("100 notifications (37 campaigns)", hundred, base)
    per_campaign = _median_ms(hundred.elapsed) / 37 / base
    print(f"    ({per_campaign:.2f}x the baseline per campaign)")


if __name__ == "__main__":
    main()
