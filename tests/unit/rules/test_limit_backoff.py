"""Every queue's hold on Salesforce's API limit: the recompute's attempts counted across copies
of a request; a message that cannot carry them held by its deliveries."""

from touchpoints.rules.limit_backoff import (
    GIVE_UP_AFTER_SECONDS,
    LIMIT_BACKOFF_SECONDS,
    MAX_BACKOFF_SECONDS,
    RECOMPUTE_MAX_BACKOFF_SECONDS,
    ROLLOVER_AT_RECEIVE,
    LimitHold,
    hold_on_limit,
)


def test_the_gap_grows_from_five_minutes_to_an_hour_and_stays_there():
    delays = [hold_on_limit(0, receive, 0).delay for receive in range(1, 4)]
    assert delays == [300, 600, 1200]
    assert hold_on_limit(12, 1, 0).delay == RECOMPUTE_MAX_BACKOFF_SECONDS


def test_attempts_carry_over_from_earlier_copies():
    assert hold_on_limit(4, 1, 0).attempt == 5
    assert hold_on_limit(4, 2, 0).attempt == 6


def test_a_copy_replaces_the_message_before_sqs_would_dead_letter_it():
    assert not hold_on_limit(0, ROLLOVER_AT_RECEIVE - 1, 0).rollover
    assert hold_on_limit(0, ROLLOVER_AT_RECEIVE, 0).rollover
    assert hold_on_limit(0, 5, 0).rollover  # a receive spent on another failure changes nothing


def test_after_three_days_the_request_is_left_to_the_dead_letter_queue():
    hold = hold_on_limit(40, ROLLOVER_AT_RECEIVE, GIVE_UP_AFTER_SECONDS)
    assert hold.give_up
    assert not hold.rollover


def test_a_message_that_cannot_carry_its_attempts_waits_longer_each_delivery_and_stays():
    holds = [hold_on_limit(0, receive, 0, carries_attempts=False) for receive in range(1, 8)]

    assert [hold.delay for hold in holds] == [
        min(LIMIT_BACKOFF_SECONDS << n, MAX_BACKOFF_SECONDS) for n in range(7)
    ]
    assert not any(hold.rollover or hold.give_up for hold in holds)
    assert hold_on_limit(0, ROLLOVER_AT_RECEIVE, GIVE_UP_AFTER_SECONDS, carries_attempts=False) == (
        LimitHold(ROLLOVER_AT_RECEIVE, 300 << 3, rollover=False, give_up=False)
    )
