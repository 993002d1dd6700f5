"""What the sweep and the program sync sample to warn before a daily budget runs out: Salesforce's
Limits resource and Marketo's daily usage, as each product documents them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from emulators.marketo import MarketoEmulator
from tests.emulator.test_marketo_emulator import get, token


@pytest.fixture
def mkto() -> MarketoEmulator:
    return MarketoEmulator(now=datetime(2026, 1, 10, tzinfo=UTC))


@pytest.fixture
def http(mkto: MarketoEmulator) -> requests.Session:
    return mkto.session()


def test_salesforce_limits_answer_daily_api_requests_max_and_remaining(org):
    """Salesforce REST API Developer Guide, "Limits" (`GET /services/data/vXX.X/limits/`): lists
    the org's limits, each as `{"Max", "Remaining"}`, `DailyApiRequests` among them.
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm"""
    org.daily_limit = 1000
    http = org.session()
    headers = {"Authorization": "Bearer token"}
    for _ in range(3):
        http.get(
            f"{org.instance_url}/services/data/v62.0/query",
            params={"q": "SELECT Id FROM Lead"},
            headers=headers,
        )

    reply = http.get(f"{org.instance_url}/services/data/v62.0/limits/", headers=headers)

    assert reply.status_code == 200
    daily = reply.json()["DailyApiRequests"]
    assert daily["Max"] == 1000
    assert daily["Remaining"] == 1000 - 4  # three queries and this request


def test_marketo_daily_usage_counts_todays_calls_per_user(mkto, http):
    """Marketo Engage developer docs, "Usage" (`GET /rest/v1/stats/usage.json`): today's API
    usage, `result` one object per day with `date`, `total` and `users` [{`userId`, `count`}].
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/usage"""
    bearer = token(mkto, http)
    get(mkto, http, "/rest/asset/v1/channels.json", bearer)
    get(mkto, http, "/rest/v1/leads.json", bearer, filterType="email", filterValues="a@b.c")

    reply = get(mkto, http, "/rest/v1/stats/usage.json", bearer)

    assert reply["success"] is True
    [today] = reply["result"]
    assert today["date"] == "2026-01-10"
    assert today["total"] == 3  # two calls and this one; the token request is not an API call
    assert today["users"] == [{"userId": "api-user@acme.com", "count": 3}]
