"""The Marketo emulator speaks Marketo's REST wire protocol: token, envelope, paging, faults."""

from datetime import UTC, datetime

import pytest
import requests

from emulators.marketo import MarketoEmulator


@pytest.fixture
def mkto() -> MarketoEmulator:
    mkto = MarketoEmulator(now=datetime(2026, 1, 10, tzinfo=UTC))
    mkto.add_channel("Conference", [("Registered", 20), ("Attended", 30, True)])
    return mkto


@pytest.fixture
def http(mkto: MarketoEmulator) -> requests.Session:
    return mkto.session()


def token(mkto: MarketoEmulator, http: requests.Session) -> str:
    reply = http.get(
        f"{mkto.base_url}/identity/oauth/token",
        params={
            "grant_type": "client_credentials",
            "client_id": mkto.client_id,
            "client_secret": mkto.client_secret,
        },
    ).json()
    assert reply["token_type"] == "bearer"
    assert reply["expires_in"] == 3600
    return reply["access_token"]


def get(mkto, http, path, bearer, **params):
    return http.get(
        f"{mkto.base_url}{path}", params=params, headers={"Authorization": f"Bearer {bearer}"}
    ).json()


def post(mkto, http, path, bearer, body):
    return http.post(
        f"{mkto.base_url}{path}", json=body, headers={"Authorization": f"Bearer {bearer}"}
    ).json()


def test_bad_client_credentials_are_refused(mkto, http):
    reply = http.get(
        f"{mkto.base_url}/identity/oauth/token",
        params={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
    )
    assert reply.status_code == 401
    assert reply.json()["error"] == "unauthorized"


def test_calls_without_a_valid_token_get_the_error_envelope(mkto, http):
    reply = get(mkto, http, "/rest/asset/v1/channels.json", "not-a-token")
    assert reply["success"] is False
    assert reply["errors"] == [{"code": "601", "message": "Access token invalid"}]
    assert "requestId" in reply


def test_an_expired_token_answers_602(mkto, http):
    bearer = token(mkto, http)
    mkto.expire_tokens()
    assert get(mkto, http, "/rest/asset/v1/channels.json", bearer)["errors"][0]["code"] == "602"


def test_program_carries_channel_and_period_costs(mkto, http):
    program_id = mkto.add_program(
        "January Conference", "Conference", [{"startDate": "2026-01-01", "cost": 5000}]
    )
    bearer = token(mkto, http)
    program = get(mkto, http, f"/rest/asset/v1/program/{program_id}.json", bearer)["result"][0]
    assert program["channel"] == "Conference"
    assert program["costs"] == [{"startDate": "2026-01-01", "cost": 5000}]
    channel = get(mkto, http, "/rest/asset/v1/channel/byName.json", bearer, name="Conference")
    statuses = [s["name"] for s in channel["result"][0]["progressionStatuses"]]
    assert statuses == ["Not in Program", "Registered", "Attended"]
    missing = get(mkto, http, "/rest/asset/v1/program/9999.json", bearer)
    assert missing["success"] is True
    assert "result" not in missing


def test_members_page_with_a_next_page_token(mkto, http):
    program_id = mkto.add_program("January Conference", "Conference")
    for number in range(7):
        mkto.set_member(program_id, mkto.add_lead(f"p{number}@example.com"), "Registered")
    bearer = token(mkto, http)
    path = f"/rest/v1/programs/{program_id}/members.json"
    seen, page_token = [], None
    while True:
        params = {"filterType": "statusName", "filterValues": "Registered,Attended"}
        params |= {"batchSize": 3, "fields": "leadId,statusName"}
        if page_token:
            params["nextPageToken"] = page_token
        reply = get(mkto, http, path, bearer, **params)
        seen.extend(reply["result"])
        page_token = reply.get("nextPageToken")
        if not reply["moreResult"]:
            break
    assert len(seen) == 7
    assert {m["statusName"] for m in seen} == {"Registered"}
    assert mkto.calls["members_get"] == 3
    no_filter = get(mkto, http, path, bearer)
    assert no_filter["success"] is False
    assert no_filter["errors"][0]["code"] == "1003"


def test_member_status_and_delete_are_batched_by_lead_id(mkto, http):
    program_id = mkto.add_program("January Conference", "Conference")
    ann, bob = mkto.add_lead("ann@example.com"), mkto.add_lead("bob@example.com")
    bearer = token(mkto, http)
    base = f"/rest/v1/programs/{program_id}/members"
    body = {"statusName": "Attended", "input": [{"leadId": ann}, {"leadId": bob}]}
    reply = post(mkto, http, f"{base}/status.json", bearer, body)
    assert [r["status"] for r in reply["result"]] == ["created", "created"]
    assert mkto.members(program_id) == {ann: "Attended", bob: "Attended"}
    again = post(mkto, http, f"{base}/status.json", bearer, body)
    assert [r["status"] for r in again["result"]] == ["skipped", "skipped"]
    bad = post(mkto, http, f"{base}/status.json", bearer, {**body, "statusName": "Sent"})
    assert bad["errors"][0]["code"] == "1003"
    reply = post(mkto, http, f"{base}/delete.json", bearer, {"input": [{"leadId": ann}]})
    assert reply["result"] == [{"seq": 0, "leadId": ann, "status": "deleted"}]
    assert mkto.members(program_id) == {bob: "Attended"}


def test_leads_by_email_and_create_or_update(mkto, http):
    mkto.add_lead("ann@example.com", lastName="Ann")
    bearer = token(mkto, http)
    found = get(
        mkto,
        http,
        "/rest/v1/leads.json",
        bearer,
        filterType="email",
        filterValues="ANN@example.com",
    )
    assert [lead["email"] for lead in found["result"]] == ["ann@example.com"]
    body = {
        "action": "createOrUpdate",
        "lookupField": "email",
        "input": [{"email": "ann@example.com"}, {"email": "cy@example.com", "lastName": "Cy"}],
    }
    reply = post(mkto, http, "/rest/v1/leads.json", bearer, body)
    assert [r["status"] for r in reply["result"]] == ["updated", "created"]
    assert mkto.lead_by_email("cy@example.com")["lastName"] == "Cy"


@pytest.mark.parametrize("code", ["606", "615", "607", "601", "602"])
def test_injected_faults_answer_with_the_code_then_recover(mkto, http, code):
    bearer = token(mkto, http)
    mkto.inject_fault(code, kinds=["channels"])
    assert get(mkto, http, "/rest/asset/v1/channels.json", bearer)["errors"][0]["code"] == code
    assert get(mkto, http, "/rest/asset/v1/channels.json", bearer)["success"] is True
    assert mkto.calls["channels"] == 2


def test_a_dropped_connection_raises(mkto, http):
    bearer = token(mkto, http)
    mkto.inject_fault("connection")
    with pytest.raises(requests.ConnectionError):
        get(mkto, http, "/rest/asset/v1/channels.json", bearer)


def test_the_daily_quota_answers_607():
    mkto = MarketoEmulator(daily_quota=2)
    http = mkto.session()
    bearer = token(mkto, http)
    for _ in range(2):
        assert get(mkto, http, "/rest/asset/v1/channels.json", bearer)["success"] is True
    assert get(mkto, http, "/rest/asset/v1/channels.json", bearer)["errors"][0]["code"] == "607"
    assert mkto.write_calls == 0


def test_past_100_calls_in_20_seconds_answers_606_until_the_window_moves():
    mkto = MarketoEmulator(rate_limit=(100, 20), now=datetime(2026, 1, 10, tzinfo=UTC))
    http = mkto.session()
    bearer = token(mkto, http)
    replies = [get(mkto, http, "/rest/asset/v1/channels.json", bearer) for _ in range(101)]
    assert replies[99]["success"] is True
    assert replies[100]["errors"][0]["code"] == "606"
    mkto.advance(seconds=20)
    assert get(mkto, http, "/rest/asset/v1/channels.json", bearer)["success"] is True
