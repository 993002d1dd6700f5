"""The Marketo adapter against the emulator: batching to the API's maximum, paging, retries."""

from datetime import UTC, datetime

import pytest

from emulators.marketo import MarketoEmulator
from touchpoints.adapters.marketo import (
    MarketoError,
    MarketoQuotaExceededError,
    MarketoSecretError,
    MarketoUnavailableError,
    connect_marketo,
)

STATUSES = ["Registered", "Attended"]


@pytest.fixture
def mkto() -> MarketoEmulator:
    mkto = MarketoEmulator(now=datetime(2026, 1, 10, tzinfo=UTC))
    mkto.add_channel("Conference", [("Registered", 20), ("Attended", 30, True)])
    return mkto


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(mkto, sleeps):
    secret = {
        "base_url": mkto.base_url,
        "client_id": mkto.client_id,
        "client_secret": mkto.client_secret,
    }
    return connect_marketo(secret, mkto.session(), sleeps.append)


def test_members_are_read_and_written_300_a_call(mkto, client):
    program_id = mkto.add_program("Big Event", "Conference")
    lead_ids = [mkto.add_lead(f"p{n}@example.com") for n in range(650)]

    writes = client.set_member_status(program_id, "Registered", lead_ids)
    members = client.program_members(program_id, STATUSES)

    assert all(w.success for w in writes)
    assert len(writes) == 650
    assert mkto.calls["members_status"] == 3  # 300 + 300 + 50
    assert members == dict.fromkeys(lead_ids, "Registered")
    assert mkto.calls["members_get"] == 3
    assert mkto.calls["token"] == 1  # one token for the whole run

    removed = client.remove_members(program_id, lead_ids[:301])
    assert len(removed) == 301
    assert all(w.success for w in removed)
    assert mkto.calls["members_delete"] == 2
    again = client.remove_members(program_id, lead_ids[:1])  # already gone counts as done
    assert again[0].success


def test_leads_are_looked_up_and_created_in_batches(mkto, client):
    ids = [mkto.add_lead(f"p{n}@example.com", lastName=f"P{n}") for n in range(350)]
    assert len(client.leads_by_id(ids)) == 350
    assert mkto.calls["leads_get"] == 2
    found = client.leads_by_email([f"P{n}@example.com".lower() for n in range(150)])
    assert len(found) == 150
    assert mkto.calls["leads_get"] == 4  # emails travel in the URL: 100 a call
    created = client.create_or_update_leads([{"email": "new@example.com", "lastName": "New"}])
    assert created == {"new@example.com": mkto.lead_by_email("new@example.com")["id"]}


def test_program_and_channel_read_through_the_asset_api(mkto, client):
    program_id = mkto.add_program("Event", "Conference", [{"startDate": "2026-01-01", "cost": 10}])
    program = client.get_program(program_id)
    assert (program.channel, program.period_costs) == ("Conference", (10.0,))
    assert client.get_program(424242) is None
    statuses = client.get_channel_statuses("Conference")
    assert [(s.name, s.step, s.success) for s in statuses] == [
        ("Not in Program", 0, False),
        ("Registered", 20, False),
        ("Attended", 30, True),
    ]
    assert client.get_channel_statuses("Nope") is None


def test_rate_limits_back_off_and_token_errors_renew_the_token(mkto, client, sleeps):
    mkto.inject_fault("606", 2, kinds=["channel_by_name"])
    mkto.inject_fault("615", 1, kinds=["channel_by_name"])
    mkto.inject_fault("602", 1, kinds=["channel_by_name"])
    assert client.get_channel_statuses("Conference") is not None
    assert len(sleeps) == 3
    assert sleeps[1] >= sleeps[0] * 0.5  # grows (with jitter)
    assert mkto.calls["token"] == 2
    assert mkto.calls["channel_by_name"] == 5


def test_a_spent_quota_stops_at_once(mkto, client, sleeps):
    mkto.inject_fault("607", kinds=["channel_by_name"])
    with pytest.raises(MarketoQuotaExceededError):
        client.get_channel_statuses("Conference")
    assert sleeps == []


def test_limits_that_never_clear_end_in_unavailable(mkto, client):
    mkto.inject_fault("606", 100)
    with pytest.raises(MarketoUnavailableError, match="606"):
        client.get_channel_statuses("Conference")


def test_other_errors_are_raised_with_their_code(mkto, client):
    with pytest.raises(MarketoError) as raised:
        client.set_member_status(99999, "Registered", [1])
    assert raised.value.code == "1013"


def test_bad_credentials_and_incomplete_secrets_are_clear(mkto):
    bad = {"base_url": mkto.base_url, "client_id": "x", "client_secret": "y"}
    with pytest.raises(MarketoError, match="401"):
        connect_marketo(bad, mkto.session()).get_program(1)
    with pytest.raises(MarketoSecretError, match="client_secret"):
        connect_marketo({"base_url": mkto.base_url, "client_id": "x"})


def test_a_run_longer_than_the_rate_window_waits_and_completes():
    mkto = MarketoEmulator(rate_limit=(100, 20), now=datetime(2026, 1, 10, tzinfo=UTC))
    mkto.add_channel("Conference", [("Registered", 20)])
    program_id = mkto.add_program("Event", "Conference")
    secret = {
        "base_url": mkto.base_url,
        "client_id": mkto.client_id,
        "client_secret": mkto.client_secret,
    }
    waited = []

    def sleep(seconds: float) -> None:  # time passes on the emulator's clock
        waited.append(seconds)
        mkto.advance(seconds=seconds)

    client = connect_marketo(secret, mkto.session(), sleep)
    programs = [client.get_program(program_id) for _ in range(250)]

    assert all(p is not None for p in programs)
    assert waited  # it hit 606 and backed off instead of failing
    assert mkto.calls["program_get"] - len(waited) == 250  # every refused call was repeated
