"""BulkDateUpdateFunction: preview and apply a touchpoint date to a campaign's members."""

import datetime as dt
import functools
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from touchpoints.rules.member_filter import MemberFilter
from touchpoints.services.bulk_date import (
    CampaignNotFoundError,
    NoMatchingMembersError,
    apply_touchpoint_date,
    preview_touchpoint_date,
)
from touchpoints.settings import load_settings
from touchpoints.wiring import Dependencies

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="OfflineTouchpoints")
api = APIGatewayRestResolver(enable_validation=True)


class FilterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    statuses: list[str] | None = None
    responded: bool | None = None
    created_from: date | None = None
    created_to: date | None = None
    member_ids: list[str] | None = None
    only_without_date: bool = False

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
    date: AwareDatetime | dt.date = Field(
        description="ISO date (00:00 UTC) or datetime with offset"
    )
    filter: FilterBody = Field(default_factory=FilterBody)

    def when(self) -> datetime:
        if isinstance(self.date, datetime):
            return self.date.astimezone(UTC)
        return datetime.combine(self.date, time.min, tzinfo=UTC)


@functools.cache
def default_dependencies() -> Dependencies:
    return Dependencies(load_settings())


def _error(status: int, code: str, message: str, field: str | None = None) -> Response:
    body = {"error": code, "message": message, **({"field": field} if field else {})}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@api.exception_handler(CampaignNotFoundError)
def _not_found(error: CampaignNotFoundError) -> Response:
    return _error(404, "CAMPAIGN_NOT_FOUND", str(error))


@api.exception_handler(NoMatchingMembersError)
def _no_match(error: NoMatchingMembersError) -> Response:
    return _error(422, "NO_MATCHING_MEMBERS", str(error), "filter")


@api.post("/campaigns/<campaign_id>/touchpoint-date/preview")
def preview(campaign_id: str, body: DateBody) -> dict[str, Any]:
    deps: Dependencies = api.context["deps"]
    result = preview_touchpoint_date(deps.salesforce, campaign_id, body.filter.to_rule())
    return {
        "campaign_id": result.campaign.id,
        "date": body.when().isoformat(),
        "matched": result.matched,
        "already_dated": result.already_dated,
        "touchpoints_enabled": bool(result.campaign.sync_mode.value),
        "sample": [
            {
                "member_id": m.id,
                "status": m.status,
                "email": m.email,
                "touchpoint_date": m.touchpoint_date.isoformat() if m.touchpoint_date else None,
            }
            for m in result.sample
        ],
    }


@api.post("/campaigns/<campaign_id>/touchpoint-date")
def apply(
    campaign_id: str,
    body: DateBody,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1)],
) -> dict[str, Any]:
    deps: Dependencies = api.context["deps"]
    result = apply_touchpoint_date(
        deps.salesforce,
        deps.queue,
        campaign_id,
        body.when(),
        body.filter.to_rule(),
        idempotency_key,
    )
    logger.info(
        "touchpoint date applied",
        extra={
            "campaign_id": campaign_id,
            "matched": result.matched,
            "updated": result.updated,
            "failed": len(result.errors),
        },
    )
    return {
        "campaign_id": campaign_id,
        "date": body.when().isoformat(),
        "matched": result.matched,
        "updated": result.updated,
        "failed": len(result.errors),
        "errors": [
            {"member_id": e.ref, "error": e.error_code, "message": e.message} for e in result.errors
        ],
        "touchpoints_enabled": result.recompute_enqueued,
        "recompute_enqueued": result.recompute_enqueued,
    }


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(
    event: dict[str, Any], context: Any, deps: Dependencies | None = None
) -> dict[str, Any]:
    api.append_context(deps=deps or default_dependencies())
    return api.resolve(event, context)
