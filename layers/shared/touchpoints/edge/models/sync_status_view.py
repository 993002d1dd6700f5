"""The sync status's JSON answer as a schema, for the OpenAPI document and the typed clients that
read it (Flow's External Service actions). The route answers with plain dicts; these models only
document them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OutcomeCount(BaseModel):
    status: str = Field(
        description='As recorded, e.g. "Touchpoint" or "No Touchpoint: not responded"'
    )
    members: int


class MemberRow(BaseModel):
    member_id: str
    person_id: str | None = None
    email: str | None = None
    status: str
    outcome: str
    reason: str | None = None
    touchpoint_date: str | None = None
    channel: str | None = None
    previous_outcome: str | None = Field(None, description="The status before the last change")
    previous_touchpoint_date: str | None = None
    previous_channel: str | None = None
    changed_at: str | None = Field(None, description="When the run that changed it started")


class RunView(BaseModel):
    cause: str | None = None
    started_at: str | None = None
    finished_at: str
    invocations: int = 1
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0


class SyncStatusView(BaseModel):
    """The JSON answer, documented for typed clients (Flow's External Service actions)."""

    campaign_id: str
    campaign_type: str | None = None
    sync_mode: str | None = None
    last_run: str | None = Field(None, description="When the last recompute finished (ISO 8601)")
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    unknown_sync_value: str | None = Field(
        None, description="A sync setting value the product does not know (nothing was written)"
    )
    unknown_sync_action: str | None = Field(None, description="What to do about that value")
    outcomes: list[OutcomeCount] = Field(description="Members by status after the last run")
    recent_runs: list[RunView] = Field(description="The last runs, newest first")
    members: list[MemberRow] = Field(description="A page of members")
    next: str | None = Field(None, description="Token of the next page of members")
