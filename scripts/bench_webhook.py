"""Benchmark: warm CampaignWebhookFunction latency for 1 and 100 notifications (median of runs).

Each message is new (fresh notification ids and modstamps), so every run does the full durable
work: parse, stale check, idempotency record, enqueue. The baseline, measured in the same run, is
the least any webhook must do per campaign on the same moto backend: one DynamoDB put and one SQS
send. Results are ratios to it, so they compare across machines.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from moto import mock_aws

from emulators.outbound_messages import next_notification_id
from emulators.world import World, quiet_powertools

RUNS = 30


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


def measure(world: World, campaign_ids: list[str], count: int) -> list[float]:
    samples = []
    world.deliver(world.message(_campaign_notifications(world, campaign_ids, count, 0)))  # warm up
    for run in range(1, RUNS + 1):
        xml = world.message(_campaign_notifications(world, campaign_ids, count, run))
        started = time.perf_counter()
        reply = world.deliver(xml)
        samples.append(time.perf_counter() - started)
        assert reply["statusCode"] == 200, reply["body"]
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


def main() -> None:
    quiet_powertools()
    with mock_aws():
        world = World.create()
        campaigns = [f"70150000000{n:04d}AAA" for n in range(37)]
        base = _median_ms(baseline(world))
        one = _median_ms(measure(world, campaigns[:1], 1))
        hundred = _median_ms(measure(world, campaigns, 100))
    print(f"webhook benchmark, median of {RUNS} warm runs (moto in-process)")
    print(f"  baseline: 1 DynamoDB put + 1 SQS send      {base:8.2f} ms   1.0x")
    print(f"  1 notification  (1 campaign)             {one:8.2f} ms  {one / base:5.1f}x")
    print(
        f"  100 notifications (37 campaigns)         {hundred:8.2f} ms  {hundred / base:5.1f}x"
        f"  ({hundred / 37 / base:.1f}x per campaign)"
    )


if __name__ == "__main__":
    main()
