import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture
def people(org, campaign):
    """Three leads (one without email) and a contact, all members of `campaign`."""
    ids = {}
    for name, email, score in (
        ("Ada", "ada@example.com", 10),
        ("Bo", None, 5),
        ("Cy", "cy@x.org", 7),
    ):
        ids[name] = org.insert("Lead", {"LastName": name, "Email": email, "Score__c": score})
    ids["Di"] = org.insert("Contact", {"LastName": "Di", "Email": "di@example.com"})
    org.advance(days=1)
    for name in ("Ada", "Bo", "Cy"):
        org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": ids[name]})
        org.advance(days=1)
    org.insert(
        "CampaignMember", {"CampaignId": campaign, "ContactId": ids["Di"], "Status": "Responded"}
    )
    return ids


def names(sf, where, sobject="Lead"):
    result = sf.query(f"SELECT LastName FROM {sobject} WHERE {where} ORDER BY LastName")
    return [record["LastName"] for record in result["records"]]


class TestPaging:
    def test_pages_follow_next_records_url(self, sf, org):
        org.page_size = 2
        for number in range(5):
            org.insert("Lead", {"LastName": f"L{number}"})
        first = sf.query("SELECT Id, LastName FROM Lead ORDER BY LastName")
        assert (first["totalSize"], first["done"], len(first["records"])) == (5, False, 2)
        assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
        second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
        assert [r["LastName"] for r in second["records"]] == ["L2", "L3"]
        everything = sf.query_all("SELECT LastName FROM Lead ORDER BY LastName")
        assert [r["LastName"] for r in everything["records"]] == [f"L{n}" for n in range(5)]
        assert org.calls["query"] == 2
        assert org.calls["query_more"] == 3

    def test_query_more_by_locator_identifier(self, sf, org):
        org.page_size = 1
        org.insert("Lead", {"LastName": "A"})
        org.insert("Lead", {"LastName": "B"})
        first = sf.query("SELECT LastName FROM Lead ORDER BY LastName")
        locator = first["nextRecordsUrl"].rsplit("/", 1)[1]
        assert sf.query_more(locator)["records"][0]["LastName"] == "B"

    def test_bad_locator(self, sf):
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.query_more("01g5g0000000099AAA-2000")
        assert error.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"

    def test_count(self, sf, people):
        result = sf.query("SELECT COUNT() FROM CampaignMember WHERE HasResponded = false")
        assert result == {"totalSize": 3, "done": True, "records": []}


class TestOperators:
    def test_equality_is_case_insensitive(self, sf, people):
        assert names(sf, "Email = 'ADA@example.com'") == ["Ada"]
        assert names(sf, "Email != 'ada@example.com'") == ["Bo", "Cy"]
        assert names(sf, "Email <> 'ada@example.com'") == ["Bo", "Cy"]

    def test_null(self, sf, people):
        assert names(sf, "Email = null") == ["Bo"]
        assert names(sf, "Email != NULL") == ["Ada", "Cy"]

    def test_ranges_on_numbers(self, sf, people):
        assert names(sf, "Score__c < 7") == ["Bo"]
        assert names(sf, "Score__c <= 7") == ["Bo", "Cy"]
        assert names(sf, "Score__c > 7") == ["Ada"]
        assert names(sf, "Score__c >= 7.0") == ["Ada", "Cy"]

    def test_in_and_not_in(self, sf, people):
        assert names(sf, "LastName IN ('ada', 'Cy', 'nobody')") == ["Ada", "Cy"]
        assert names(sf, "LastName NOT IN ('Ada')") == ["Bo", "Cy"]
        assert names(sf, f"Id IN ('{people['Bo']}')") == ["Bo"]

    def test_like(self, sf, people):
        assert names(sf, "Email LIKE '%@example.com'") == ["Ada"]
        assert names(sf, "LastName LIKE '_y'") == ["Cy"]
        assert names(sf, "NOT Email LIKE '%example%'") == ["Bo", "Cy"]

    def test_boolean_logic_with_parentheses(self, sf, people):
        assert names(sf, "(LastName = 'Ada' OR LastName = 'Bo') AND Email != null") == ["Ada"]
        assert names(sf, "NOT (LastName = 'Ada' OR Score__c < 6)") == ["Cy"]
        assert names(sf, "LastName = 'Ada' OR (Score__c > 6 AND Score__c < 8)") == ["Ada", "Cy"]

    def test_string_escapes(self, sf, org):
        org.insert("Lead", {"LastName": "O'Brien"})
        assert names(sf, "LastName = 'O\\'Brien'") == ["O'Brien"]

    def test_15_char_id_literal(self, sf, people):
        assert names(sf, f"Id = '{people['Cy'][:15]}'") == ["Cy"]

    def test_field_names_are_case_insensitive(self, sf, people):
        record = sf.query("select lastname, EMAIL from lead where lastNAME = 'Ada'")["records"][0]
        assert record["LastName"] == "Ada"
        assert record["Email"] == "ada@example.com"


class TestOrderLimitOffset:
    def test_order_desc_nulls(self, sf, people):
        query = "SELECT LastName FROM Lead ORDER BY Email DESC"
        assert [r["LastName"] for r in sf.query(query)["records"]] == ["Cy", "Ada", "Bo"]
        query = "SELECT LastName FROM Lead ORDER BY Email ASC NULLS LAST"
        assert [r["LastName"] for r in sf.query(query)["records"]] == ["Ada", "Cy", "Bo"]
        query = "SELECT LastName FROM Lead ORDER BY Email"
        assert [r["LastName"] for r in sf.query(query)["records"]] == ["Bo", "Ada", "Cy"]

    def test_limit_and_offset(self, sf, people):
        query = "SELECT LastName FROM Lead ORDER BY LastName LIMIT 1 OFFSET 1"
        assert [r["LastName"] for r in sf.query(query)["records"]] == ["Bo"]


class TestRelationships:
    def test_parent_fields_and_null_parent(self, sf, people, campaign):
        result = sf.query(
            "SELECT Id, Lead.Email, Contact.Email, Campaign.Name, Campaign.Type "
            "FROM CampaignMember ORDER BY CreatedDate"
        )
        first, *_, last = result["records"]
        assert first["Lead"]["Email"] == "ada@example.com"
        assert first["Lead"]["attributes"]["type"] == "Lead"
        assert first["Contact"] is None
        assert first["Campaign"] == {
            "attributes": {
                "type": "Campaign",
                "url": f"/services/data/v59.0/sobjects/Campaign/{campaign}",
            },
            "Name": "Jan Conf",
            "Type": "Conference",
        }
        assert last["Lead"] is None
        assert last["Contact"]["Email"] == "di@example.com"

    def test_filter_and_order_on_parent_fields(self, sf, people):
        result = sf.query(
            "SELECT Lead.LastName FROM CampaignMember WHERE Lead.Email != null "
            "ORDER BY Lead.Email DESC"
        )
        assert [r["Lead"]["LastName"] for r in result["records"]] == ["Cy", "Ada"]

    def test_custom_relationship(self, sf, org, people):
        org.insert("Buyer_Touchpoint__c", {"Lead__c": people["Ada"], "Name": "t1"})
        org.insert("Buyer_Touchpoint__c", {"Name": "t2"})
        result = sf.query("SELECT Name, Lead__r.Email FROM Buyer_Touchpoint__c ORDER BY Name")
        assert [r["Lead__r"] and r["Lead__r"]["Email"] for r in result["records"]] == [
            "ada@example.com",
            None,
        ]


class TestDates:
    def test_datetime_literals_in_every_accepted_form(self, sf, people):
        # members were created on 02-06, 02-07 and 02-08 (16:30 UTC) and 02-09
        for literal in (
            "2026-02-07T16:30:00Z",
            "2026-02-07T18:30:00+02:00",
            "2026-02-07T16:30:00.000+0000",
        ):
            result = sf.query(f"SELECT Id FROM CampaignMember WHERE CreatedDate >= {literal}")
            assert result["totalSize"] == 3, literal

    def test_date_field_against_date_literal(self, sf, org, people):
        org.insert("Campaign", {"Name": "Old", "StartDate": "2025-12-31"})
        org.insert("Campaign", {"Name": "New", "StartDate": "2026-01-15"})
        result = sf.query("SELECT Name FROM Campaign WHERE StartDate >= 2026-01-15")
        assert [r["Name"] for r in result["records"]] == ["New"]
        result = sf.query("SELECT Name FROM Campaign WHERE StartDate < 2026-01-15 ORDER BY Name")
        assert [r["Name"] for r in result["records"]] == ["Old"]

    def test_first_responded_date(self, sf, people):
        result = sf.query(
            "SELECT Contact.LastName FROM CampaignMember WHERE FirstRespondedDate = 2026-02-09"
        )
        assert [r["Contact"]["LastName"] for r in result["records"]] == ["Di"]

    def test_relative_date_literal(self, sf, people):
        # the org clock is 02-09 16:30 after seeding
        result = sf.query("SELECT Id FROM CampaignMember WHERE CreatedDate = LAST_N_DAYS:1")
        assert result["totalSize"] == 2

    def test_date_literal_against_datetime_field_is_an_error(self, sf, people):
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.query("SELECT Id FROM CampaignMember WHERE CreatedDate > 2026-01-01")
        assert error.value.content[0]["errorCode"] == "INVALID_FIELD"
        assert "must be of type dateTime" in error.value.content[0]["message"]

    def test_quoted_value_against_boolean_is_an_error(self, sf, people):
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.query("SELECT Id FROM CampaignMember WHERE HasResponded = 'true'")
        assert error.value.content[0]["errorCode"] == "INVALID_FIELD"


class TestErrors:
    @pytest.mark.parametrize(
        "soql",
        [
            "SELECT FROM Lead",
            "SELECT Id FROM Lead WHERE",
            "SELECT Id FROM Lead WHERE LastName = 'a' AND Email = 'b' OR Score__c = 1",
            "SELECT Id FROM Lead WHERE LastName = 'unterminated",
            "SELECT Id FROM Lead GROUP BY Id",
            "SELECT Id, (SELECT Id FROM CampaignMembers) FROM Lead",
            "SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM CampaignMember)",
            "SELECT Id FROM Lead WHERE LastName = :name",
            "SELECT Id, Id FROM Lead",
            "SELECT Id FROM Lead LIMIT -1",
        ],
    )
    def test_malformed_queries(self, sf, soql):
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.query(soql)
        assert error.value.status == 400
        assert error.value.content[0]["errorCode"] == "MALFORMED_QUERY"

    def test_error_points_at_the_token(self, sf):
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.query("SELECT Id FROM Lead WHERE")
        assert error.value.content[0]["message"].endswith(
            "ERROR at Row:1:Column:26\nunexpected token: <EOF>"
        )

    def test_unknown_object(self, sf):
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.query("SELECT Id FROM Campain")
        assert error.value.content[0]["errorCode"] == "INVALID_TYPE"

    def test_declared_fields_make_unknown_fields_an_error(self, sf, org):
        org.define_fields("Lead", {"LastName": "string", "Email": "email"})
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.query("SELECT Emial FROM Lead")
        assert error.value.content[0]["errorCode"] == "INVALID_FIELD"

    def test_query_all_includes_deleted(self, sf, org):
        kept = org.insert("Lead", {"LastName": "Kept"})
        gone = org.insert("Lead", {"LastName": "Gone"})
        org.delete_record("Lead", gone)
        assert [r["Id"] for r in sf.query("SELECT Id FROM Lead")["records"]] == [kept]
        everything = sf.query_all("SELECT Id, IsDeleted FROM Lead", include_deleted=True)
        assert {(r["Id"], r["IsDeleted"]) for r in everything["records"]} == {
            (kept, False),
            (gone, True),
        }


def test_unordered_results_keep_creation_order_after_updates(sf, org):
    first = org.insert("Lead", {"LastName": "First"})
    org.insert("Lead", {"LastName": "Second"})
    sf.Lead.update(first, {"Email": "f@x.com"})
    assert [r["LastName"] for r in sf.query("SELECT LastName FROM Lead")["records"]] == [
        "First",
        "Second",
    ]


def test_ids_order_and_compare_case_sensitively_for_keyset_paging(sf, org):
    """`WHERE Id > :last ORDER BY Id LIMIT n` walks every record once, in base62 order."""
    campaign = org.insert("Campaign", {"Name": "Keyset"})
    for number in range(300):  # enough ids for mixed-case base62 digits
        lead = org.insert("Lead", {"LastName": f"L{number}", "Company": "Acme"})
        org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": lead})
    seen, last = [], "000000000000000AAA"
    while True:
        page = sf.query(f"SELECT Id FROM CampaignMember WHERE Id > '{last}' ORDER BY Id LIMIT 70")[
            "records"
        ]
        if not page:
            break
        ids = [r["Id"] for r in page]
        assert ids == sorted(ids, key=lambda i: i[:15])
        seen += ids
        last = ids[-1]
    assert len(seen) == len(set(seen)) == 300
