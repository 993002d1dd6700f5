"""Opt-in required fields: API writes that leave one blank are refused, as a real org does."""

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture
def strict_leads(org):
    org.require_fields("Lead", "LastName", "Company")
    return org


def test_a_lead_without_its_required_fields_is_refused(strict_leads, sf):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Lead.create({"Email": "ann@example.com", "LastName": "Ann"})
    assert refused.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert "Company" in refused.value.content[0]["message"]
    assert strict_leads.records("Lead") == []


def test_collections_report_the_missing_field_per_record(strict_leads, sf):
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Lead"}, "LastName": "Ann", "Company": "Acme"},
            {"attributes": {"type": "Lead"}, "LastName": "Bob"},
        ],
    }
    ok, refused = sf.restful("composite/sobjects", method="POST", json=body)
    assert ok["success"] is True
    assert refused["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert refused["errors"][0]["fields"] == ["Company"]


def test_an_update_may_not_blank_a_required_field(strict_leads, sf):
    lead_id = sf.Lead.create({"LastName": "Ann", "Company": "Acme"})["id"]
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.update(lead_id, {"Company": ""})
    assert strict_leads.get("Lead", lead_id)["Company"] == "Acme"


def test_seeding_is_exempt_and_other_objects_are_unaffected(strict_leads, sf):
    strict_leads.insert("Lead", {"Email": "loaded@example.com"})
    assert sf.Contact.create({"LastName": "Cy"})["success"] is True
