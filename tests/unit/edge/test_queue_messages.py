"""The queue functions read their messages without pydantic at import, yet exactly as the pydantic
models (the contract) read them: the same fields, the same copy details, the same refusals."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from touchpoints.edge.models.bulk_date_bodies import JobContinuation as JobContinuationModel
from touchpoints.edge.models.recompute import RecomputeMessage as RecomputeModel
from touchpoints.edge.queue_messages import read_job_continuation, read_recompute_message

CAMPAIGN = "701000000000001AAA"
JOB = "3f2b8c1e-6d7a-4e0b-9c55-0a1b2c3d4e5f"


def _read_both(body, fast_reader, model):
    try:
        expected = model.model_validate_json(body)
    except ValidationError:
        with pytest.raises(ValidationError):
            fast_reader(body)
        return None, None
    return fast_reader(body), expected


RECOMPUTE_BODIES = [
    {"campaign_id": CAMPAIGN, "cause": "outbound_message"},
    {"campaign_id": CAMPAIGN[:15], "cause": "sweep"},  # the 15-character form
    {"campaign_id": CAMPAIGN.lower(), "cause": "sweep"},  # an 18-character id in any case
    {"campaign_id": CAMPAIGN},
    {"campaign_id": CAMPAIGN, "cause": "continuation", "run_id": "r1", "full": True},
    {"campaign_id": CAMPAIGN, "run_id": None, "full": False, "limit_attempts": 0},
    {"campaign_id": CAMPAIGN, "limit_attempts": 3, "limited_since": "2026-01-15T10:00:00+00:00"},
    {"campaign_id": CAMPAIGN, "limited_since": "2026-01-15T10:00:00.120000Z"},
    {"campaign_id": CAMPAIGN, "limited_since": None},
    {"campaign_id": CAMPAIGN, "full": 1, "limit_attempts": True},  # lax forms pydantic coerces
    {"campaign_id": CAMPAIGN, "full": "yes", "limit_attempts": "2"},
    {"campaign_id": CAMPAIGN, "limit_attempts": 2.0},
    {"campaign_id": CAMPAIGN, "unknown": "ignored"},
    {"campaign_id": CAMPAIGN, "limit_attempts": -1},  # refused from here on
    {"campaign_id": CAMPAIGN, "full": "maybe"},
    {"campaign_id": CAMPAIGN, "cause": 3},
    {"campaign_id": CAMPAIGN, "run_id": 7},
    {"campaign_id": CAMPAIGN, "limited_since": "yesterday"},
    {"campaign_id": "701000000000001AAB"},  # a suffix that does not match
    {"campaign_id": CAMPAIGN + "\n"},
    {"campaign_id": 701000000000001},
    {"cause": "no campaign"},
    [CAMPAIGN],
]


@pytest.mark.parametrize("fields", RECOMPUTE_BODIES, ids=json.dumps)
def test_a_recompute_message_reads_as_the_model_reads_it(fields):
    _assert_same_recompute(json.dumps(fields))


@pytest.mark.parametrize("body", ["", "{", "null", '{"campaign_id": NaN}', "{'a': 1}"])
def test_a_recompute_message_that_is_not_a_json_object_is_refused_as_the_model_refuses_it(body):
    _assert_same_recompute(body)


json_values = (
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-3, 3) | st.text(max_size=8)
)


@settings(suppress_health_check=[HealthCheck.too_slow])  # a shared, loaded test machine
@given(
    st.fixed_dictionaries(
        {"campaign_id": st.sampled_from([CAMPAIGN, CAMPAIGN[:15], "x", 1])},
        optional={
            name: json_values | st.sampled_from(["2026-01-15T10:00:00Z", "true", "1"])
            for name in ("cause", "run_id", "full", "limit_attempts", "limited_since", "other")
        },
    )
)
def test_any_recompute_message_reads_as_the_model_reads_it(fields):
    _assert_same_recompute(json.dumps(fields))


def _assert_same_recompute(body):
    got, expected = _read_both(body, read_recompute_message, RecomputeModel)
    if expected is None:
        return
    assert (
        got.campaign_id,
        got.cause,
        got.run_id,
        got.full,
        got.limit_attempts,
        got.limited_since,
    ) == (
        expected.campaign_id,
        expected.cause,
        expected.run_id,
        expected.full,
        expected.limit_attempts,
        expected.limited_since,
    )
    assert json.dumps(got.details()) == json.dumps(expected.details())


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"job_id": JOB}),
        json.dumps({"job_id": JOB, "other": 1}),
        json.dumps({"job_id": JOB.upper()}),
        json.dumps({"job_id": JOB + "\n"}),
        json.dumps({"job_id": 1}),
        json.dumps({}),
        json.dumps([JOB]),
        "not json",
    ],
)
def test_a_job_continuation_reads_as_the_model_reads_it(body):
    got, expected = _read_both(body, read_job_continuation, JobContinuationModel)
    if expected is not None:
        assert got.job_id == expected.job_id
