"""The RecomputeQueue's policy around a run (services/recompute_queue_policy.py), through fakes:
time to start, the API limit held as every queue holds it, the fresh copy before the DLQ. The
same end to end through the handler, moto and the emulator: tests/integration/
test_recompute_faults.py and test_recompute_bulk_runs.py."""

from datetime import UTC, datetime, timedelta

from tests.builders import CAMPAIGN_ID
from tests.fakes.jobs import FakeQueue
from touchpoints.errors import SalesforceLimitExceededError
from touchpoints.ports.queues import Delivery, RecomputeMessage
from touchpoints.rules.limit_backoff import LIMIT_BACKOFF_SECONDS, ROLLOVER_AT_RECEIVE
from touchpoints.services.recompute_queue_policy import RecomputeQueuePolicy

NOW = datetime(2026, 2, 6, 9, 0, tzinfo=UTC)
MESSAGE = RecomputeMessage(CAMPAIGN_ID, "outbound_message")


class LimitSpent:
    """A recompute whose first Salesforce call meets the spent API limit; counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    def run(self, *args: object, **kwargs: object) -> None:
        self.runs += 1
        raise SalesforceLimitExceededError("REQUEST_LIMIT_EXCEEDED")


def plenty_of_time() -> float:
    return 900.0


def policy_over(recompute: LimitSpent, queue: FakeQueue) -> RecomputeQueuePolicy:
    return RecomputeQueuePolicy(lambda: recompute, queue, None, lambda: NOW)


def test_the_api_limit_holds_the_request_and_the_rest_of_the_batch_without_a_call():
    recompute, queue = LimitSpent(), FakeQueue()
    policy = policy_over(recompute, queue)

    first = policy.handle(MESSAGE, Delivery("m1", "r1"), plenty_of_time)
    second = policy.handle(MESSAGE, Delivery("m2", "r2"), plenty_of_time)

    assert first.held
    assert second.held
    assert recompute.runs == 1
    assert queue.postponed == {"r1": LIMIT_BACKOFF_SECONDS, "r2": LIMIT_BACKOFF_SECONDS}
    assert queue.sent == []


def test_near_the_receive_count_the_limit_moves_the_request_to_a_copy_that_counts_on():
    recompute, queue = LimitSpent(), FakeQueue()
    since = NOW - timedelta(hours=5)
    message = RecomputeMessage(CAMPAIGN_ID, "outbound_message", limit_attempts=3)

    handled = policy_over(recompute, queue).handle(
        message, Delivery("m1", "r1", ROLLOVER_AT_RECEIVE, since), plenty_of_time
    )

    assert not handled.held  # the original is deleted, a success
    assert handled.limit is not None
    assert handled.limit.hold.rollover
    assert queue.postponed == {}
    assert queue.sent == [
        {
            "campaign_id": CAMPAIGN_ID,
            "cause": "outbound_message",
            "limit_attempts": 3 + ROLLOVER_AT_RECEIVE,
            "limited_since": since.isoformat(),
        }
    ]


def test_with_too_little_time_to_start_the_request_goes_back_as_a_fresh_copy():
    recompute, queue = LimitSpent(), FakeQueue()

    handled = policy_over(recompute, queue).handle(MESSAGE, Delivery("m1", "r1"), lambda: 60.0)

    assert handled.handed_back
    assert not handled.held
    assert recompute.runs == 0
    assert queue.sent == [{"campaign_id": CAMPAIGN_ID, "cause": "outbound_message"}]
