import json
from dataclasses import replace
from pathlib import Path

import pytest

from touchpoints.edge.attribution_messages import (
    InvalidAttributionMessageError,
    read_attribution_message,
)
from touchpoints.ports.attribution import PERSONS_PER_MESSAGE

SAMPLE = Path(__file__).resolve().parents[3] / "events" / "sqs-attribution.json"


def test_the_sample_event_is_a_message_the_function_reads():
    body = json.loads(SAMPLE.read_text())["Records"][0]["body"]
    message = read_attribution_message(body)
    assert message.person_ids == ("0035g000001AbCdAAK", "00Q5g000002XyZaEAK")
    assert message.cause == "touchpoints changed"


def test_fifteen_character_ids_are_read_in_their_eighteen_character_form():
    message = read_attribution_message('{"person_ids": ["0035g000001AbCd"]}')
    assert message.person_ids == ("0035g000001AbCdAAK",)
    assert message.cause == "unspecified"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"person_ids": []}',
        '{"person_ids": "0035g000001AbCdAAK"}',
        '{"person_ids": ["not an id"]}',
        '{"person_ids": [17]}',
        json.dumps({"person_ids": ["0035g000001AbCd"] * (PERSONS_PER_MESSAGE + 1)}),
    ],
)
def test_anything_else_is_refused(body):
    with pytest.raises(InvalidAttributionMessageError):
        read_attribution_message(body)


CONTINUATION = SAMPLE.with_name("sqs-attribution-bulk-continuation.json")


def test_a_bulk_continuation_names_its_ingest_jobs_and_polls():
    body = json.loads(CONTINUATION.read_text())["Records"][0]["body"]
    message = read_attribution_message(body)
    assert [(job.kind.value, job.job.operation) for job in message.bulk_jobs] == [
        ("touchpoints", "update"),
        ("attribution", "upsert"),
    ]
    assert message.polls == 1
    assert read_attribution_message(message.continued(list(message.bulk_jobs), 2)) == replace(
        message, polls=2
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"bulk_jobs": "7505g00000AbCdEAAV"},
        {"bulk_jobs": [{"id": "7505g00000AbCdEAAV"}]},
        {"bulk_jobs": [{"kind": "everything", "id": "1", "sobject": "X", "operation": "update"}]},
        {"polls": -1},
        {"polls": "1"},
    ],
)
def test_a_continuation_that_is_not_one_is_refused(extra):
    with pytest.raises(InvalidAttributionMessageError):
        read_attribution_message(json.dumps({"person_ids": ["0035g000001AbCd"], **extra}))
