"""What a deployed function would report as a failure, seen while tests and the demo drive handlers.

A handler that raised, handed back SQS batch items, or logged at ERROR or above has failed in a
way Lambda, SQS or an alarm would notice. A record the recompute keeps on its queue on purpose,
to poll a Bulk job later, is handed back too but is no failure: its INFO line (`bulk_wait`) says so. The test suite's fixture fails any test in which that
happened unless the test declares it expects it (`@pytest.mark.handler_errors_expected`).
"""

from __future__ import annotations

import logging


class HandlerWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.failures: list[str] = []
        self.waiting: set[str] = set()  # SQS message ids held on purpose, to poll a Bulk job

    def filter(self, record: logging.LogRecord) -> bool:
        """Every record counts. Powertools' log deduplication adds a filter to the root logger's
        handlers when a Logger is created, hiding its service's records from them; a World
        created after the watch started would otherwise go unwatched."""
        return True

    def failed(self, function: str, what: str) -> None:
        self.failures.append(f"{function} {what}")

    def emit(self, record: logging.LogRecord) -> None:
        waiting = getattr(record, "bulk_wait", None)
        if isinstance(waiting, dict):
            self.waiting.add(waiting["message_id"])
        if record.levelno >= logging.ERROR:
            self.failures.append(f"{record.name} logged {record.levelname}: {record.getMessage()}")

    def start(self) -> None:
        self.failures.clear()
        self.waiting.clear()
        # On the root logger: Powertools loggers propagate to it, and a handler of our own on the
        # service logger would stand first in its list, where Powertools expects its formatter.
        logging.getLogger().addHandler(self)

    def attach(self) -> None:
        """Listen without clearing what was seen (a World created outside the test fixture, as
        the demo and the benchmarks do, still learns which messages wait on a Bulk job)."""
        if self not in logging.getLogger().handlers:
            logging.getLogger().addHandler(self)

    def stop(self) -> list[str]:
        logging.getLogger().removeHandler(self)
        return list(self.failures)


# The one watch every World reports to; the test fixture starts and reads it around each test.
HANDLER_WATCH = HandlerWatch()
