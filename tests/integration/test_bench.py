"""The benchmark's own functions on a tiny campaign (scripts/bench.py): every row is produced, on
moto and on the in-process DynamoDB endpoint, with both call counters reported. Not timed."""

import pytest

from emulators.salesforce import LOGIN_KIND
from scripts.bench import (
    CHANGED,
    FIRST,
    FIRST_WRITE_BACK,
    NO_CHANGE,
    bench_size,
    bench_write_back,
    render,
)
from scripts.bench_memory import measure_first_run
from scripts.bench_sweep import measure_sweeps
from scripts.bench_sweep import render as render_sweeps
from scripts.bench_webhook import measure_message
from touchpoints.adapters.salesforce_transport import LOGIN


@pytest.mark.parametrize(("moto_up_to", "dynamodb"), [(50, "moto"), (0, "in-process")])
def test_fifty_members_give_three_rows_with_both_counters(moto_up_to, dynamodb):
    rows = bench_size(50, moto_up_to, report=lambda _: None)

    assert [row.run for row in rows] == [FIRST, NO_CHANGE, CHANGED]
    assert {row.dynamodb for row in rows} == {dynamodb}
    first, rerun, changed = rows
    assert first.http_calls["composite_upsert"] == 1  # 50 touchpoints in one collection call
    assert first.product_calls.total() > 0
    assert first.http_calls.total() >= first.bound
    assert rerun.writes == 0
    assert rerun.changes == 0
    assert changed.changes == 1
    assert changed.writes == 1
    assert all(row.path == "rest" and row.invocations >= 1 for row in rows)
    # each run in a fresh Lambda environment, with a JWT secret: one login, counted by both
    assert [row.http_calls[LOGIN_KIND] for row in rows] == [1, 1, 1]
    assert [row.product_calls[LOGIN] for row in rows] == [1, 1, 1]
    assert all(row.counters_agree for row in rows)
    assert all(row.aws_calls >= row.aws_bound > 0 for row in rows)
    assert all(row.sdk_cpu_seconds > 0 and row.aws_cpu_seconds >= 0 for row in rows)
    assert all(row.product_cpu > 0 and row.peak_bytes >= 0 for row in rows)
    table = render(rows, {"aws_calls": 3, "outside_aws_ms": 1.0})
    assert table.count("\n       50 ") == 3
    assert "product" in table.splitlines()[0]
    assert "http" in table.splitlines()[0]


def test_the_write_back_row_is_a_first_run_that_also_writes_every_members_status():
    row = bench_write_back(50, 50, report=lambda _: None)

    assert (row.run, row.changes, row.statuses) == (FIRST_WRITE_BACK, 50, 50)
    assert row.http_calls["composite_upsert"] == 1  # 50 touchpoints in one collection call
    assert row.http_calls["composite_update"] == 1  # 50 statuses in one collection call
    assert row.http_calls.total() >= row.bound
    assert row.counters_agree


def test_webhook_message_is_measured_in_a_world_of_its_own():
    figures = measure_message(notifications=10, campaigns=4, runs=2)

    assert 0 < figures["aws_calls"] <= 20  # at least the idempotency write and the enqueue
    assert figures["outside_aws_ms"] > 0
    assert 0 < figures["outside_aws_cpu_ms"] <= figures["outside_aws_ms"] * 1.5


def test_the_sweep_bench_counts_calls_with_nothing_changed_and_per_change():
    rows = {row.change: row for row in measure_sweeps(campaigns=5, size=3)}

    assert (rows["nothing changed"].salesforce_calls, rows["nothing changed"].enqueued) == (7, 0)
    assert all(row.enqueued == 1 for name, row in rows.items() if name != "nothing changed")
    assert max(row.salesforce_calls for row in rows.values()) <= 8
    assert "Salesforce calls" in render_sweeps(list(rows.values())).splitlines()[0]


def test_the_memory_bench_traces_a_first_run_apart_from_the_emulator_and_the_stand_in():
    row = measure_first_run(50)

    assert row.size == 50
    assert 0 < row.peak_bytes < 50 * 2**20  # 50 members: the product's own, not the org's
