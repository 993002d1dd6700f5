"""Refusals of the program sync's admin routes (services/program_sync/ and
services/campaign_members.py): program ↔ campaign links and the flow-action equivalents; without
pydantic, which their light routes do not load (edge/light_api.py). The bodies:
`program_sync_bodies.py`."""

from __future__ import annotations

from touchpoints.errors import (
    CampaignAlreadyLinkedError,
    MarketoError,
    MarketoQuotaExceededError,
    MarketoRequestTooLargeError,
    MarketoUnavailableError,
    ProgramAlreadyLinkedError,
    SalesforceLimitExceededError,
    SalesforceUnavailableError,
)
from touchpoints.services.program_sync.errors import (
    AlreadyACampaignMemberError,
    CampaignNotFoundError,
    CampaignSyncDisabledError,
    ChannelNotFoundError,
    IncompatibleStatusesError,
    InvalidPersonError,
    NotACampaignMemberError,
    NotLinkedError,
    NotMarketingUserError,
    ProgramNotFoundError,
    SalesforceRefusedError,
    SyncAlreadyRunningError,
    UnknownMemberStatusError,
)

# The shortest and longest text each body field takes (an email address's 254 characters,
# Salesforce's field lengths for the rest).
EMAIL_LENGTH = (3, 254)
STATUS_MAX = 80
NAME_MAX = {"first_name": 40, "last_name": 80, "company": 255}

# Each error class and the HTTP status and code it answers with; a refused request changed nothing.
ERRORS: dict[type[Exception], tuple[int, str]] = {
    ProgramNotFoundError: (404, "PROGRAM_NOT_FOUND"),
    CampaignNotFoundError: (404, "CAMPAIGN_NOT_FOUND"),
    ChannelNotFoundError: (404, "CHANNEL_NOT_FOUND"),
    NotLinkedError: (404, "PROGRAM_NOT_LINKED"),
    NotACampaignMemberError: (404, "NOT_A_CAMPAIGN_MEMBER"),
    ProgramAlreadyLinkedError: (409, "PROGRAM_ALREADY_LINKED"),
    CampaignAlreadyLinkedError: (409, "CAMPAIGN_ALREADY_LINKED"),
    CampaignSyncDisabledError: (409, "CAMPAIGN_SYNC_DISABLED"),
    NotMarketingUserError: (409, "NOT_MARKETING_USER"),
    SyncAlreadyRunningError: (409, "SYNC_ALREADY_RUNNING"),
    AlreadyACampaignMemberError: (409, "ALREADY_A_CAMPAIGN_MEMBER"),
    IncompatibleStatusesError: (422, "INCOMPATIBLE_STATUSES"),
    UnknownMemberStatusError: (422, "UNKNOWN_MEMBER_STATUS"),
    InvalidPersonError: (422, "INVALID_EMAIL"),
    SalesforceRefusedError: (422, "SALESFORCE_REFUSED"),
    # Not refusals: a side stopped answering mid-run. What was done is kept and recorded as the
    # link's last sync; the next run finishes the rest.
    MarketoQuotaExceededError: (503, "MARKETO_QUOTA_EXCEEDED"),
    MarketoUnavailableError: (503, "MARKETO_UNAVAILABLE"),
    SalesforceLimitExceededError: (503, "SALESFORCE_LIMIT_EXCEEDED"),
    SalesforceUnavailableError: (503, "SALESFORCE_UNAVAILABLE"),
    # Marketo refused a call for a reason a retry does not cure (the message names its code).
    MarketoRequestTooLargeError: (502, "MARKETO_REQUEST_TOO_LARGE"),
    MarketoError: (502, "MARKETO_REFUSED"),
}
