"""Salesforce ids: 15 case-sensitive characters, or 18 with the case-safe suffix.

Source: Salesforce SOAP API Developer Guide, "Field Types" — ID
(http://www.salesforce.com/us/developer/docs/api/Content/field_types.htm): 15-character
case-sensitive ids; an 18-character case-safe version, whose last 3 characters each encode the case
of 5 of the first 15, is returned by all API calls and can be compared case-insensitively.
The worked examples below are the ones published with `salesforce_id_formatter`
(https://www.rubydoc.info/gems/salesforce_id_formatter/1.2.0) and `salesforce_id_converter`
(https://pypi.org/project/salesforce_id_converter/0.1.2).
"""

import pytest

from touchpoints.rules.salesforce_ids import canonical_id


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("70130000001tcyI", "70130000001tcyIAAQ"),
        ("00558000001N0Ke", "00558000001N0KeAAK"),
        ("00D5w000004qGTO", "00D5w000004qGTOEA2"),
    ],
)
def test_a_15_character_id_gets_its_published_18_character_form(id15, id18):
    assert canonical_id(id15) == id18
    assert canonical_id(id18) == id18


def test_an_18_character_id_is_read_case_insensitively():
    assert canonical_id("70130000001TCYIAAQ") == "70130000001tcyIAAQ"
    assert canonical_id("00d5w000004qgtoea2") == "00D5w000004qGTOEA2"


def test_15_character_ids_that_differ_in_case_are_different_records():
    assert canonical_id("70130000001tcyI") != canonical_id("70130000001tcyi")


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "7013000000",
        "70130000001tcyIA",  # 16
        "70130000001tcyIAAQX",  # 19
        "' OR Id != '",
        "70130000001tcy-",
        "70130000001tcyÎ",  # non-ASCII letter
        "\uff17\uff10\uff11\uff130000001tcyI",  # full-width digits
        "70130000001tcyIAA5",  # suffix marks the digit-only chunk's last char upper case
        "7" * 200,
    ],
)
def test_anything_else_is_not_a_salesforce_id(text):
    assert canonical_id(text) is None
