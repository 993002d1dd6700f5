from dataclasses import replace
from datetime import UTC, datetime, timedelta

from touchpoints.ports.state import StoredMember
from touchpoints.rules.models import Touchpoint
from touchpoints.services.run_history import finished_run, with_history

JAN_10 = datetime(2026, 1, 10, 9, tzinfo=UTC)
RUN_START = "2026-02-05T16:45:00+00:00"


def a_touchpoint(date: datetime = JAN_10, channel_path: str = "Offline Event.Conference"):
    return Touchpoint(
        "TP-00v1", "7011", "00v1", "00Q1", None, "a@example.com", date, "Offline Event",
        channel_path, "Conference",
    )  # fmt: skip


def test_a_first_outcome_has_no_history():
    new = StoredMember("00v1", "Touchpoint Created", a_touchpoint())
    assert with_history(new, None, RUN_START) == new


def test_a_re_dated_member_keeps_what_it_had_and_when_it_changed():
    before = StoredMember("00v1", "Touchpoint Created", a_touchpoint())
    after = StoredMember("00v1", "Touchpoint Updated", a_touchpoint(JAN_10 + timedelta(days=5)))

    dated = with_history(after, before, RUN_START)

    assert (dated.previous_status, dated.previous_touchpoint_date, dated.previous_channel) == (
        "Touchpoint Created",
        JAN_10.isoformat(),
        "Offline Event.Conference",
    )
    assert dated.changed_at == RUN_START


def test_a_second_update_replaces_the_history_with_the_first_update():
    first = with_history(
        StoredMember("00v1", "Touchpoint Updated", a_touchpoint(JAN_10 + timedelta(days=5))),
        StoredMember("00v1", "Touchpoint Created", a_touchpoint()),
        "2026-02-01T00:00:00+00:00",
    )
    remapped = StoredMember(
        "00v1", "Touchpoint Updated", a_touchpoint(JAN_10 + timedelta(days=5), "Field Event")
    )

    second = with_history(remapped, first, RUN_START)

    assert (second.previous_status, second.previous_channel, second.changed_at) == (
        "Touchpoint Updated",
        "Offline Event.Conference",
        RUN_START,
    )


def test_an_unchanged_member_keeps_its_history_so_nothing_is_written():
    stored = with_history(
        StoredMember("00v1", "No Touchpoint: not responded"),
        StoredMember("00v1", "Touchpoint Created", a_touchpoint()),
        "2026-02-01T00:00:00+00:00",
    )
    again = StoredMember("00v1", "No Touchpoint: not responded")

    assert with_history(again, stored, RUN_START) == stored
    assert with_history(replace(again, email="b@example.com"), stored, RUN_START).changed_at == (
        "2026-02-01T00:00:00+00:00"
    )


def test_a_finished_run_counts_errors_by_code_and_expires_90_days_after_it_ended():
    ended = datetime(2026, 2, 5, 17, tzinfo=UTC)
    statuses = {"Touchpoint Created": 3, "Error: UNABLE_TO_LOCK_ROW": 2, "Error: INVALID_FIELD": 0}

    run = finished_run("sweep", RUN_START, 2, statuses, ended)

    assert run.record == {
        "cause": "sweep",
        "started_at": RUN_START,
        "finished_at": ended.isoformat(),
        "invocations": 2,
        "errors": {"UNABLE_TO_LOCK_ROW": 2},
    }
    assert run.expires_at == int((ended + timedelta(days=90)).timestamp())
