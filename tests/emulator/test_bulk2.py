import csv
import io

import pytest
from simple_salesforce.bulk2 import Operation
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceOperationError


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def members(org, campaign):
    """Five members; the third lead has no email, the fifth member is a contact."""
    for number in range(4):
        email = None if number == 2 else f"lead{number}@example.com"
        lead = org.insert("Lead", {"LastName": f"L{number}", "Email": email})
        org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": lead})
    contact = org.insert("Contact", {"LastName": "C", "Email": "c@example.com"})
    org.insert(
        "CampaignMember", {"CampaignId": campaign, "ContactId": contact, "Status": "Responded"}
    )


@pytest.fixture
def keyed(org):
    org.define_external_id("Buyer_Touchpoint__c", "Touchpoint_Key__c")


class TestQueryJobs:
    def test_results_are_paged_by_locator(self, sf, org, members):
        pages = list(
            sf.bulk2.CampaignMember.query(
                "SELECT Id, Lead.Email, Contact.Email, HasResponded, Campaign.Name "
                "FROM CampaignMember ORDER BY CreatedDate",
                max_records=2,
                wait=0,
            )
        )
        assert len(pages) == 3
        records = [row for page in pages for row in rows(page)]
        assert list(records[0]) == [
            "Id",
            "Lead.Email",
            "Contact.Email",
            "HasResponded",
            "Campaign.Name",
        ]
        assert [r["Lead.Email"] for r in records] == [
            "lead0@example.com",
            "lead1@example.com",
            "",
            "lead3@example.com",
            "",
        ]
        assert records[4]["Contact.Email"] == "c@example.com"
        assert [r["HasResponded"] for r in records] == ["false"] * 4 + ["true"]
        assert {r["Campaign.Name"] for r in records} == {"Jan Conf"}
        assert org.calls == {"bulk2_create_job": 1, "bulk2_poll": 1, "bulk2_results": 3}

    def test_locator_and_record_count_headers(self, sf, org, members):
        session = org.session()
        base = f"{org.instance_url}/services/data/v59.0/jobs/query"
        headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
        job = session.post(
            base,
            json={"operation": "query", "query": "SELECT Id FROM CampaignMember"},
            headers=headers,
        ).json()
        assert job["state"] == "UploadComplete"
        assert job["id"].startswith("750")
        assert session.get(f"{base}/{job['id']}", headers=headers).json()["state"] == "JobComplete"
        first = session.get(f"{base}/{job['id']}/results?maxRecords=3", headers=headers)
        assert first.headers["Content-Type"].startswith("text/csv")
        assert first.headers["Sforce-NumberOfRecords"] == "3"
        locator = first.headers["Sforce-Locator"]
        second = session.get(
            f"{base}/{job['id']}/results", params={"locator": locator}, headers=headers
        )
        assert second.headers["Sforce-NumberOfRecords"] == "2"
        assert second.headers["Sforce-Locator"] == "null"

    def test_job_reports_in_progress_until_polled_enough(self, sf, org, members):
        org.bulk_polls_before_complete = 2
        pages = list(sf.bulk2.CampaignMember.query("SELECT Id FROM CampaignMember", wait=0))
        assert len(rows(pages[0])) == 5
        assert org.calls["bulk2_poll"] == 3

    def test_query_all_includes_deleted_rows(self, sf, org):
        org.insert("Lead", {"LastName": "Kept"})
        org.delete_record("Lead", org.insert("Lead", {"LastName": "Gone"}))
        live = rows(next(sf.bulk2.Lead.query("SELECT LastName FROM Lead", wait=0)))
        everything = rows(
            next(sf.bulk2.Lead.query_all("SELECT LastName, IsDeleted FROM Lead", wait=0))
        )
        assert [r["LastName"] for r in live] == ["Kept"]
        assert {(r["LastName"], r["IsDeleted"]) for r in everything} == {
            ("Kept", "false"),
            ("Gone", "true"),
        }

    def test_malformed_query_is_refused_at_job_creation(self, sf):
        with pytest.raises(SalesforceMalformedRequest) as error:
            list(sf.bulk2.Lead.query("SELECT Id FROM Lead WHERE", wait=0))
        assert error.value.content[0]["errorCode"] == "MALFORMED_QUERY"


class TestIngestJobs:
    def test_insert_converts_csv_to_field_types(self, sf, org, campaign):
        result = sf.bulk2.CampaignMemberStatus.insert(
            records=[
                {"CampaignId": campaign, "Label": "Attended", "HasResponded": "true"},
                {"CampaignId": campaign, "Label": "No Show", "HasResponded": "false"},
            ],
            wait=0,
        )
        assert result[0]["numberRecordsProcessed"] == 2
        assert result[0]["numberRecordsFailed"] == 0
        statuses = {s["Label"]: s["HasResponded"] for s in org.records("CampaignMemberStatus")}
        assert statuses["Attended"] is True
        assert statuses["No Show"] is False

    def test_upsert_creates_then_updates(self, sf, org, keyed):
        records = [{"Touchpoint_Key__c": f"k{n}", "Email__c": f"{n}@x.com"} for n in range(3)]
        first = sf.bulk2.Buyer_Touchpoint__c.upsert(
            records=records, external_id_field="Touchpoint_Key__c", wait=0
        )[0]
        created = rows(sf.bulk2.Buyer_Touchpoint__c.get_successful_records(first["job_id"]))
        assert [r["sf__Created"] for r in created] == ["true"] * 3
        assert all(r["sf__Id"].startswith("a") for r in created)

        records[0]["Email__c"] = "changed@x.com"
        second = sf.bulk2.Buyer_Touchpoint__c.upsert(
            records=records, external_id_field="Touchpoint_Key__c", wait=0
        )[0]
        updated = rows(sf.bulk2.Buyer_Touchpoint__c.get_successful_records(second["job_id"]))
        assert [r["sf__Created"] for r in updated] == ["false"] * 3
        assert [r["sf__Id"] for r in updated] == [r["sf__Id"] for r in created]
        assert len(org.records("Buyer_Touchpoint__c")) == 3
        assert org.get("Buyer_Touchpoint__c", created[0]["sf__Id"])["Email__c"] == "changed@x.com"

    def test_locked_rows_are_reported_as_failed_results(self, sf, org, keyed):
        org.inject_fault("UNABLE_TO_LOCK_ROW", records=2)
        records = [{"Touchpoint_Key__c": f"k{n}", "Email__c": "x@y.z"} for n in range(5)]
        [result] = sf.bulk2.Buyer_Touchpoint__c.upsert(
            records=records, external_id_field="Touchpoint_Key__c", wait=0
        )
        assert result["numberRecordsProcessed"] == 5
        assert result["numberRecordsFailed"] == 2
        outcome = sf.bulk2.Buyer_Touchpoint__c.get_all_ingest_records(result["job_id"])
        failed = outcome["failedRecords"]
        assert [r["Touchpoint_Key__c"] for r in failed] == ["k0", "k1"]
        assert failed[0]["sf__Error"] == (
            "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"
        )
        assert failed[0]["sf__Id"] == ""
        assert len(outcome["successfulRecords"]) == 3
        assert outcome["unprocessedRecords"] == []
        assert len(org.records("Buyer_Touchpoint__c")) == 3

    def test_update_ignores_empty_values_and_nulls_with_na(self, sf, org):
        lead = org.insert("Lead", {"LastName": "Ng", "Email": "ng@x.com", "Company": "Acme"})
        sf.bulk2.Lead.update(
            records=[{"Id": lead, "Email": "", "Company": "#N/A", "LastName": "Ngo"}], wait=0
        )
        record = org.get("Lead", lead)
        assert record["Email"] == "ng@x.com"
        assert record["Company"] is None
        assert record["LastName"] == "Ngo"

    def test_delete_reports_unknown_ids(self, sf, org):
        keep = org.insert("Lead", {"LastName": "Keep"})
        gone = org.insert("Lead", {"LastName": "Gone"})
        org.delete_record("Lead", gone)
        doomed = org.insert("Lead", {"LastName": "Doomed"})
        [result] = sf.bulk2.Lead.delete(records=[{"Id": doomed}, {"Id": gone}], wait=0)
        assert result["numberRecordsFailed"] == 1
        failed = rows(sf.bulk2.Lead.get_failed_records(result["job_id"]))
        assert failed[0]["sf__Id"] == gone
        assert failed[0]["sf__Error"].startswith("ENTITY_IS_DELETED:")
        assert [r["Id"] for r in org.records("Lead")] == [keep]

    def test_upsert_job_needs_an_external_id_field(self, sf):
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.bulk2.Buyer_Touchpoint__c.upsert(
                records=[{"Email__c": "x"}], external_id_field="Email__c", wait=0
            )
        assert error.value.content[0]["errorCode"] == "INVALIDJOB"

    def test_aborted_job_leaves_rows_unprocessed(self, sf, org):
        client = sf.bulk2.Lead._client
        job = client.create_job(Operation.insert)
        client.upload_job_data(job["id"], "LastName\nA\nB\n")
        with pytest.raises(SalesforceMalformedRequest) as twice:
            client.upload_job_data(job["id"], "LastName\nC\n")
        assert "Found multiple contents for job" in twice.value.content[0]["message"]
        assert client.abort_job(job["id"], False)["state"] == "Aborted"
        unprocessed = rows(sf.bulk2.Lead.get_unprocessed_records(job["id"]))
        assert [r["LastName"] for r in unprocessed] == ["A", "B"]
        assert org.records("Lead") == []
        assert org.calls["bulk2_abort"] == 1
        with pytest.raises(SalesforceOperationError):
            client.wait_for_job(job["id"], False, 0)

    def test_ingest_calls_are_counted(self, sf, org):
        sf.bulk2.Lead.insert(records=[{"LastName": "A"}], wait=0)
        assert org.calls == {
            "bulk2_create_job": 1,
            "bulk2_upload": 1,
            "bulk2_close": 1,
            "bulk2_poll": 2,
        }
        assert org.write_calls == 1
