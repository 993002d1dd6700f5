"""One entry-point decorator stack for every function: metrics flushed, the invocation traced, the
Lambda context in every log line, and the production dependencies unless a test hands in its own."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from touchpoints.settings import load_settings
from touchpoints.tracing import function_tracer
from touchpoints.wiring import Dependencies

# One service name and namespace (template.yaml's POWERTOOLS_*): the alarms match its dimension.
logger = Logger()
tracer = function_tracer()  # botocore at once, requests when first imported
metrics = Metrics(namespace="OfflineTouchpoints")

Handler = Callable[[dict[str, Any], Any, Dependencies], Any]

# The cycle collector's youngest generation is collected after this many net allocations (Python's
# default is 2,000): a recompute allocates a few objects per member, nearly all freed at once by
# reference counting, so collecting every 2,000 mostly walks live objects and finds no cycles;
# what this delays is only cyclic garbage (a few MB at most), never memory that is freed now.
YOUNG_COLLECTION_THRESHOLD = 200_000


def add_counts(counts: Mapping[str, float], unit: MetricUnit = MetricUnit.Count) -> None:
    """Metrics by name, counts unless `unit` says otherwise."""
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=unit, value=value)


@functools.cache
def default_dependencies() -> Dependencies:
    """The composition root, built once per execution environment from the environment."""
    return Dependencies(load_settings())


@functools.cache
def settle_heap() -> None:
    """Once per execution environment, at its first invocation: what initialisation built
    (modules, clients, settings) lives as long as the environment, so the cycle collector stops
    walking it on every full collection (`gc.freeze`), and young collections come less often."""
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


def lambda_entry(handler: Handler) -> Callable[..., Any]:
    """`handler(event, context, deps)` as Lambda calls it: `lambda_handler(event, context,
    deps=None)`, wearing the metrics / tracer / logger decorators."""

    @metrics.log_metrics(capture_cold_start_metric=True)  # ColdStart, by function_name
    @tracer.capture_lambda_handler
    @logger.inject_lambda_context
    @functools.wraps(handler)
    def lambda_handler(
        event: dict[str, Any], context: Any, deps: Dependencies | None = None
    ) -> Any:
        dependencies = deps or default_dependencies()
        settle_heap()  # after the dependencies: their clients live as long as the environment
        return handler(event, context, dependencies)

    entry: Callable[..., Any] = lambda_handler  # (Powertools' decorators are untyped)
    return entry
