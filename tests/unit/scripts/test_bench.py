"""The benchmark's lower bounds, its one results table and its AWS clock (scripts/bench.py)."""

import dataclasses
import time
from collections import Counter

import boto3
import pytest

from scripts.bench import CHANGED, FIRST, NO_CHANGE, AwsClock, Row, lower_bound, render
from scripts.bench_dynamodb import InProcessDynamoDB
from touchpoints.adapters.dynamodb import TABLE_CLIENT_CONFIG

A_WEBHOOK = {"aws_calls": 12, "outside_aws_ms": 31.5}


def a_row(size: int, run: str, http: dict, product: dict | None = None, changes: int = 0) -> Row:
    return Row(
        size=size,
        run=run,
        changes=changes,
        http_calls=Counter(http),
        product_calls=Counter(http if product is None else product),
        invocations=1,
        wall=2.0,
        baseline=1.0,
        aws_seconds=0.5,
        aws_calls=12,
        peak_bytes=3 * 2**20,
        dynamodb="in-process",
    )


LOGIN = 1  # each run is made in a fresh Lambda environment, which logs in once


def test_rest_bound_is_login_campaign_read_query_pages_and_collection_writes():
    assert lower_bound("rest", 1000, 1000) == LOGIN + 1 + 1 + 5
    assert lower_bound("rest", 4001, 0) == LOGIN + 1 + 3
    assert lower_bound("rest", 0, 0) == LOGIN + 1 + 1  # an empty campaign still costs one query


def test_bulk_bound_is_login_constant_reads_results_pages_and_one_ingest_job():
    assert lower_bound("bulk", 1_000_000, 1_000_000) == LOGIN + 3 + 10 + 5  # pages of 100,000
    assert lower_bound("bulk", 1_000_000, 0) == LOGIN + 3 + 10
    assert lower_bound("bulk", 1_000_000, 1_000_000, bulk_page=50_000) == LOGIN + 3 + 20 + 5


def test_few_writes_count_as_collection_calls_when_cheaper_than_an_ingest_job():
    assert lower_bound("bulk", 10_000, 100) == LOGIN + 3 + 1 + 1
    assert lower_bound("bulk", 10_000, 1000) == LOGIN + 3 + 1 + 5


def test_statuses_written_back_add_collection_calls_or_one_update_job():
    assert lower_bound("rest", 1000, 1000, statuses=1000) == LOGIN + 1 + 1 + 5 + 4
    assert lower_bound("rest", 100, 100, statuses=100) == LOGIN + 1 + 1 + 1 + 1
    # 1M members, first run, write-back: reads, the upsert job, the status update job
    assert lower_bound("bulk", 1_000_000, 1_000_000, statuses=1_000_000) == LOGIN + 3 + 10 + 5 + 4


def test_each_lambda_environment_the_run_uses_adds_its_login():
    """A warm environment (a session held) logs in no more; each fresh one logs in once."""
    assert lower_bound("rest", 1000, 0, logins=0) == 1 + 1
    assert lower_bound("rest", 1000, 0, logins=3) == 3 + 1 + 1


def test_unknown_path_is_refused():
    with pytest.raises(ValueError, match="read path"):
        lower_bound("soap", 10, 0)


def test_table_shows_both_counters_and_flags_their_disagreement():
    bulk = {"query": 3, "bulk2_create_job": 2, "bulk2_poll": 3, "bulk2_results": 3}
    rows = [
        a_row(1_000_000, FIRST, bulk, product={"query": 3, "bulk2_results": 4}, changes=10),
        a_row(1_000_000, NO_CHANGE, {"query": 2, "bulk2_results": 100}),
    ]
    table = render(rows, A_WEBHOOK).splitlines()
    first, rerun = table[2], table[3]
    assert first.split()[:7] == ["1,000,000", "first", "run", "bulk", "11", "7", "NO"]
    assert rerun.split()[:7] == ["1,000,000", "no-change", "rerun", "bulk", "102", "102", "yes"]
    assert "<=20, 0w" in rerun
    assert "MISSED" in rerun
    assert any(
        line.startswith("counters disagree at 1,000,000 first run:")
        and "bulk2_poll http=3 product=0" in line
        for line in table
    )


def test_goal_is_met_only_within_calls_and_writes():
    within = a_row(1_000_000, CHANGED, {"query": 60, "composite_upsert": 5}, changes=10_000)
    no_change_with_a_write = a_row(1_000_000, NO_CHANGE, {"query": 5, "composite_upsert": 1})
    assert within.verdict() == "met"
    assert no_change_with_a_write.writes == 1
    assert no_change_with_a_write.verdict() == "MISSED"
    assert a_row(10, FIRST, {"query": 2}).verdict() == "-"


def test_webhook_row_shows_its_figures_against_the_goal():
    measured = render([], A_WEBHOOK)
    assert "12 AWS calls, 31.5 ms outside AWS" in measured
    assert "met" in measured
    too_slow = render([], {"aws_calls": 12, "outside_aws_ms": 50.5})
    assert "MISSED" in too_slow
    too_many_calls = render([], {"aws_calls": 21, "outside_aws_ms": 1.0})
    assert "MISSED" in too_many_calls


def test_webhook_row_is_judged_on_cpu_time_when_measured():
    slow_wall_busy_machine = {"aws_calls": 9, "outside_aws_ms": 140.0, "outside_aws_cpu_ms": 30.0}
    measured = render([], slow_wall_busy_machine)
    assert "140.0 ms outside AWS (30.0 ms CPU)" in measured
    assert "met" in measured
    assert "MISSED" in render([], {**slow_wall_busy_machine, "outside_aws_cpu_ms": 60.0})


def test_the_attribution_bench_scales_calls_by_messages_and_bounds_by_pages():
    from scripts.bench_attribution import Row, lower_bound

    # 1,000 persons: 3,000 touchpoints in 2 pages, creation dates in 1, 3,150 records in 16 calls
    assert lower_bound(1000, writes=False) == 3
    assert lower_bound(1000, writes=True) == 3 + 16
    row = Row(1000, "first pass", 70, 70, 25, 19, 2.0)
    assert row.calls_at_scale == 7000  # 7 calls a message, 1,000 messages
    assert row.per_second == 500


def test_the_fewest_dynamodb_calls_read_the_state_held_and_write_what_changed():
    first = a_row(100_000, FIRST, {"query": 50}, changes=100_000)
    rerun = dataclasses.replace(first, run=NO_CHANGE, changes=0, state_bytes=30 * 2**20 + 1)
    changed = dataclasses.replace(rerun, run=CHANGED, changes=1000)

    assert first.aws_bound == 1 + 4000 + 1  # an empty table still costs one query
    assert rerun.aws_bound == 31 + 0 + 1
    assert changed.aws_bound == 31 + 40 + 1


def test_each_figure_has_its_bound_beside_it_and_the_sdk_apart_from_the_product():
    row = dataclasses.replace(
        a_row(100_000, FIRST, {"query": 50}, changes=100_000),
        cpu_seconds=9.0,
        emulator_cpu_seconds=3.0,
        aws_cpu_seconds=1.0,
        sdk_cpu_seconds=2.5,
    )
    assert row.product_cpu == 2.5
    line = render([row], A_WEBHOOK).splitlines()[2].split()
    # SDK s, /100k, CPU s, /100k, CPU goal, rss MiB, dynamodb
    assert line[-7:] == ["2.50", "2.50", "2.50", "2.50", "<=2", "3.0", "in-process"]
    assert line[-9:-7] == ["12", "4002"]  # AWS n beside the fewest DynamoDB calls


def test_the_aws_clock_counts_the_stand_ins_cpu_apart_from_the_sdks():
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="bench", aws_secret_access_key="bench"
    )
    clock = AwsClock(session)  # before the client is made, as in the bench
    table = session.resource("dynamodb", config=TABLE_CLIENT_CONFIG).Table("bench")
    endpoint = InProcessDynamoDB("bench")
    endpoint.attach(table.meta.client)
    reply = endpoint.reply

    def busy_reply(request):  # a service that takes 50 ms of CPU a call
        started = time.process_time()
        while time.process_time() - started < 0.05:
            pass
        return reply(request)

    endpoint.reply = busy_reply
    for number in range(4):
        table.put_item(Item={"PK": "A", "SK": str(number)})

    assert clock.calls == 4
    assert clock.service_cpu_seconds >= 0.2
    assert 0 < clock.sdk_cpu_seconds < clock.service_cpu_seconds
