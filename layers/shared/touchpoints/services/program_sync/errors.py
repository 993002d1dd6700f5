"""The program sync's refusals: nothing was changed. The handlers map each class to an HTTP
status (edge/models/program_sync.py)."""

from __future__ import annotations


class ProgramSyncError(Exception):
    """A refused request: nothing was changed."""

    field: str | None = None


class CampaignSyncDisabledError(ProgramSyncError):
    pass


class ProgramNotFoundError(ProgramSyncError):
    field = "program_id"


class CampaignNotFoundError(ProgramSyncError):
    field = "campaign_id"


class ChannelNotFoundError(ProgramSyncError):
    field = "program_id"


class IncompatibleStatusesError(ProgramSyncError):
    field = "statuses"


class NotMarketingUserError(ProgramSyncError):
    pass


class NotLinkedError(ProgramSyncError):
    field = "program_id"


class SyncAlreadyRunningError(ProgramSyncError):
    pass


class InvalidPersonError(ProgramSyncError):
    field = "email"


class UnknownMemberStatusError(ProgramSyncError):
    field = "status"


class NotACampaignMemberError(ProgramSyncError):
    field = "person_id"


class AlreadyACampaignMemberError(ProgramSyncError):
    field = "email"


class SalesforceRefusedError(ProgramSyncError):
    pass
