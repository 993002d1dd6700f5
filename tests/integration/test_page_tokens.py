"""Every paged admin route refuses a `next` it did not issue with a 4xx in the API's error shape,
before the table is asked: a 2,000-character token would otherwise reach DynamoDB as a sort key
over its 1,024-byte limit (refused by DynamoDB, and by the World's table: tests/emulator/
test_dynamodb_limits.py), a 5xx."""

from __future__ import annotations

import base64
import json

import pytest

from tests.integration.seeds import a_campaign, members
from tests.integration.test_bulk_date_update import GOOD, apply, get_job
from tests.integration.test_sync_status import recomputed, sync_status

FORGED = {
    "2,000 characters": "A" * 2000,
    "2,000 characters of base64": base64.urlsafe_b64encode(b"a" * 1500).decode(),
    "not base64": "%%%",
    "not an id": "hello",
    "an id with a bad suffix": "00v5g000000AbCdAAA",
    "an id with a quote": "00v5g000000AbCd'AA",
}


def error_of(reply) -> tuple[int, dict]:
    return reply["statusCode"], json.loads(reply["body"])


@pytest.mark.parametrize("token", FORGED.values(), ids=FORGED.keys())
@pytest.mark.parametrize("format", ["json", "csv"])
def test_sync_status_refuses_a_page_token_it_did_not_issue(world, token, format):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    recomputed(world, campaign_id)
    items_before = world.table_items()

    status, body = error_of(sync_status(world, campaign_id, format=format, next=token))

    assert (status, body["error"], body["field"]) == (400, "INVALID_PAGE_TOKEN", "next")
    assert token not in body["message"]
    assert world.table_items() == items_before


def test_sync_status_takes_back_the_token_it_issued(world):
    campaign_id = a_campaign(world.org)
    member_ids = members(world.org, campaign_id, 3)
    recomputed(world, campaign_id)

    first = json.loads(sync_status(world, campaign_id, limit="2")["body"])
    second = json.loads(sync_status(world, campaign_id, limit="2", next=first["next"])["body"])

    seen = [m["member_id"] for m in first["members"] + second["members"]]
    assert sorted(seen) == sorted(member_ids)
    assert second["next"] is None


@pytest.mark.parametrize("token", FORGED.values(), ids=FORGED.keys())
def test_a_jobs_errors_page_refuses_a_token_it_did_not_issue(world, token):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 1)
    _, job = apply(world, campaign_id, GOOD)
    items_before = world.table_items()

    status, body = get_job(world, job["job_id"], next=token)

    assert (status, body["error"], body["field"]) == (400, "INVALID_PAGE_TOKEN", "next")
    assert world.table_items() == items_before
