"""The bulk touchpoint date routes' bodies (pydantic), for the documented resolver and the OpenAPI
document: the request as the caller writes it, validated before Salesforce is asked, the views
of previews and jobs (`bulk_date.py` builds their values without pydantic), and the message a
job sends itself to carry on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from touchpoints.edge.id_patterns import JOB_ID_PATTERN
from touchpoints.edge.models.bulk_date import (
    ISO_DATE,
    ISO_DATE_TIME,
    MEMBER_ID,
    TIMEZONE_MAX,
    known_time_zones,
)
from touchpoints.rules.member_filter import (
    MAX_MEMBER_IDS,
    MAX_STATUS_LENGTH,
    MAX_STATUSES,
    MemberFilter,
)
from touchpoints.rules.touchpoint_date import EARLIEST_MOMENT, LATEST_MOMENT
from touchpoints.services.bulk_date import DateRequest, requested_moment


def _iso_8601_text(pattern: str, example: str) -> BeforeValidator:
    shape = re.compile(pattern)

    def text_only(value: Any) -> str:
        if isinstance(value, str) and shape.fullmatch(value):
            return value
        raise ValueError(f"must be an ISO 8601 string, e.g. {example}")

    return BeforeValidator(text_only)


RequestedDate = Annotated[
    AwareDatetime | dt.date,
    _iso_8601_text(f"{ISO_DATE}|{ISO_DATE_TIME}", "2026-01-15 or 2026-01-15T09:30:00+01:00"),
]


def _within_accepted_years(day: dt.date) -> dt.date:
    if not EARLIEST_MOMENT.date() <= day <= LATEST_MOMENT.date():
        raise ValueError(f"must be from {EARLIEST_MOMENT.date()} to {LATEST_MOMENT.date()}")
    return day


FilterDate = Annotated[
    dt.date,
    _iso_8601_text(ISO_DATE, "2026-01-15"),
    AfterValidator(_within_accepted_years),
]
Status = Annotated[str, StringConstraints(min_length=1, max_length=MAX_STATUS_LENGTH)]
MemberId = Annotated[str, StringConstraints(pattern=MEMBER_ID)]


class FilterBody(BaseModel):
    """Every criterion that is set must hold; an empty filter selects every member."""

    model_config = ConfigDict(extra="forbid")
    statuses: list[Status] | None = Field(
        None,
        min_length=1,
        max_length=MAX_STATUSES,
        description=f"Member statuses, e.g. Attended (up to {MAX_STATUSES},"
        f" each up to {MAX_STATUS_LENGTH} characters)",
    )
    responded: StrictBool | None = Field(
        None, description="Members that have (or have not) responded"
    )
    created_from: FilterDate | None = Field(
        None,
        description=f"Added to the campaign on or after ({EARLIEST_MOMENT.date()} to {LATEST_MOMENT.date()})",
    )
    created_to: FilterDate | None = Field(
        None,
        description=f"Added to the campaign on or before ({EARLIEST_MOMENT.date()} to {LATEST_MOMENT.date()})",
    )
    member_ids: list[MemberId] | None = Field(
        None,
        min_length=1,
        max_length=MAX_MEMBER_IDS,
        description=f"18-character member ids (up to {MAX_MEMBER_IDS:,})",
    )
    only_without_date: StrictBool = Field(False, description="Only members that carry no date yet")

    @field_validator("created_to")
    @classmethod
    def _not_before_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("created_from")
        if value is not None and start is not None and value < start:
            raise ValueError("created_to is before created_from")
        return value

    def to_rule(self) -> MemberFilter:
        return MemberFilter(
            statuses=frozenset(self.statuses) if self.statuses is not None else None,
            responded=self.responded,
            created_from=self.created_from,
            created_to=self.created_to,
            member_ids=frozenset(self.member_ids) if self.member_ids is not None else None,
            only_without_date=self.only_without_date,
        )


class DateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: RequestedDate = Field(
        description="ISO 8601 date (00:00 UTC, or in `timezone`) or date-time with offset,"
        f" from {EARLIEST_MOMENT.date()} to {LATEST_MOMENT.date()} (Salesforce's latest date)"
    )
    timezone: str | None = Field(
        None,
        max_length=TIMEZONE_MAX,
        description="IANA time zone a plain date starts in, e.g. Europe/Paris",
    )
    filter: FilterBody = Field(default_factory=FilterBody)
    allow_future: StrictBool = Field(False, description="Accept a date more than one day ahead")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if isinstance(info.data.get("date"), dt.datetime):
            raise ValueError("applies only to a plain date; a date-time carries its own offset")
        if value not in known_time_zones():
            raise ValueError(f"unknown time zone {value!r}; use an IANA name, e.g. Europe/Paris")
        return value

    def to_request(self, campaign_id: str) -> DateRequest:
        zone = ZoneInfo(self.timezone) if self.timezone else None
        return DateRequest(
            campaign_id=campaign_id,
            moment=requested_moment(self.date, zone),
            criteria=self.filter.to_rule(),
            allow_future=self.allow_future,
        )


class MemberView(BaseModel):
    member_id: str
    status: str | None
    email: str | None
    touchpoint_date: dt.datetime | None


class DatedMemberView(BaseModel):
    member_id: str
    touchpoint_date: dt.datetime


class PreviewView(BaseModel):
    campaign_id: str
    campaign_name: str
    date: dt.datetime = Field(description="The moment members would carry, in UTC")
    matched: int
    already_dated: int = Field(description="Matched members that already carry a date")
    already_dated_members: list[DatedMemberView] = Field(description="The first 100 of them")
    sample: list[MemberView]
    touchpoints_enabled: bool = Field(description="Existing touchpoints will be re-dated")
    write_path: str = Field(description="collections (up to 2,000 members) or bulk")


class ProgressView(BaseModel):
    matched: int
    updated: int
    failed: int


class MemberErrorView(BaseModel):
    member_id: str
    error: str
    message: str


class JobView(BaseModel):
    job_id: str
    kind: str = Field(description="apply, or undo (of `undo_of`)")
    campaign_id: str
    state: str = Field(description="pending, running, succeeded, partially_failed or failed")
    date: dt.datetime | None = Field(description="The date applied (an undo restores each own)")
    filter: dict[str, Any] | None = Field(description="The filter as given (apply jobs)")
    requested_by: str = Field(description="IAM principal that started the job")
    salesforce_user: str | None = Field(
        None, description="The Salesforce user a flow ran as (X-Salesforce-User), if any"
    )
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: ProgressView
    write_path: str
    touchpoints_enabled: bool
    recompute_enqueued: bool
    undo_of: str | None
    undone_by: str | None
    message: str | None
    errors: list[MemberErrorView] = Field(description="Per-member errors, one page")
    next: str | None = Field(description="Token for the next page of errors")


class JobContinuation(BaseModel):
    """The message a bulk date job sends itself to carry on (BulkDateJobQueue)."""

    job_id: str = Field(pattern=JOB_ID_PATTERN)
