"""A member's outcome as one value (rules/outcome.py): rendered to and read from the status string
the state has always stored."""

from hypothesis import given
from hypothesis import strategies as st

from touchpoints.rules.models import Reason
from touchpoints.rules.outcome import Outcome, OutcomeKind


def test_a_touchpoint_written_has_a_kind_and_no_reason():
    assert Outcome(OutcomeKind.CREATED).status == "Touchpoint Created"
    assert Outcome.from_status("Touchpoint Updated") == Outcome(OutcomeKind.UPDATED)


def test_a_member_without_a_touchpoint_reads_as_its_kind_and_reason():
    outcome = Outcome.for_reason(Reason.NOT_RESPONDED)

    assert outcome == Outcome(OutcomeKind.NO_TOUCHPOINT, "not responded")
    assert outcome.status == "No Touchpoint: not responded"


def test_a_refused_write_records_salesforce_error_code_or_unknown():
    assert Outcome.refused("FIELD_CUSTOM_VALIDATION_EXCEPTION").status == (
        "Error: FIELD_CUSTOM_VALIDATION_EXCEPTION"
    )
    assert Outcome.refused(None) == Outcome(OutcomeKind.ERROR, "UNKNOWN")


@given(st.text())
def test_any_stored_status_reads_back_to_the_same_string(status):
    assert Outcome.from_status(status).status == status


@given(st.sampled_from(list(Reason)))
def test_every_reason_renders_as_the_reason_string_it_always_was(reason):
    assert Outcome.for_reason(reason).status == reason.value
