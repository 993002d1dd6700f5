"""Every read of what an earlier invocation wrote (checkpoint, write intent, state ranges, summary,
sweep watermark, a bulk date job) is strongly consistent: DynamoDB's default, eventually
consistent read may miss a write made a moment before (Amazon DynamoDB Developer Guide, "Read
consistency": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html).
moto does not model staleness, so the test reads the requests as they go over the wire."""

import pytest

from touchpoints.adapters.job_store import JobStore
from touchpoints.adapters.state_store import StateStore

CAMPAIGN = "701000000000001AAA"


@pytest.fixture
def table_client_and_reads(state_table_and_client):
    table, client = state_table_and_client
    reads: list[tuple[str, dict]] = []

    def record(params, model, **_):
        reads.append((model.name, params))

    # the state store's members go through a low-level client, the rest through the table's
    for recorded in (table.meta.client, client):
        recorded.meta.events.register("before-parameter-build.dynamodb.*", record)
    return table, client, reads


def _consistent(operation: str, params: dict) -> bool:
    if operation == "BatchGetItem":
        return all(request.get("ConsistentRead") for request in params["RequestItems"].values())
    return params.get("ConsistentRead") is True


@pytest.mark.parametrize(
    "read",
    [
        lambda store: store.load_checkpoint(CAMPAIGN),
        lambda store: store.load_write_intent(CAMPAIGN),
        lambda store: store.load_summary(CAMPAIGN),
        lambda store: store.load_sweep(),
        lambda store: store.load_members_range(CAMPAIGN, "", None),
        lambda store: store.load_members_by_ids(CAMPAIGN, ["00v000000000001AAA"]),
    ],
    ids=[
        "checkpoint",
        "write intent",
        "summary",
        "sweep watermark and checkpoint",
        "range",
        "by ids",
    ],
)
def test_a_run_reads_its_own_state_strongly_consistent(table_client_and_reads, read):
    table, client, reads = table_client_and_reads

    read(StateStore(table, client))

    assert reads
    assert all(_consistent(operation, params) for operation, params in reads), reads


def test_a_bulk_date_jobs_continuation_reads_its_job_strongly_consistent(table_client_and_reads):
    table, _, reads = table_client_and_reads

    JobStore(table, retention_days=30).load("job-1")

    assert [_consistent(operation, params) for operation, params in reads] == [True]
