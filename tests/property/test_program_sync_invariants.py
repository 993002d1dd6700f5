"""Invariants of the two-way member merge, over every combination of states."""

from hypothesis import given
from hypothesis import strategies as st

from touchpoints.rules.program_sync import (
    BACKWARD_RULE,
    Side,
    marketo_accepts,
    membership_event,
    merge_member,
)

STEPS = {"Invited": 10, "Registered": 20, "Attended": 30, "No Show": 30}
states = st.sampled_from([None, *STEPS])


def after_run(marketo, salesforce, base):
    decision = merge_member(marketo, salesforce, base, STEPS)
    new_marketo = decision.status if Side.MARKETO in decision.write_to else marketo
    new_salesforce = decision.status if Side.SALESFORCE in decision.write_to else salesforce
    return decision, new_marketo, new_salesforce


@given(states, states, states)
def test_one_run_leaves_both_sides_agreed_and_a_second_run_changes_nothing(
    marketo, salesforce, base
):
    decision, new_marketo, new_salesforce = after_run(marketo, salesforce, base)
    assert new_marketo == new_salesforce == decision.status
    again = merge_member(new_marketo, new_salesforce, decision.status, STEPS)
    assert not again.write_to
    assert not again.changed_on
    assert membership_event(decision.status, again.status) is None


@given(states, states, states)
def test_a_run_never_writes_to_a_side_that_already_agrees(marketo, salesforce, base):
    decision, _, _ = after_run(marketo, salesforce, base)
    if marketo == decision.status:
        assert Side.MARKETO not in decision.write_to
    if salesforce == decision.status:
        assert Side.SALESFORCE not in decision.write_to


@given(states, states, states)
def test_a_change_on_one_side_only_wins_unless_marketo_cannot_move_back(marketo, salesforce, base):
    decision = merge_member(marketo, salesforce, base, STEPS)
    if salesforce == base:
        assert not decision.conflict
        assert decision.status == marketo
    if marketo == base and marketo != salesforce:
        if salesforce is None or marketo_accepts(marketo, salesforce, STEPS):
            assert not decision.conflict
            assert decision.status == salesforce
        else:  # a move back in Salesforce: Marketo's step stands, recorded once as a conflict
            assert decision.conflict
            assert (decision.status, decision.winner) == (marketo, Side.MARKETO)
            assert decision.rule == BACKWARD_RULE


@given(states, states, states)
def test_a_run_never_writes_marketo_a_status_behind_its_step(marketo, salesforce, base):
    """Marketo skips such a write (1037), so sending it would repeat forever."""
    decision = merge_member(marketo, salesforce, base, STEPS)
    if Side.MARKETO in decision.write_to and decision.status is not None:
        assert marketo_accepts(marketo, decision.status, STEPS)


@given(states, states, states)
def test_the_result_is_always_one_of_the_two_sides(marketo, salesforce, base):
    assert merge_member(marketo, salesforce, base, STEPS).status in (marketo, salesforce)
