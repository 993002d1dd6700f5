"""The recompute's own memory on a first run, at several sizes (`make bench-memory`).

`make bench`'s peak is the process's resident memory, which includes the in-process Salesforce
emulator (the touchpoints it creates stay in its store) and the in-process DynamoDB: both grow with
the campaign where the product must not. Here a first run is traced with tracemalloc, and what the
emulator and the stand-in's store keep of each call is set apart: the memory allocated inside a
Salesforce request, from the HTTP adapter down (less the reply body, which the product then holds,
as it would hold bytes read from the network), and inside the in-process DynamoDB's answers (less
the reply body likewise). The product's peak is tracemalloc's peak between two
such calls less what they keep; what it reads from either counts as its own.

Usage: python -m scripts.bench_memory [SIZES...]   (default: 10000 100000). A size takes about
twice its `make bench` first run (tracing); 1,000,000 needs ~5 GB for the seeded org.
"""

from __future__ import annotations

import argparse
import json
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws

from emulators.transport import EmulatorAdapter
from emulators.world import quiet_powertools
from scripts.bench import build, deliver_until_empty

DEFAULT_SIZES = (10_000, 100_000)
PEAK_MEMORY_GOAL_MIB = 150  # issue #18: the recompute's own peak at 1,000,000 members


@dataclass(frozen=True)
class MemoryRow:
    size: int
    peak_bytes: int  # the product's live traced memory at its highest


class ProductMemory:
    """The product's peak traced memory: tracemalloc's, less what the emulator and the stand-in
    keep of the calls made into them (`outside`)."""

    def __init__(self) -> None:
        self.outside = 0
        self.peak = 0

    def close_interval(self) -> None:
        _, peak = tracemalloc.get_traced_memory()
        self.peak = max(self.peak, peak - self.outside)

    def outside_call[T](self, call: Callable[[], T], handed_over: Callable[[T], int]) -> T:
        """Run `call` in the emulator or the stand-in; what it allocates and keeps is theirs, but
        for `handed_over(result)` bytes the product now holds."""
        self.close_interval()
        before, _ = tracemalloc.get_traced_memory()
        result = call()
        after, _ = tracemalloc.get_traced_memory()
        self.outside += after - before - handed_over(result)
        tracemalloc.reset_peak()
        return result


def measure_first_run(size: int) -> MemoryRow:
    """A first run of `size` members on the DynamoDB stand-in, its memory sampled."""
    with mock_aws():
        bench = build(size, moto_up_to=0)
        sqs = boto3.session.Session(region_name="eu-west-1").client("sqs")
        sqs.send_message(
            QueueUrl=bench.world.queue_url,
            MessageBody=json.dumps({"campaign_id": bench.campaign_id, "cause": "bench"}),
            MessageGroupId=bench.campaign_id,
            MessageDeduplicationId="bench-memory",
        )
        memory = ProductMemory()
        table = bench.stand_in
        assert table is not None
        reply, send = table.reply, EmulatorAdapter.send

        def sent(adapter: EmulatorAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
            return memory.outside_call(
                lambda: send(adapter, request, *args, **kwargs), lambda reply: len(reply.content)
            )

        EmulatorAdapter.send = sent  # type: ignore[method-assign]
        table.reply = lambda request: memory.outside_call(  # type: ignore[method-assign]
            lambda: reply(request), lambda response: len(response.content)
        )
        tracemalloc.start()
        try:
            deliver_until_empty(bench, sqs)
            memory.close_interval()
        finally:
            tracemalloc.stop()
            EmulatorAdapter.send = send  # type: ignore[method-assign]
        assert len(bench.world.touchpoints()) == size
        return MemoryRow(size, memory.peak)


def render(rows: list[MemoryRow]) -> str:
    lines = [f"{'members':>9} {'product peak MiB':>16} {'goal':<5} verdict"]
    lines += [
        f"{row.size:>9,} {row.peak_bytes / 2**20:>16.1f} {'<=' + str(PEAK_MEMORY_GOAL_MIB):<5} "
        f"{'met' if row.peak_bytes <= PEAK_MEMORY_GOAL_MIB * 2**20 else 'MISSED'}"
        for row in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    args = parser.parse_args(argv)
    quiet_powertools()
    rows = []
    for size in args.sizes:
        rows.append(measure_first_run(size))
        print(render(rows[-1:]).splitlines()[-1], flush=True)
    print(render(rows))


if __name__ == "__main__":
    main()
