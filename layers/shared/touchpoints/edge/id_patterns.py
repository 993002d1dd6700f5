"""The id and username patterns the admin API and the queue messages check, without pydantic (a queue
function's cold start reads them too)."""

SALESFORCE_ID_PATTERN = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"
JOB_ID_PATTERN = r"^[0-9a-f-]{36}$"
# A Salesforce username has the form of an email address, at most 80 characters.
SALESFORCE_USERNAME = r"^[^@\s\"<>]+@[^@\s\"<>]+$"
SALESFORCE_USERNAME_MAX = 80
