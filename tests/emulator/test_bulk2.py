import csv
import io

import pytest
import simple_salesforce
from simple_salesforce.bulk2 import Operation
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceMalformedRequest,
    SalesforceOperationError,
)

from emulators.salesforce import SalesforceEmulator


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

    def test_a_second_upload_is_refused_when_the_job_is_closed(self, sf, org):
        """Salesforce takes a second PUT to /batches and refuses the close with INVALIDJOB
        "Found multipe contents for job ... make sure you only do 'PUT' once on a given Job"; the
        job stays Open and its rows unprocessed until it is aborted. Source: "Providing multiple
        batches to the Bulk API 2.0" (Salesforce Stack Exchange, as mirrored at
        https://life-improver.com/salesforce/salesforce-providing-multiple-batches-to-the-bulk-api-2-0/);
        Upload Complete, "You can't add any more job data"
        (https://developer.salesforce.com/docs/platform/api-asynch/guide/close-job.html)."""
        client = sf.bulk2.Lead._client
        job = client.create_job(Operation.insert)
        client.upload_job_data(job["id"], "LastName\nA\nB\n")
        client.upload_job_data(job["id"], "LastName\nC\n")
        with pytest.raises(SalesforceMalformedRequest) as close:
            client.close_job(job["id"])
        assert close.value.content[0]["errorCode"] == "INVALIDJOB"
        assert "only do 'PUT' once on a given Job" in close.value.content[0]["message"]
        assert client.get_job(job["id"], False)["state"] == "Open"
        assert client.abort_job(job["id"], False)["state"] == "Aborted"
        unprocessed = rows(sf.bulk2.Lead.get_unprocessed_records(job["id"]))
        assert [r["LastName"] for r in unprocessed] == ["A", "B", "C"]
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


def raw_query_job(org, query, version="59.0"):
    """Create a query job over plain HTTP; returns (session, job url, headers)."""
    session = org.session()
    headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    base = f"{org.instance_url}/services/data/v{version}/jobs/query"
    job = session.post(base, json={"operation": "query", "query": query}, headers=headers)
    return session, f"{base}/{job.json()['id']}", headers


def lead_ids(org, count):
    return [org.insert("Lead", {"LastName": f"L{n:02}"}) for n in range(count)]


class TestQueryOrder:
    def test_rows_of_a_query_without_order_by_do_not_come_in_id_order(self, sf, org):
        """ "There's no guarantee of the order of results unless you use an ORDER BY clause in a
        query." Source: SOQL and SOSL Reference, ORDER BY,
        https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_orderby.htm
        """
        ids = lead_ids(org, 20)
        returned = [r["Id"] for r in rows(next(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=0)))]
        assert sorted(returned) == sorted(ids)
        assert returned != ids
        assert returned != sorted(returned)

    def test_the_order_without_order_by_is_the_same_on_every_run(self, sf, org):
        """The emulator's shuffle is seeded, so a test that fails on it fails every time."""
        lead_ids(org, 20)
        again = SalesforceEmulator(now=org.now)
        lead_ids(again, 20)
        other = simple_salesforce.Salesforce(
            instance_url=again.instance_url, session_id="token", session=again.session()
        )
        first = next(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=0))
        second = next(other.bulk2.Lead.query("SELECT Id FROM Lead", wait=0))
        assert first == second

    def test_two_rows_without_order_by_are_never_in_id_order(self, sf, org):
        ids = lead_ids(org, 2)
        returned = [r["Id"] for r in rows(next(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=0)))]
        assert returned == ids[::-1]

    def test_order_by_is_honoured(self, sf, org):
        """ORDER BY orders Bulk API 2.0 results too, though "Use of ORDER BY in a Bulk 2.0 query
        disables PKChunking for the query" (Troubleshooting Query Timeouts,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-troubleshoot-query-timeouts.html).
        """
        ids = lead_ids(org, 20)
        query = "SELECT Id, LastName FROM Lead ORDER BY LastName DESC"
        pages = list(sf.bulk2.Lead.query(query, max_records=6, wait=0))
        returned = [r["Id"] for page in pages for r in rows(page)]
        assert returned == ids[::-1]
        assert len(pages) == 4


class TestQueryResultSets:
    def test_max_records_splits_the_results_into_sets_named_by_locators(self, org):
        """maxRecords caps each set; Sforce-NumberOfRecords counts it; Sforce-Locator names the
        next set and is "null" after the last. Source: Get Results for a Query Job,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html"""
        lead_ids(org, 7)
        session, job, headers = raw_query_job(org, "SELECT Id FROM Lead")
        session.get(job, headers=headers)
        counts, locator, params = [], None, {"maxRecords": "3"}
        while locator != "null":
            reply = session.get(f"{job}/results", params=params, headers=headers)
            counts.append(reply.headers["Sforce-NumberOfRecords"])
            assert len(rows(reply.text)) == int(counts[-1])
            locator = reply.headers["Sforce-Locator"]
            params = {"maxRecords": "3", "locator": locator}
        assert counts == ["3", "3", "1"]

    def test_a_set_holds_fewer_rows_than_max_records_asks_when_they_exceed_the_size_limit(
        self, org
    ):
        """maxRecords is "The maximum number of records to retrieve per set of results for the
        query. The request is still subject to the size limits." A client follows Sforce-Locator
        until "null", whatever each set held. Source: Get Results for a Query Job,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html"""
        lead_ids(org, 7)
        org.bulk.max_result_bytes = 80  # a header and about two rows of quoted 18-character Ids
        session, job, headers = raw_query_job(org, "SELECT Id FROM Lead")
        session.get(job, headers=headers)
        counts, returned, locator, params = [], [], None, {"maxRecords": "5"}
        while locator != "null":
            reply = session.get(f"{job}/results", params=params, headers=headers)
            assert len(reply.content) <= 80
            counts.append(int(reply.headers["Sforce-NumberOfRecords"]))
            returned += [row["Id"] for row in rows(reply.text)]
            locator = reply.headers["Sforce-Locator"]
            params = {"maxRecords": "5", "locator": locator}
        assert all(0 < count < 5 for count in counts)
        assert len(set(returned)) == len(returned) == 7

    def test_a_locator_reads_the_same_set_again_until_the_job_is_deleted(self, org):
        """ "As long as the associated job exists, the locator string for a set of results does
        not change. You can use the locator to retrieve a set of results multiple times."
        (Get Results for a Query Job,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html); "Jobs that are older than 7 days are deleted if they are in a terminal
        state" ("Batch and job lifespan", Bulk API and Bulk API 2.0 Limits and Allocations,
        https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-bulkapi.html).
        """
        lead_ids(org, 7)
        session, job, headers = raw_query_job(org, "SELECT Id FROM Lead")
        session.get(job, headers=headers)
        first = session.get(f"{job}/results?maxRecords=3", headers=headers)
        locator = first.headers["Sforce-Locator"]
        second = session.get(f"{job}/results?maxRecords=3&locator={locator}", headers=headers)

        org.advance(days=6)
        again = session.get(f"{job}/results?maxRecords=3&locator={locator}", headers=headers)
        assert again.status_code == 200
        assert again.text == second.text
        assert again.headers["Sforce-Locator"] == second.headers["Sforce-Locator"]

        org.advance(days=1, seconds=1)
        gone = session.get(f"{job}/results?maxRecords=3&locator={locator}", headers=headers)
        assert gone.status_code == 404
        assert gone.json()[0]["errorCode"] == "NOT_FOUND"

    def test_results_are_refused_before_the_job_is_complete(self, org):
        """ "Gets the results for a query job. The job must have the state JobComplete."
        (Get Results for a Query Job,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html); a request about a job in the wrong state answers InvalidJob (Bulk API
        2.0 Errors, https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0_errors.htm).
        The exact message is not documented."""
        org.bulk.query_polls_before_complete = 1
        lead_ids(org, 3)
        session, job, headers = raw_query_job(org, "SELECT Id FROM Lead")
        early = session.get(f"{job}/results", headers=headers)
        assert early.status_code == 400
        assert early.json()[0]["errorCode"] == "INVALIDJOB"
        assert session.get(job, headers=headers).json()["state"] == "InProgress"
        assert session.get(f"{job}/results", headers=headers).status_code == 400
        assert session.get(job, headers=headers).json()["state"] == "JobComplete"
        assert len(rows(session.get(f"{job}/results", headers=headers).text)) == 3

    def test_results_need_the_api_version_the_job_was_created_with(self, org):
        """ "Use the same API version to get query results that you used to create the query.
        Otherwise, the call returns a 409 error." Source: Get Results for a Query Job,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html"""
        lead_ids(org, 2)
        session, job, headers = raw_query_job(org, "SELECT Id FROM Lead", version="59.0")
        session.get(job, headers=headers)
        other = job.replace("/v59.0/", "/v62.0/")
        assert session.get(f"{other}/results", headers=headers).status_code == 409
        assert session.get(f"{job}/results", headers=headers).status_code == 200

    def test_an_invalid_max_records_is_refused(self, org):
        session, job, headers = raw_query_job(org, "SELECT Id FROM Lead")
        session.get(job, headers=headers)
        reply = session.get(f"{job}/results?maxRecords=0", headers=headers)
        assert reply.status_code == 400


class TestQueryJobsThatEndBadly:
    def test_a_query_job_set_to_fail_ends_failed_with_its_error_and_no_results(self, org):
        """A job ends in state Failed instead of JobComplete (Job States,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-job-states.html);
        results need JobComplete (Get Results for a Query Job,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html).
        Only as many jobs fail as were set to."""
        lead_ids(org, 2)
        org.bulk.query_jobs_to_fail = 1
        session, failed, headers = raw_query_job(org, "SELECT Id FROM Lead")

        info = session.get(failed, headers=headers).json()

        assert info["state"] == "Failed"
        assert info["errorMessage"]
        assert session.get(f"{failed}/results", headers=headers).status_code == 400
        _, next_job, _ = raw_query_job(org, "SELECT Id FROM Lead")
        assert session.get(next_job, headers=headers).json()["state"] == "JobComplete"

    def test_a_lost_query_job_answers_its_last_poll_then_is_not_found(self, org):
        """A deleted job is gone with its data ("job data stored by Salesforce is deleted", Delete
        a Query Job, https://developer.salesforce.com/docs/platform/api-asynch/guide/query-delete-job.html),
        as one is seven days after it ended ("Batch and job lifespan", Bulk API and Bulk API 2.0
        Limits and Allocations,
        https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-bulkapi.html):
        its results and its status answer 404 NOT_FOUND."""
        lead_ids(org, 2)
        org.bulk.query_jobs_to_lose = 1
        session, lost, headers = raw_query_job(org, "SELECT Id FROM Lead")

        assert session.get(lost, headers=headers).json()["state"] == "JobComplete"
        results = session.get(f"{lost}/results", headers=headers)
        assert results.status_code == 404
        assert results.json()[0]["errorCode"] == "NOT_FOUND"
        assert session.get(lost, headers=headers).status_code == 404
        _, kept, _ = raw_query_job(org, "SELECT Id FROM Lead")
        session.get(kept, headers=headers)
        assert session.get(f"{kept}/results", headers=headers).status_code == 200


class TestJobsTakeTime:
    def test_query_and_ingest_jobs_wait_for_their_own_number_of_polls(self, sf, org):
        """A job is queued (UploadComplete), then InProgress, then JobComplete. Source: Job
        States, https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-job-states.html
        """
        org.bulk.query_polls_before_complete = 0
        org.bulk.ingest_polls_before_complete = 3
        list(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=0))
        assert org.calls["bulk2_poll"] == 1
        org.reset_calls()
        sf.bulk2.Lead.insert(records=[{"LastName": "A"}], wait=0)
        # wait_for_job polls until JobComplete (3 InProgress, then done), then reads the job once
        assert org.calls["bulk2_poll"] == 5

    def test_polls_before_complete_sets_both(self, org):
        org.bulk.polls_before_complete = 2
        assert (org.bulk.query_polls_before_complete, org.bulk.ingest_polls_before_complete) == (
            2,
            2,
        )
        assert org.bulk_polls_before_complete == 2


class TestUploadLimit:
    def test_an_upload_above_150_mb_once_base64_encoded_is_refused(self, sf, org):
        """ "A request can provide CSV data that does not in total exceed 150 MB of base64
        encoded content." Source: Upload Job Data,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.html. The error body is not documented; the
        emulator answers 413 (REST API, Status Codes and Error Responses)."""
        assert org.bulk.max_upload_base64_bytes == 150 * 1024 * 1024
        job = sf.bulk2.Lead._client.create_job(Operation.insert)
        url = f"{org.instance_url}/services/data/v59.0/jobs/ingest/{job['id']}/batches"
        headers = {"Authorization": "Bearer t", "Content-Type": "text/csv"}
        too_big = b"LastName\n" + b"x" * (150 * 1024 * 1024 * 3 // 4)
        reply = org.session().put(url, data=too_big, headers=headers)
        assert reply.status_code == 413
        assert org.bulk.jobs[job["id"]].uploads == []

    def test_the_limit_counts_the_base64_size_of_the_upload(self, sf, org):
        """The limit is on the size after base64 encoding (4 bytes per 3). Source:
        Upload Job Data,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.html"""
        org.bulk.max_upload_base64_bytes = 400
        client = sf.bulk2.Lead._client
        fits, too_big = client.create_job(Operation.insert), client.create_job(Operation.insert)
        client.upload_job_data(fits["id"], "LastName\n" + "x" * 291)  # 300 bytes -> 400
        with pytest.raises(SalesforceError) as refused:
            client.upload_job_data(too_big["id"], "LastName\n" + "x" * 292)  # 301 -> 404
        assert refused.value.status == 413


class TestIngestResultFiles:
    def test_result_files_carry_the_documented_columns(self, sf, org, keyed):
        """successfulResults: sf__Id, sf__Created, then the uploaded columns; failedResults:
        sf__Id, sf__Error, then the uploaded columns; unprocessedrecords: the uploaded columns.
        Sources: Get Job Successful Record Results, Get Job Failed Record Results, Get Job
        Unprocessed Record Results (https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-successful-results.html,
        .../get-job-failed-results.html, .../get-job-unprocessed-results.html)."""
        org.inject_fault("UNABLE_TO_LOCK_ROW", records=1)
        client = sf.bulk2.Buyer_Touchpoint__c._client
        job = client.create_job(Operation.upsert, external_id_field="Touchpoint_Key__c")["id"]
        client.upload_job_data(job, "Touchpoint_Key__c,Email__c\nk0,0@x.com\nk1,1@x.com\n")
        client.close_job(job)
        client.wait_for_job(job, False, 0)
        header = ["Touchpoint_Key__c", "Email__c"]
        successful = client.get_ingest_results(job, "successfulResults")
        failed = client.get_ingest_results(job, "failedResults")
        unprocessed = client.get_ingest_results(job, "unprocessedrecords")
        assert successful.splitlines()[0] == '"sf__Id","sf__Created",' + ",".join(
            f'"{name}"' for name in header
        )
        assert failed.splitlines()[0] == '"sf__Id","sf__Error",' + ",".join(
            f'"{name}"' for name in header
        )
        assert unprocessed.splitlines() == [",".join(f'"{name}"' for name in header)]
        assert [r["Touchpoint_Key__c"] for r in rows(successful)] == ["k1"]
        assert [r["Touchpoint_Key__c"] for r in rows(failed)] == ["k0"]


def http_requests(sf):
    """Every HTTP request the client sends, as (method, path)."""
    sent = []
    sf.session.hooks["response"].append(
        lambda response, *args, **kwargs: sent.append(response.request.method)
    )
    return sent


class TestCallCounting:
    def test_a_bulk_query_makes_the_documented_calls(self, sf, org, members):
        """Create the job, poll it until JobComplete, read each set of results.
        Source: Walkthrough for Bulk Insert and Walkthrough for Bulk Query,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/walkthrough-upload-data.html; Get Results for a Query Job,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html"""
        org.bulk.query_polls_before_complete = 1
        sent = http_requests(sf)
        query = "SELECT Id FROM CampaignMember"
        pages = list(sf.bulk2.CampaignMember.query(query, max_records=2, wait=0))
        assert len(pages) == 3
        assert org.calls == {"bulk2_create_job": 1, "bulk2_poll": 2, "bulk2_results": 3}
        assert sum(org.calls.values()) == len(sent) == 6

    def test_an_ingest_job_makes_the_documented_calls(self, sf, org):
        """Create the job, upload its data, close it (UploadComplete), poll it until
        JobComplete, read its three result files; each kind of call is counted apart.
        Source: Walkthrough for Bulk Insert and Walkthrough for Bulk Query,
        https://developer.salesforce.com/docs/platform/api-asynch/guide/walkthrough-upload-data.html"""
        org.bulk.ingest_polls_before_complete = 1
        sent = http_requests(sf)
        [result] = sf.bulk2.Lead.insert(records=[{"LastName": "A"}, {"LastName": "B"}], wait=0)
        sf.bulk2.Lead.get_all_ingest_records(result["job_id"])
        org.session().delete(
            f"{org.instance_url}/services/data/v59.0/jobs/ingest/{result['job_id']}",
            headers={"Authorization": "Bearer t"},
        )
        assert org.calls == {
            "bulk2_create_job": 1,
            "bulk2_upload": 1,
            "bulk2_close": 1,
            "bulk2_poll": 3,  # InProgress, JobComplete, then the client reads the job once more
            "bulk2_ingest_results": 3,
            "bulk2_delete_job": 1,
        }
        assert sum(org.calls.values()) == len(sent) + 1 == 10  # the delete went around the hook

    def test_listing_and_aborting_jobs_are_counted_apart(self, sf, org):
        client = sf.bulk2.Lead._client
        job = client.create_job(Operation.insert)
        client.abort_job(job["id"], False)
        org.session().get(
            f"{org.instance_url}/services/data/v59.0/jobs/ingest",
            headers={"Authorization": "Bearer t"},
        )
        assert org.calls == {"bulk2_create_job": 1, "bulk2_abort": 1, "bulk2_list_jobs": 1}
