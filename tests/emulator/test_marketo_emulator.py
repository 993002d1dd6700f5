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
    assert missing["success"] is False
    assert missing["errors"][0]["code"] == "702"


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
    assert {r["reasons"][0]["code"] for r in again["result"]} == {"1037"}
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


@pytest.mark.parametrize("code", ["606", "615", "607", "601", "602", "604", "608", "611", "713"])
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


def test_a_status_at_or_behind_the_leads_step_is_skipped_with_1037(mkto, http):
    """Program Members, "Program Member Status": "If a lead's status has a greater step value
    than the designated statusName, then that lead will be skipped"; the skipped record carries
    `seq` and reasons [{code 1037, "Lead skipped because it is already in or past this status"}]
    and no leadId. Error Codes: 1037 "Lead was skipped". Sources:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/program-members
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes"""
    mkto.add_channel("Webinar", [("Registered", 20), ("Attended", 30, True), ("No Show", 30)])
    program_id = mkto.add_program("Webinar", "Webinar")
    ann, bob = mkto.add_lead("ann@example.com"), mkto.add_lead("bob@example.com")
    mkto.set_member(program_id, ann, "Attended")
    mkto.set_member(program_id, bob, "Registered")
    bearer = token(mkto, http)
    path = f"/rest/v1/programs/{program_id}/members/status.json"

    back = post(mkto, http, path, bearer, {"statusName": "Registered", "input": [{"leadId": ann}]})
    same_step = post(
        mkto, http, path, bearer, {"statusName": "No Show", "input": [{"leadId": ann}]}
    )
    forward = post(mkto, http, path, bearer, {"statusName": "Attended", "input": [{"leadId": bob}]})

    assert back["result"] == [
        {
            "seq": 0,
            "status": "skipped",
            "reasons": [
                {
                    "code": "1037",
                    "message": "Lead skipped because it is already in or past this status",
                }
            ],
        }
    ]
    assert same_step["result"] == [{"seq": 0, "leadId": ann, "status": "updated"}]
    assert forward["result"] == [{"seq": 0, "leadId": bob, "status": "updated"}]
    assert mkto.members(program_id) == {ann: "No Show", bob: "Attended"}


def test_deleting_a_lead_not_in_the_program_is_skipped_with_1037(mkto, http):
    """Program Members, "Delete": a lead that is not a member answers status "skipped" with
    reasons [{code 1037, "Lead not in program"}]. Source:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/program-members"""
    program_id = mkto.add_program("January Conference", "Conference")
    ann, stranger = mkto.add_lead("ann@example.com"), mkto.add_lead("zed@example.com")
    mkto.set_member(program_id, ann, "Registered")
    bearer = token(mkto, http)
    body = {"input": [{"leadId": ann}, {"leadId": stranger}]}
    reply = post(mkto, http, f"/rest/v1/programs/{program_id}/members/delete.json", bearer, body)
    assert reply["result"] == [
        {"seq": 0, "leadId": ann, "status": "deleted"},
        {
            "seq": 1,
            "status": "skipped",
            "reasons": [{"code": "1037", "message": "Lead not in program"}],
        },
    ]


def test_an_unknown_program_answers_702_no_data_found(mkto, http):
    """Error Codes: 702 "No data found for a given search scenario" — no records matched the
    given search parameters (7xx: the request failed because no data was returned). Source:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes"""
    bearer = token(mkto, http)
    reply = get(mkto, http, "/rest/asset/v1/program/424242.json", bearer)
    assert reply["success"] is False
    assert reply["errors"] == [
        {"code": "702", "message": "No data found for given search scenario"}
    ]


def test_a_status_query_over_more_than_100000_members_answers_1003_but_a_lead_id_query_works():
    """Program Members, "Query": with a filterType other than leadId at most 100,000 program
    member records can be processed; above it: "1003, Total membership size: 100,001 exceeds the
    limit allowed 100,000 for the filter"; use the Bulk Program Member Extract API instead.
    Source: https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/program-members"""
    mkto = MarketoEmulator(now=datetime(2026, 1, 10, tzinfo=UTC))
    mkto.add_channel("Conference", [("Registered", 20)])
    program_id = mkto.add_program("Huge", "Conference")
    for _ in range(100_001):  # the documented limit, at its real size
        mkto.set_member(program_id, mkto.add_lead(None), "Registered")
    http = mkto.session()
    bearer = token(mkto, http)
    path = f"/rest/v1/programs/{program_id}/members.json"

    refused = get(mkto, http, path, bearer, filterType="statusName", filterValues="Registered")
    by_lead = get(mkto, http, path, bearer, filterType="leadId", filterValues="1001,1002")

    assert refused["errors"] == [
        {
            "code": "1003",
            "message": "Total membership size: 100,001 exceeds the limit allowed 100,000 "
            "for the filter",
        }
    ]
    assert [m["leadId"] for m in by_lead["result"]] == [1001, 1002]


def test_the_bulk_program_member_extract_runs_as_documented(mkto, http):
    """Bulk Program Member Extract: create (status Created), enqueue (Queued), poll status
    (Processing, then Completed with numberOfRecords), then the file; columnHeaderNames rename
    the columns. Source:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-program-member-extract"""
    program_id = mkto.add_program("January Conference", "Conference")
    for email, status in (("ann@example.com", "Registered"), ("bob@example.com", "Attended")):
        mkto.set_member(program_id, mkto.add_lead(email), status)
    bearer = token(mkto, http)
    base = "/bulk/v1/program/members/export"
    body = {
        "fields": ["leadId", "statusName", "email"],
        "columnHeaderNames": {"leadId": "leadId"},
        "filter": {"programId": program_id},
    }

    created = post(mkto, http, f"{base}/create.json", bearer, body)["result"][0]
    export_id = created["exportId"]
    queued = post(mkto, http, f"{base}/{export_id}/enqueue.json", bearer, {})["result"][0]
    polls = [get(mkto, http, f"{base}/{export_id}/status.json", bearer)["result"][0] for _ in "ab"]
    file = http.get(
        f"{mkto.base_url}{base}/{export_id}/file.json",
        headers={"Authorization": f"Bearer {bearer}"},
    )

    assert (created["status"], queued["status"]) == ("Created", "Queued")
    assert [p["status"] for p in polls] == ["Processing", "Completed"]
    assert polls[1]["numberOfRecords"] == 2
    assert file.text.splitlines() == [
        "leadId,Status,email",
        "1001,Registered,ann@example.com",
        "1002,Attended,bob@example.com",
    ]


def test_long_urls_answer_414_and_big_bodies_413_without_json(mkto, http):
    """Error Codes, "HTTP-Level errors": 414 when the URI of a GET request exceeds 8KB and 413
    when the payload exceeds 1MB; these are HTTP errors, not the JSON envelope. The remedy for
    414: POST with `_method=GET` and the query string as the body. Sources:
    https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes and
    "Marketo REST API Exception and Error Handling: Part 2",
    https://developers.marketo.com/blog/marketo-rest-api-exception-and-error-handling-part-2/"""
    mkto.add_lead("ann@example.com")
    bearer = token(mkto, http)
    auth = {"Authorization": f"Bearer {bearer}"}
    others = [f"someone.with.a.long.address.{n}@example.com" for n in range(250)]
    emails = ",".join(["ann@example.com", *others])  # 251 values, about 11 KB
    params = {"filterType": "email", "filterValues": emails}

    too_long = http.get(f"{mkto.base_url}/rest/v1/leads.json", params=params, headers=auth)
    as_post = http.post(
        f"{mkto.base_url}/rest/v1/leads.json", params={"_method": "GET"}, data=params, headers=auth
    )
    too_big = http.post(
        f"{mkto.base_url}/rest/v1/leads.json", data="x" * (1024 * 1024 + 1), headers=auth
    )

    assert too_long.status_code == 414
    assert too_long.headers["Content-Type"] == "text/html"
    assert [lead["email"] for lead in as_post.json()["result"]] == ["ann@example.com"]
    assert too_big.status_code == 413
