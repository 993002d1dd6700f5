"""Invariants of the Salesforce id rule over generated ids and texts."""

import string

from hypothesis import given
from hypothesis import strategies as st

from touchpoints.rules.salesforce_ids import canonical_id

ids15 = st.text(alphabet=string.ascii_letters + string.digits, min_size=15, max_size=15)


@given(ids15)
def test_the_18_character_form_starts_with_the_15_and_is_its_own_canonical_form(id15):
    id18 = canonical_id(id15)
    assert len(id18) == 18
    assert id18[:15] == id15
    assert canonical_id(id18) == id18


@given(ids15)
def test_any_case_of_the_18_character_form_is_the_same_record(id15):
    id18 = canonical_id(id15)
    assert canonical_id(id18.lower()) == id18
    assert canonical_id(id18.upper()) == id18
    assert canonical_id(id18.swapcase()) == id18


@given(ids15, ids15)
def test_different_15_character_ids_never_share_an_18_character_form(first, second):
    if first != second:
        assert canonical_id(first) != canonical_id(second)


@given(st.text(max_size=40))
def test_whatever_the_text_the_answer_is_none_or_an_18_character_ascii_id(text):
    result = canonical_id(text)
    assert result is None or (len(result) == 18 and result.isascii() and result.isalnum())
