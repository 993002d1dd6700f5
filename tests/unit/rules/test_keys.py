import pytest

from touchpoints.rules.keys import is_our_key, touchpoint_key


def test_the_key_is_the_same_for_the_same_member():
    assert touchpoint_key("00v000000000001AAA") == touchpoint_key("00v000000000001AAA")


def test_different_members_have_different_keys():
    assert touchpoint_key("00v000000000001AAA") != touchpoint_key("00v000000000002AAA")


def test_our_keys_are_recognised_and_others_are_not():
    assert is_our_key(touchpoint_key("00v000000000001AAA"))
    assert not is_our_key("BIZ-123")
    assert not is_our_key(None)


def test_a_key_needs_a_member_id():
    with pytest.raises(ValueError, match="member id"):
        touchpoint_key("")
