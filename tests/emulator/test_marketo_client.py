"""The Marketo adapter against the emulator: batching to the API's maximum, paging, retries."""

from datetime import UTC, datetime

import pytest

from emulators.marketo import MarketoEmulator
from touchpoints.adapters.marketo import MarketoSecretError, connect_marketo
from touchpoints.errors import (
    MarketoError,
    MarketoQuotaExceededError,
    MarketoRequestTooLargeError,
    MarketoUnavailableError,
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


@pytest.mark.parametrize("code", ["604", "608", "611", "713"])
def test_transient_codes_are_retried_with_backoff(mkto, client, sleeps, code):
    """Error Codes: 604 request time-out, 608 API temporarily unavailable, 611 system error,
    713 transient error ("wait for time and then retry"). Source:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes"""
    mkto.inject_fault(code, 2, kinds=["channel_by_name"])
    assert client.get_channel_statuses("Conference") is not None
    assert len(sleeps) == 2
    assert mkto.calls["channel_by_name"] == 3


def test_702_no_data_found_is_not_found(mkto, client):
    """Error Codes: 702 "No data found for a given search scenario". Source:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes"""
    assert client.get_program(424242) is None


def test_1037_skips_are_told_apart_by_seq(mkto, client):
    """Program Members: a skipped record carries `seq` and reasons but no leadId; 1037 on a status
    write means already in or past it, on a delete not in the program. Source:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/program-members"""
    program_id = mkto.add_program("Event", "Conference")
    ann, bob = mkto.add_lead("ann@example.com"), mkto.add_lead("bob@example.com")
    mkto.set_member(program_id, ann, "Attended")

    writes = client.set_member_status(program_id, "Registered", [ann, bob])
    removed = client.remove_members(program_id, [bob, 999_999])

    assert [(w.lead_id, w.success, w.at_or_past) for w in writes] == [
        (ann, False, True),
        (bob, True, False),
    ]
    assert [(w.lead_id, w.success) for w in removed] == [(bob, True), (999_999, True)]
    assert client.member_statuses(program_id, [ann, bob]) == {ann: "Attended"}


def test_a_program_above_the_member_query_limit_is_read_through_a_bulk_extract(sleeps):
    """Program Members, "Query": above 100,000 members a statusName query answers 1003 and the
    Bulk Program Member Extract API is the way to read it; its job status is polled no more than
    once a minute. Sources:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/program-members
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-program-member-extract"""
    mkto = MarketoEmulator(membership_filter_limit=5, now=datetime(2026, 1, 10, tzinfo=UTC))
    mkto.add_channel("Conference", [("Registered", 20), ("Attended", 30, True)])
    program_id = mkto.add_program("Big Event", "Conference")
    lead_ids = [mkto.add_lead(f"p{n}@example.com") for n in range(8)]
    for lead_id in lead_ids:
        mkto.set_member(program_id, lead_id, "Registered")
    secret = {
        "base_url": mkto.base_url,
        "client_id": mkto.client_id,
        "client_secret": mkto.client_secret,
    }
    client = connect_marketo(secret, mkto.session(), sleeps.append)

    assert client.program_members(program_id, STATUSES) == dict.fromkeys(lead_ids, "Registered")
    assert mkto.calls["members_get"] == 1  # refused with 1003
    assert mkto.calls["export_create"] == mkto.calls["export_enqueue"] == 1
    assert mkto.calls["export_status"] == 2
    assert sleeps == [60.0, 60.0]


def test_a_get_longer_than_8kb_goes_as_a_post_and_a_413_is_a_clear_error(mkto, sleeps):
    """Error Codes, HTTP-level: 414 above 8 KB of URI (retry as POST with _method=GET and the
    query string in the body); 413 above 1 MB of body. Neither reply is JSON. Source:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes"""
    session, sent = mkto.session(), []
    session.hooks["response"].append(lambda reply, **_: sent.append(reply.request.method))
    secret = {"base_url": mkto.base_url, "client_id": mkto.client_id}
    client = connect_marketo(
        {**secret, "client_secret": mkto.client_secret}, session, sleeps.append
    )
    mkto.add_lead("ann@example.com")
    long_tail = "with.a.rather.long.address.that.pads.the.query.string.past.8kb"
    emails = ["ann@example.com", *(f"someone.{n}.{long_tail}@example.com" for n in range(99))]

    assert [lead.email for lead in client.leads_by_email(emails)] == ["ann@example.com"]
    assert sent == ["GET", "POST"]  # the token, then the lookup as a form POST

    mkto.inject_fault("413", kinds=["members_status"])
    program_id = mkto.add_program("Event", "Conference")
    with pytest.raises(MarketoRequestTooLargeError, match="Request Entity Too Large"):
        client.set_member_status(program_id, "Registered", [1001])


def test_leads_are_found_by_their_salesforce_link(mkto, client):
    """Get Leads by Filter Type: filterType accepts sfdcContactId and sfdcLeadId. Source:
    https://developer.adobe.com/marketo-apis/api/mapi/#tag/Leads/operation/getLeadsByFilterUsingGET"""
    contact = mkto.add_lead("ann@example.com", sfdcContactId="003000000000001AAA")
    lead = mkto.add_lead("bob@example.com", sfdcLeadId="00Q000000000001AAA")
    found = client.leads_by_salesforce_id(["003000000000001AAA", "00Q000000000001AAA"])
    assert {(x.id, x.sfdc_contact_id, x.sfdc_lead_id) for x in found} == {
        (contact, "003000000000001AAA", None),
        (lead, None, "00Q000000000001AAA"),
    }
