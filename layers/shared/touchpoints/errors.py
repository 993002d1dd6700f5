"""Domain errors the adapters raise and the services and handlers act on.

They carry no HTTP status: each handler maps the classes it answers to a status in its own error
table (`edge.api.register_error_table`). `field`, where set, names the request field at fault.
"""

from __future__ import annotations

# -- Salesforce -----------------------------------------------------------------------------------


class SalesforceLimitExceededError(RuntimeError):
    """The org's API request limit is spent: stop now and retry later, recording nothing as done."""


class SalesforceUnavailableError(RuntimeError):
    """Salesforce kept failing (5xx or no connection) after bounded retries."""


class SalesforceBulkJobGoneError(RuntimeError):
    """A Bulk job Salesforce no longer has (deleted, or expired seven days after it ended): its
    status and results answer 404 and never will again."""


class SoqlTooLongError(ValueError):
    """A query longer than Salesforce takes in one request; it was not sent."""


# -- queues ---------------------------------------------------------------------------------------


class EnqueueIncompleteError(RuntimeError):
    """Some recomputes were not enqueued (SQS refused them, after retries): the sender must retry.
    `failed` maps each campaign id to SQS's error code."""

    def __init__(self, failed: dict[str, str]) -> None:
        super().__init__(f"{len(failed)} recompute(s) not enqueued: {sorted(failed.items())}")
        self.failed = failed


# -- Marketo --------------------------------------------------------------------------------------


class MarketoError(RuntimeError):
    """Marketo refused a call with an error code the adapter does not retry."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"Marketo error {code}: {message}")
        self.code = code


class MarketoQuotaExceededError(MarketoError):
    """The subscription's daily API quota is spent: stop now, retry tomorrow."""


class MarketoNotFoundError(MarketoError):
    """702: nothing matched the lookup."""


class MarketoRequestTooLargeError(MarketoError):
    """HTTP 413: the request body passed Marketo's 1 MB limit (a bug here, never retried)."""


class MarketoUnavailableError(RuntimeError):
    """Marketo kept failing (limits, 5xx, no connection) after bounded retries."""


# -- program links --------------------------------------------------------------------------------


class ProgramAlreadyLinkedError(Exception):
    """The program is already linked to a campaign."""

    field = "program_id"

    def __init__(self, program_id: int, campaign_id: str | None) -> None:
        super().__init__(f"program {program_id} is already linked to campaign {campaign_id}")


class CampaignAlreadyLinkedError(Exception):
    """The campaign is already linked to a program."""

    field = "campaign_id"

    def __init__(self, campaign_id: str, program_id: int | None) -> None:
        super().__init__(f"campaign {campaign_id} is already linked to program {program_id}")


# -- jobs and events ------------------------------------------------------------------------------


class InvalidPageTokenError(ValueError):
    """The `next` token was not issued by this API."""

    field = "next"


class EventsNotPublishedError(RuntimeError):
    """EventBridge refused some entries after retries; the run records nothing as done."""
