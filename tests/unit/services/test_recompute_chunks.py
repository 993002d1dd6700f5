"""The chunk walk the recompute relies on: Id order is checked, the last chunk is known."""

import pytest

from tests.builders import a_member
from touchpoints.services.recompute.walk import MemberOrderError, check_order, with_last


def test_chunks_in_id_order_pass():
    check_order([a_member(1), a_member(2), a_member(3)], after_id="")


def test_a_member_out_of_order_stops_the_run_before_anything_is_written():
    with pytest.raises(MemberOrderError):
        check_order([a_member(2), a_member(1)], after_id="")


def test_a_member_at_or_before_the_cursor_is_out_of_order():
    with pytest.raises(MemberOrderError):
        check_order([a_member(2)], after_id=a_member(2).id)


def test_every_chunk_knows_whether_it_is_the_last():
    assert list(with_last([[1], [2], [3]])) == [([1], False), ([2], False), ([3], True)]


def test_no_chunks_read_as_one_empty_last_chunk():
    """A campaign with no members (or deleted) still settles the stored state once."""
    assert list(with_last([])) == [([], True)]
