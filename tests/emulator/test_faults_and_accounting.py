import pytest
import requests
import simple_salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

LOCK_ERROR = {
    "statusCode": "UNABLE_TO_LOCK_ROW",
    "message": "unable to obtain exclusive access to this record",
    "fields": [],
}


def leads(count):
    return [{"attributes": {"type": "Lead"}, "LastName": f"L{n}"} for n in range(count)]


def test_request_limit_exceeded(sf, org):
    org.inject_fault("REQUEST_LIMIT_EXCEEDED")
    with pytest.raises(SalesforceRefusedRequest) as error:
        sf.query("SELECT Id FROM Lead")
    assert error.value.status == 403
    assert error.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert sf.query("SELECT Id FROM Lead")["totalSize"] == 0
    assert org.calls["query"] == 2


def test_daily_limit_is_enforced_and_reported(sf, org):
    org.daily_limit = 3
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 3, "Remaining": 2}
    sf.query("SELECT Id FROM Lead")
    sf.query("SELECT Id FROM Lead")
    with pytest.raises(SalesforceRefusedRequest):
        sf.query("SELECT Id FROM Lead")


def test_server_error(sf, org):
    org.inject_fault("SERVER_ERROR", count=2)
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as error:
            sf.Lead.create({"LastName": "x"})
        assert error.value.status == 500
        assert error.value.content[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    sf.Lead.create({"LastName": "x"})
    assert len(org.records("Lead")) == 1
    assert org.calls["sobject_create"] == 3


def test_connection_error_before_and_after_processing(sf, org):
    org.inject_fault("CONNECTION_ERROR")
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.Lead.create({"LastName": "never"})
    assert org.records("Lead") == []
    org.inject_fault("CONNECTION_ERROR", lost_response=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.Lead.create({"LastName": "landed"})
    assert [r["LastName"] for r in org.records("Lead")] == ["landed"]
    assert org.calls["sobject_create"] == 2


def test_fault_only_for_matching_kinds(sf, org):
    org.inject_fault("SERVER_ERROR", kinds=["composite_upsert"])
    sf.query("SELECT Id FROM Lead")  # not affected
    org.define_external_id("Buyer_Touchpoint__c", "Touchpoint_Key__c")
    with pytest.raises(SalesforceGeneralError):
        sf.restful(
            "composite/sobjects/Buyer_Touchpoint__c/Touchpoint_Key__c",
            method="PATCH",
            json={
                "records": [
                    {"attributes": {"type": "Buyer_Touchpoint__c"}, "Touchpoint_Key__c": "a"}
                ]
            },
        )


class TestRowLocks:
    def test_first_n_records_fail_others_succeed(self, sf, org):
        org.inject_fault("UNABLE_TO_LOCK_ROW", records=2)
        results = sf.restful("composite/sobjects", method="POST", json={"records": leads(4)})
        assert [r["success"] for r in results] == [False, False, True, True]
        assert results[0]["errors"] == [LOCK_ERROR]
        assert sorted(r["LastName"] for r in org.records("Lead")) == ["L2", "L3"]

    def test_matching_records_fail(self, sf, org):
        org.inject_fault("UNABLE_TO_LOCK_ROW", match=lambda record: record["LastName"] == "L1")
        results = sf.restful("composite/sobjects", method="POST", json={"records": leads(3)})
        assert [r["success"] for r in results] == [True, False, True]

    def test_by_id_on_update_with_all_or_none(self, sf, org):
        ids = [org.insert("Lead", {"LastName": f"L{n}"}) for n in range(2)]
        org.inject_fault("UNABLE_TO_LOCK_ROW", ids=[ids[1]])
        records = [{"attributes": {"type": "Lead"}, "Id": i, "Email": "x@y.z"} for i in ids]
        results = sf.restful(
            "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": records}
        )
        assert [r["errors"][0]["statusCode"] for r in results] == [
            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "UNABLE_TO_LOCK_ROW",
        ]
        assert all(record.get("Email") is None for record in org.records("Lead"))

    def test_single_record_write_gets_http_400(self, sf, org):
        org.inject_fault("UNABLE_TO_LOCK_ROW")
        sf.query("SELECT Id FROM Lead")  # reads do not take a lock fault
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.Lead.create({"LastName": "x"})
        assert error.value.content == [
            {
                "message": "unable to obtain exclusive access to this record",
                "errorCode": "UNABLE_TO_LOCK_ROW",
                "fields": [],
            }
        ]
        assert org.records("Lead") == []


def test_call_counting_and_reset(sf, org):
    lead = org.insert("Lead", {"LastName": "seeded"})  # seeding is not an API call
    assert org.total_calls == 0
    sf.Lead.get(lead)
    sf.Lead.update(lead, {"Email": "a@b.c"})
    sf.Lead.delete(lead)
    sf.restful("composite/sobjects", method="POST", json={"records": leads(2)})
    sf.Lead.describe()
    assert org.calls == {
        "sobject_get": 1,
        "sobject_update": 1,
        "sobject_delete": 1,
        "composite_create": 1,
        "describe": 1,
    }
    assert org.total_calls == 5
    assert org.write_calls == 3
    org.reset_calls()
    assert org.total_calls == 0


def test_missing_or_unaccepted_token_is_401(org):
    org.accepted_tokens = {"good"}
    bad = simple_salesforce.Salesforce(
        instance_url=org.instance_url, session_id="bad", session=org.session()
    )
    with pytest.raises(SalesforceExpiredSession) as error:
        bad.query("SELECT Id FROM Lead")
    assert error.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    response = org.session().get(f"{org.instance_url}/services/data/v59.0/limits")
    assert response.status_code == 401
    good = simple_salesforce.Salesforce(
        instance_url=org.instance_url, session_id="good", session=org.session()
    )
    assert good.query("SELECT Id FROM Lead")["totalSize"] == 0


def test_limit_info_header_feeds_api_usage(sf, org):
    sf.query("SELECT Id FROM Lead")
    assert sf.api_usage["api-usage"].used == 1
    assert sf.api_usage["api-usage"].total == org.daily_limit


def test_describe_reports_key_prefix_and_external_ids(sf, org):
    org.define_external_id("Buyer_Touchpoint__c", "Touchpoint_Key__c")
    described = sf.Buyer_Touchpoint__c.describe()
    assert described["name"] == "Buyer_Touchpoint__c"
    assert described["custom"] is True
    fields = {f["name"]: f for f in described["fields"]}
    assert fields["Touchpoint_Key__c"]["externalId"] is True
    assert fields["Touchpoint_Key__c"]["unique"] is True
    assert fields["CreatedDate"]["type"] == "datetime"


def test_concurrent_clients_get_distinct_ids(org):
    from concurrent.futures import ThreadPoolExecutor

    def create(n):
        client = simple_salesforce.Salesforce(
            instance_url=org.instance_url, session_id="t", session=org.session()
        )
        return client.Lead.create({"LastName": f"L{n}"})["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(80)))
    assert len(set(ids)) == 80
    assert org.calls["sobject_create"] == 80
