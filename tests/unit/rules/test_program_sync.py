from decimal import Decimal

import pytest

from touchpoints.rules.program_sync import (
    ADDED,
    BACKWARD_RULE,
    REMOVED,
    STATUS_CHANGED,
    Side,
    campaign_updates,
    conflict_winner,
    marketo_accepts,
    member_status,
    membership_event,
    merge_member,
    person_key,
    program_cost,
    status_compatibility,
)

STEPS = {"Not in Program": 0, "Invited": 10, "Registered": 20, "Attended": 30, "No Show": 30}


def test_matching_statuses_are_compatible_and_not_in_program_is_ignored():
    result = status_compatibility(
        ["Not in Program", "Registered", "Attended"], ["Attended", "Registered"]
    )
    assert result.compatible
    assert result.missing_in_salesforce == ()
    assert result.missing_in_marketo == ()


def test_incompatible_statuses_list_what_each_side_lacks():
    result = status_compatibility(["Registered", "Attended", "No Show"], ["Registered", "Sent"])
    assert not result.compatible
    assert result.missing_in_salesforce == ("Attended", "No Show")
    assert result.missing_in_marketo == ("Sent",)
    assert "Attended, No Show" in result.describe()
    assert "Sent" in result.describe()


def test_statuses_must_be_spelled_the_same():
    assert not status_compatibility(["Attended"], ["attended"]).compatible


def test_not_in_program_means_not_a_member():
    assert member_status("Not in Program") is None
    assert member_status("") is None
    assert member_status("Attended") == "Attended"


def test_actual_cost_is_the_sum_of_period_costs_to_the_cent():
    assert program_cost([1000, 250.5, "0.125"]) == Decimal("1250.63")
    assert program_cost([]) == Decimal("0.00")


def test_channel_and_cost_flow_one_way_and_only_when_they_differ():
    assert campaign_updates("Tradeshow", [1000, 500], "Conference", None) == {
        "Type": "Tradeshow",
        "ActualCost": 1500.0,
    }
    assert campaign_updates("Tradeshow", [1000, 500], "Tradeshow", 1500.0) == {}
    assert campaign_updates("Tradeshow", [1000, 600], "Tradeshow", 1500) == {"ActualCost": 1600.0}


@pytest.mark.parametrize(
    ("marketo", "salesforce", "base", "status", "write_to"),
    [
        ("Attended", "Attended", "Attended", "Attended", set()),
        ("Attended", "Registered", "Registered", "Attended", {Side.SALESFORCE}),
        ("Registered", "Attended", "Registered", "Attended", {Side.MARKETO}),
        ("Registered", None, None, "Registered", {Side.SALESFORCE}),
        (None, "Registered", None, "Registered", {Side.MARKETO}),
        (None, "Registered", "Registered", None, {Side.SALESFORCE}),
        ("Registered", None, "Registered", None, {Side.MARKETO}),
        ("Attended", "Attended", "Registered", "Attended", set()),
        (None, None, "Registered", None, set()),
    ],
)
def test_a_change_on_one_side_is_applied_to_the_other(marketo, salesforce, base, status, write_to):
    decision = merge_member(marketo, salesforce, base, STEPS)
    assert decision.status == status
    assert decision.write_to == write_to
    assert not decision.conflict


def test_the_same_change_on_both_sides_is_no_conflict():
    decision = merge_member("Attended", "Attended", "Registered", STEPS)
    assert decision.changed_on == {Side.MARKETO, Side.SALESFORCE}
    assert not decision.conflict
    assert not decision.write_to


def test_a_conflict_goes_to_the_further_progression_status():
    decision = merge_member("Attended", "Invited", "Registered", STEPS)
    assert decision.conflict
    assert decision.winner is Side.MARKETO
    assert decision.status == "Attended"
    assert decision.write_to == {Side.SALESFORCE}

    decision = merge_member("Invited", "Attended", "Registered", STEPS)
    assert decision.winner is Side.SALESFORCE
    assert decision.write_to == {Side.MARKETO}


def test_membership_beats_removal_in_a_conflict():
    assert merge_member(None, "Attended", "Registered", STEPS).status == "Attended"
    assert merge_member("Attended", None, "Registered", STEPS).status == "Attended"
    assert conflict_winner(None, "Invited", STEPS) is Side.SALESFORCE
    assert conflict_winner("Invited", None, STEPS) is Side.MARKETO


def test_salesforce_wins_a_tie_on_the_same_step():
    decision = merge_member("No Show", "Attended", "Registered", STEPS)
    assert decision.winner is Side.SALESFORCE
    assert decision.status == "Attended"


def test_both_sides_adding_the_same_person_differently_is_a_conflict():
    decision = merge_member("Registered", "Attended", None, STEPS)
    assert decision.conflict
    assert decision.status == "Attended"


def test_merging_the_result_again_changes_nothing():
    for marketo, salesforce, base in [
        ("Attended", "Invited", "Registered"),
        (None, "Attended", "Registered"),
        ("Registered", None, None),
    ]:
        agreed = merge_member(marketo, salesforce, base, STEPS).status
        again = merge_member(agreed, agreed, agreed, STEPS)
        assert again.status == agreed
        assert not again.write_to


def test_membership_changes_name_the_trigger():
    assert membership_event(None, "Registered") == ADDED
    assert membership_event("Registered", None) == REMOVED
    assert membership_event("Registered", "Attended") == STATUS_CHANGED
    assert membership_event("Attended", "Attended") is None


def test_people_are_matched_by_email_ignoring_case_and_spaces():
    assert person_key(" Ann@Example.COM ") == "ann@example.com"
    assert person_key(None) is None
    assert person_key("  ") is None


def test_a_status_moved_back_in_salesforce_is_settled_by_marketos_step():
    """Marketo's Program Members API skips a lead already in or past the status (1037), so the
    backward move is not written there: Marketo's status goes back to Salesforce, as a conflict."""
    decision = merge_member("Attended", "Registered", "Attended", STEPS)
    assert decision.status == "Attended"
    assert decision.write_to == {Side.SALESFORCE}
    assert (decision.conflict, decision.winner, decision.rule) == (
        True,
        Side.MARKETO,
        BACKWARD_RULE,
    )


@pytest.mark.parametrize(
    ("current", "status", "accepted"),
    [
        (None, "Invited", True),
        ("Invited", "Attended", True),
        ("Attended", "No Show", True),  # same step: Marketo changes it
        ("Attended", "Registered", False),
        ("Attended", "Waitlisted", True),  # not a step of the channel: refused elsewhere
    ],
)
def test_marketo_accepts_a_status_at_or_after_the_persons_step(current, status, accepted):
    assert marketo_accepts(current, status, STEPS) is accepted
