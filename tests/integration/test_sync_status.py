"""SyncStatusFunction through its handler: the JSON status and the CSV sync report (issue 13), as
the read-only function template.yaml deploys reads them from the state the recompute recorded."""

from __future__ import annotations

import csv
import io
import json

from emulators.api_gateway import admin_request
from emulators.template_stack import load_template
from emulators.world import SECRET, event, lambda_context
from tests.integration.seeds import a_campaign, a_lead, a_mixed_campaign, members
from touchpoints.edge.models.sync_status import REPORT_COLUMNS


def sync_status(world, campaign_id, **params):
    request = admin_request("GET", f"/campaigns/{campaign_id}/sync-status", query=params or None)
    return world.sync_status.lambda_handler(request, lambda_context("sync-status"))


def recomputed(world, campaign_id):
    world.recompute.deps.queue.enqueue(campaign_id, "test", f"test:{campaign_id}")
    [response] = world.drain_queue()
    assert response == {"batchItemFailures": []}


def report_rows(reply) -> list[dict[str, str]]:
    assert reply["statusCode"] == 200
    assert reply["multiValueHeaders"]["Content-Type"] == ["text/csv; charset=utf-8"]
    return list(csv.DictReader(io.StringIO(reply["body"], newline="")))


def test_the_csv_report_holds_the_json_status_member_for_member(world):
    org = world.org
    campaign_id = a_mixed_campaign(org, "Include Responded Campaign Members")
    no_email = org.insert(
        "CampaignMember",
        {"CampaignId": campaign_id, "LeadId": a_lead(org, 90, email=None), "Status": "Attended"},
    )
    recomputed(world, campaign_id)

    status = json.loads(sync_status(world, campaign_id, limit="1000")["body"])
    rows = report_rows(sync_status(world, campaign_id, format="csv"))

    expected = [
        {column: member[column] or "" for column in REPORT_COLUMNS} for member in status["members"]
    ]
    assert rows == expected
    assert len(rows) == 17
    by_member = {row["member_id"]: row for row in rows}
    leads = {m["Id"]: m["LeadId"] for m in org.records("CampaignMember")}
    emails = {lead["Id"]: lead.get("Email") for lead in org.records("Lead")}
    for member_id, row in by_member.items():
        assert row["person_id"] == leads[member_id]
        assert row["email"] == (emails[leads[member_id]] or "")
    assert {(r["outcome"], r["reason"]) for r in rows} == {
        ("Touchpoint Created", ""),
        ("No Touchpoint", "not responded"),
        ("No Touchpoint", "no email"),
    }
    assert by_member[no_email]["reason"] == "no email"
    created = [r for r in rows if r["outcome"] == "Touchpoint Created"]
    assert all(r["touchpoint_date"] and r["channel"] == "Offline Event.Conference" for r in created)


def test_the_csv_report_comes_a_page_at_a_time_with_a_link_to_the_next(world):
    """RFC 8288 (Web Linking) §3: the Link target is a URI reference resolved against the
    request's URL, so `<?…>` names the same route with the next page's query, stage included.
    https://www.rfc-editor.org/rfc/rfc8288#section-3"""
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 5)
    recomputed(world, campaign_id)

    pages, params = [], {"format": "csv", "limit": "2"}
    while True:
        reply = sync_status(world, campaign_id, **params)
        pages.append(report_rows(reply))
        link = reply["multiValueHeaders"].get("Link")
        if not link:
            break
        [value] = link
        assert value.startswith("<?")
        assert value.endswith('>; rel="next"')
        params = dict(pair.split("=", 1) for pair in value[2:].split(">")[0].split("&"))

    assert [len(page) for page in pages] == [2, 2, 1]
    everyone = [row["member_id"] for page in pages for row in page]
    assert sorted(everyone) == sorted(set(everyone))
    assert len(everyone) == 5


def test_a_cell_a_spreadsheet_would_run_as_a_formula_reaches_the_report_as_text(world):
    """OWASP ASVS 5.0, V1.2.10 (CSV and formula injection): a field value starting with '=',
    '+', '-', '@', tab or null is escaped with a single quote; CWE-1236.
    https://github.com/OWASP/ASVS/blob/master/5.0/en/0x10-V1-Encoding-and-Sanitization.md"""
    org = world.org
    campaign_id = a_campaign(org)
    lead = a_lead(org, 1, email="=HYPERLINK(1)@example.com")
    org.insert("CampaignMember", {"CampaignId": campaign_id, "LeadId": lead, "Status": "Attended"})
    recomputed(world, campaign_id)

    [row] = report_rows(sync_status(world, campaign_id, format="csv"))
    [member] = json.loads(sync_status(world, campaign_id)["body"])["members"]

    assert row["email"] == "'=HYPERLINK(1)@example.com"
    assert member["email"] == "=HYPERLINK(1)@example.com"  # JSON is data, not a spreadsheet


def test_sync_status_takes_a_15_character_campaign_id_and_refuses_what_is_not_one(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 2)
    recomputed(world, campaign_id)

    reply = sync_status(world, campaign_id[:15])
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"])["campaign_id"] == campaign_id
    refused = json.loads(sync_status(world, campaign_id[:14] + "!")["body"])
    assert (refused["error"], refused["field"]) == ("INVALID_REQUEST", "campaign_id")
    unknown = sync_status(world, "701000000000404AAA", format="csv")
    assert unknown["statusCode"] == 404
    assert json.loads(unknown["body"])["error"] == "CAMPAIGN_NOT_RECOMPUTED"


def test_sync_status_reads_the_state_table_only_and_never_the_salesforce_secret(world):
    """The template lets it read campaign and audit items (GetItem, Query) and the audit index,
    nothing else: it answers with the Salesforce
    secret gone, its run leaves the table as it was and calls nobody."""
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    recomputed(world, campaign_id)
    world.session.client("secretsmanager").delete_secret(
        SecretId=SECRET, ForceDeleteWithoutRecovery=True
    )
    before, calls = world.table_items(), world.org.total_calls

    assert sync_status(world, campaign_id)["statusCode"] == 200
    assert sync_status(world, campaign_id, format="csv")["statusCode"] == 200

    assert world.table_items() == before
    assert world.org.total_calls == calls
    function = load_template()["Resources"]["SyncStatusFunction"]["Properties"]
    [items, index] = function["Policies"][0]["Statement"]
    assert items["Action"] == ["dynamodb:GetItem", "dynamodb:Query"]
    leading_keys = items["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert leading_keys == ["CAMPAIGN#*", "AUDIT#*", "PERSON#*"]
    assert index["Action"] == "dynamodb:Query"
    assert index["Resource"] == {"Fn::Sub": "${StateTable.Arn}/index/AuditIndex"}
    assert index["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["AUDIT"]}}
    assert function["Timeout"] <= 29
    assert function["MemorySize"] <= 256
    assert {e["Type"] for e in function["Events"].values()} == {"Api"}


def test_member_emails_reach_the_report_but_never_the_logs(world, caplog, capsys):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    recomputed(world, campaign_id)

    rows = report_rows(sync_status(world, campaign_id, format="csv"))

    assert {row["email"] for row in rows} == {f"person{n}@example.com" for n in (1, 2, 3)}
    logged = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    logged += json.dumps([getattr(r, "recompute", None) for r in caplog.records], default=str)
    assert "@example.com" not in logged


def test_the_sample_events_reach_their_functions(world):
    """events/: the CSV report request and a program link as API Gateway delivers them."""
    reply = world.sync_status.lambda_handler(event("api-sync-status-csv.json"), lambda_context())
    assert reply["statusCode"] == 404  # the sample's campaign was never recomputed here
    assert json.loads(reply["body"])["error"] == "CAMPAIGN_NOT_RECOMPUTED"

    reply = world.program_sync_api.lambda_handler(event("api-program-link.json"), lambda_context())
    assert reply["statusCode"] == 404  # no program 1001 in this Marketo instance
    assert json.loads(reply["body"])["error"] == "PROGRAM_NOT_FOUND"


def test_the_status_counts_members_by_outcome_for_flows(world):
    """The Campaign page's sync status flow reads counts as a list (a map has no Flow type)."""
    campaign_id = a_mixed_campaign(world.org, "Include Responded Campaign Members")
    recomputed(world, campaign_id)

    status = json.loads(sync_status(world, campaign_id, limit="1")["body"])

    counts = {row["status"]: row["members"] for row in status["outcomes"]}
    assert counts == status["statuses"]
    assert sum(counts.values()) == 16
    assert [row["status"] for row in status["outcomes"]] == sorted(counts)
    assert len(status["members"]) == 1
