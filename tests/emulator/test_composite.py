import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def touchpoints(*keys, **fields):
    return [
        {"attributes": {"type": "Buyer_Touchpoint__c"}, "Touchpoint_Key__c": key, **fields}
        for key in keys
    ]


@pytest.fixture
def keyed(org):
    org.define_external_id("Buyer_Touchpoint__c", "Touchpoint_Key__c")


def test_create_reports_each_record_in_order(sf, org):
    records = [
        {"attributes": {"type": "Lead"}, "LastName": "Ng"},
        {"attributes": {"type": "Lead"}, "LastName": "Ok", "IsDeleted": True},
        {"attributes": {"type": "Contact"}, "LastName": "Po"},
    ]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": False, "records": records}
    )
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert "id" not in results[1]
    assert results[0]["id"].startswith("00Q")
    assert results[2]["id"].startswith("003")
    assert len(org.records("Lead")) == 1


def test_all_or_none_rolls_everything_back(sf, org, keyed):
    org.insert("Buyer_Touchpoint__c", {"Touchpoint_Key__c": "taken"})
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": True, "records": touchpoints("new-1", "taken", "new-2")},
    )
    assert [r["success"] for r in results] == [False, False, False]
    assert [r["errors"][0]["statusCode"] for r in results] == [
        ROLLED_BACK,
        "DUPLICATE_VALUE",
        ROLLED_BACK,
    ]
    assert [r["Touchpoint_Key__c"] for r in org.records("Buyer_Touchpoint__c")] == ["taken"]


def test_update_by_id(sf, org):
    first = org.insert("Lead", {"LastName": "A"})
    second = org.insert("Lead", {"LastName": "B"})
    org.delete_record("Lead", second)
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Lead"}, "Id": first, "Email": "a@x.com"},
                {"attributes": {"type": "Lead"}, "Id": second, "Email": "b@x.com"},
                {"attributes": {"type": "Lead"}, "Email": "c@x.com"},
            ]
        },
    )
    assert results[0] == {"id": first, "success": True, "errors": []}
    assert results[1]["id"] == second
    assert results[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert results[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert org.get("Lead", first)["Email"] == "a@x.com"


def test_upsert_by_external_id_reports_created(sf, org, keyed):
    existing = org.insert("Buyer_Touchpoint__c", {"Touchpoint_Key__c": "k1", "Email__c": "old"})
    results = sf.restful(
        "composite/sobjects/Buyer_Touchpoint__c/Touchpoint_Key__c",
        method="PATCH",
        json={"allOrNone": False, "records": touchpoints("k1", "k2", Email__c="new")},
    )
    assert results[0] == {"id": existing, "success": True, "errors": [], "created": False}
    assert results[1]["created"] is True
    assert results[1]["success"] is True
    assert {r["Email__c"] for r in org.records("Buyer_Touchpoint__c")} == {"new"}
    again = sf.restful(
        "composite/sobjects/Buyer_Touchpoint__c/Touchpoint_Key__c",
        method="PATCH",
        json={"records": touchpoints("k1", "k2")},
    )
    assert [r["created"] for r in again] == [False, False]
    assert len(org.records("Buyer_Touchpoint__c")) == 2


def test_upsert_rejects_duplicate_keys_within_a_request(sf, keyed):
    results = sf.restful(
        "composite/sobjects/Buyer_Touchpoint__c/Touchpoint_Key__c",
        method="PATCH",
        json={"records": touchpoints("same", "SAME", "other")},
    )
    assert [r["success"] for r in results] == [False, False, True]
    assert results[0]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"


def test_upsert_needs_an_external_id_field(sf):
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.restful(
            "composite/sobjects/Buyer_Touchpoint__c/Email__c",
            method="PATCH",
            json={"records": touchpoints("x")},
        )
    assert error.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_delete_by_ids(sf, org):
    keep = org.insert("Lead", {"LastName": "Keep"})
    gone = [org.insert("Lead", {"LastName": f"Gone{n}"}) for n in range(2)]
    results = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": ",".join([*gone, "bogus"]), "allOrNone": "false"},
    )
    assert [r["success"] for r in results] == [True, True, False]
    assert results[2]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert [r["Id"] for r in org.records("Lead")] == [keep]


def test_delete_all_or_none(sf, org):
    lead = org.insert("Lead", {"LastName": "Keep"})
    results = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{lead},00Q5g0000000zzzAAA", "allOrNone": "true"},
    )
    assert results[0] == {
        "id": lead,
        "success": False,
        "errors": [
            {
                "statusCode": ROLLED_BACK,
                "message": "Record rolled back because not all records were valid and the "
                "request was using AllOrNone header",
                "fields": [],
            }
        ],
    }
    assert org.get("Lead", lead) is not None


def test_more_than_200_records_is_refused(sf, org):
    records = [{"attributes": {"type": "Lead"}, "LastName": str(n)} for n in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert error.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert org.records("Lead") == []


def test_records_need_a_type(sf):
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.restful("composite/sobjects", method="POST", json={"records": [{"LastName": "x"}]})
    assert error.value.content == [
        {"message": "Must send a concrete entity type.", "errorCode": "INVALID_TYPE"}
    ]


def test_retrieve_collection(sf, org):
    lead = org.insert("Lead", {"LastName": "Ng", "Email": "ng@x.com"})
    records = sf.restful(
        "composite/sobjects/Lead", params={"ids": f"{lead},00Q5g0000000zzzAAA", "fields": "Email"}
    )
    assert records[0]["Email"] == "ng@x.com"
    assert records[1] is None
