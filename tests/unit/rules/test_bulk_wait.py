"""How long a run waits between polls of a Bulk job it submitted."""

from touchpoints.rules.bulk_wait import MAX_WAIT_SECONDS, bulk_wait_seconds


def test_the_first_poll_comes_after_five_seconds_and_the_gaps_double_up_to_a_minute():
    assert [bulk_wait_seconds(polls) for polls in range(6)] == [5, 10, 20, 40, 60, 60]


def test_a_job_polled_for_hours_is_still_polled_once_a_minute():
    assert bulk_wait_seconds(500) == MAX_WAIT_SECONDS
