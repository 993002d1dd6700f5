"""The watch behind the suite's fixture sees every way a deployed handler fails."""

import logging
from types import ModuleType

import pytest
from aws_lambda_powertools import Logger

from emulators.handler_watch import HandlerWatch
from emulators.world import DeployedFunction


def _function(handler, watch: HandlerWatch) -> DeployedFunction:
    module = ModuleType("stand_in_app")
    module.lambda_handler = handler
    return DeployedFunction("StandInFunction", module, {}, deps=None, watch=watch)


@pytest.fixture
def watch():
    watch = HandlerWatch()
    watch.start()
    yield watch
    watch.stop()


@pytest.mark.handler_errors_expected  # the suite's own watch sees it too
def test_an_error_logged_by_a_powertools_child_logger_is_seen(watch):
    Logger(service="offline-touchpoints", child=True).error("could not write")
    [failure] = watch.failures
    assert failure.startswith("offline-touchpoints.")
    assert failure.endswith(" logged ERROR: could not write")


def test_a_warning_is_not_a_failure(watch):
    logging.getLogger("offline-touchpoints").warning("postponed")
    assert watch.failures == []


def test_a_raising_handler_is_seen_and_still_raises(watch):
    def handler(event, context, deps):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        _function(handler, watch).lambda_handler({}, None)
    assert watch.failures == ["StandInFunction raised RuntimeError: boom"]


def test_batch_items_handed_back_are_seen_and_an_empty_list_is_not(watch):
    replies = iter([{"batchItemFailures": []}, {"batchItemFailures": [{"itemIdentifier": "m1"}]}])
    function = _function(lambda event, context, deps: next(replies), watch)

    function.lambda_handler({}, None)
    assert watch.failures == []
    function.lambda_handler({}, None)
    assert watch.failures == ["StandInFunction handed back batch items [{'itemIdentifier': 'm1'}]"]


def test_a_record_held_to_poll_a_bulk_job_is_not_a_failure(watch):
    """The recompute keeps a message on its queue on purpose while a Bulk job runs; its INFO line
    names the message, and only that message's hand-back is excused."""

    logger = Logger(service="offline-touchpoints-waits", level="INFO")

    def handler(event, context, deps):
        logger.info(
            "recompute waits for a Salesforce Bulk job",
            extra={"bulk_wait": {"message_id": "m-1", "seconds": 5}},
        )
        return {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}

    _function(handler, watch).lambda_handler({}, None)

    assert watch.failures == ["StandInFunction handed back batch items [{'itemIdentifier': 'm-2'}]"]
    watch.failures.clear()


@pytest.mark.handler_errors_expected  # the suite's own watch sees it too
def test_a_logger_created_after_the_watch_started_is_still_watched(watch):
    """Powertools' log deduplication filters the root logger's handlers for its service when a
    Logger is created (as a World does when it loads the handlers); the watch ignores that."""
    Logger(service="offline-touchpoints-late")
    logging.getLogger("offline-touchpoints-late").error("could not write")
    assert watch.failures == ["offline-touchpoints-late logged ERROR: could not write"]
