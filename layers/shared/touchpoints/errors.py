"""Errors that cross from the adapters to the services and handlers. They live apart from the
adapters so code that only handles them (the SQS backoff, a handler's error table) does not load
the Salesforce client to name them."""


class SalesforceLimitExceededError(RuntimeError):
    """The org's API request limit is spent: stop now and retry later, recording nothing as done."""


class SalesforceUnavailableError(RuntimeError):
    """Salesforce kept failing (5xx or no connection) after bounded retries."""
