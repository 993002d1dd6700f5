"""The id patterns the admin API and the queue messages check, without pydantic (a queue
function's cold start reads them too)."""

SALESFORCE_ID_PATTERN = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"
JOB_ID_PATTERN = r"^[0-9a-f-]{36}$"
