import re

from emulators.salesforce import checksum_suffix, to_18


def test_checksum_matches_the_published_example():
    assert checksum_suffix("001A0000006Vm9r") == "IAC"
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"


def test_18_char_id_restores_case_lost_by_a_case_insensitive_system():
    assert to_18("001a0000006vm9riac") == "001A0000006Vm9rIAC"
    assert to_18("not an id") is None


def test_created_ids_carry_key_prefix_and_valid_suffix(sf, org):
    campaign = sf.Campaign.create({"Name": "Spring Expo"})["id"]
    lead = sf.Lead.create({"LastName": "Ng", "Company": "Acme"})["id"]
    touchpoint = sf.Buyer_Touchpoint__c.create({"Email__c": "a@example.com"})["id"]
    member = sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead})["id"]
    assert (campaign[:3], lead[:3], member[:3]) == ("701", "00Q", "00v")
    assert re.fullmatch(r"a[0-9A-Za-z]{2}", touchpoint[:3])
    for record_id in (campaign, lead, touchpoint, member):
        assert len(record_id) == 18
        assert record_id[15:] == checksum_suffix(record_id[:15])


def test_ids_are_sequential_and_unique_per_type(org):
    first = org.insert("Contact", {"LastName": "A"})
    second = org.insert("Contact", {"LastName": "B"})
    assert first != second
    assert first[:14] == second[:14]
    assert int(second[14], 36) == int(first[14], 36) + 1


def test_get_accepts_the_15_char_form(sf, org):
    lead = org.insert("Lead", {"LastName": "Ng"})
    assert sf.Lead.get(lead[:15])["Id"] == lead


def test_18_char_ids_work_in_any_case(sf, org):
    lead = org.insert("Lead", {"LastName": "Ng"})
    assert sf.Lead.get(lead.lower())["Id"] == lead
    assert sf.query(f"SELECT Id FROM Lead WHERE Id = '{lead.upper()}'")["totalSize"] == 1
