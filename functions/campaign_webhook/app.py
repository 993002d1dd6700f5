"""CampaignWebhookFunction: Salesforce outbound message in, SOAP ack out (or a fault to retry)."""

from __future__ import annotations

import base64
import binascii
import functools
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from touchpoints.edge.handler import lambda_entry, logger, metrics
from touchpoints.outbound import ACK_BODY, REFUSAL_BODY, soap_fault
from touchpoints.services.webhook import (
    BadEndpointTokenError,
    EndpointTokenMissingError,
    RefusedMessageError,
    UnknownOrganizationError,
    accept_outbound_message,
)
from touchpoints.wiring import Dependencies

# Each refusal and the HTTP status it answers with (a subclass uses its nearest listed ancestor).
REFUSAL_STATUS: dict[type[RefusedMessageError], int] = {
    EndpointTokenMissingError: 403,
    BadEndpointTokenError: 403,
    UnknownOrganizationError: 403,
    RefusedMessageError: 400,
}


@functools.cache
def _say_once_that_no_token_is_configured() -> None:
    """Once per execution environment (its first invocation): the webhook is shut."""
    logger.error(
        "No outbound endpoint token is configured (OUTBOUND_TOKEN_SECRET_ID and its "
        "outbound_token): every outbound message is refused until it is"
    )


def _reply(status: int, body: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "text/xml; charset=utf-8"},
        "body": body,
    }


def _raw_body(request: APIGatewayProxyEvent) -> bytes:
    """The body as bytes; API Gateway may hand it over base64-encoded."""
    body = request.body or ""
    if not request.is_base64_encoded:
        return body.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise RefusedMessageError("body is not valid base64") from None


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    request = APIGatewayProxyEvent(event)
    token = (request.query_string_parameters or {}).get("token")
    try:
        outcome = accept_outbound_message(
            token,
            deps.outbound_token,
            lambda: _raw_body(request),
            allowed_org_ids=deps.settings.allowed_org_ids,
            notification_log=deps.notification_log,
            enqueuer=deps.enqueuer,
            now=deps.clock(),
        )
    except RefusedMessageError as refused:
        status = next(REFUSAL_STATUS[cls] for cls in type(refused).__mro__ if cls in REFUSAL_STATUS)
        if isinstance(refused, EndpointTokenMissingError):
            _say_once_that_no_token_is_configured()
            metrics.add_metric(name="WebhookTokenMissing", unit=MetricUnit.Count, value=1)
        logger.warning(
            "outbound message refused",
            extra={
                "refusal": {
                    "reason": refused.reason,
                    "detail": refused.detail,
                    "status": status,
                }
            },
        )
        metrics.add_metric(name="WebhookRefused", unit=MetricUnit.Count, value=1)
        return _reply(status, REFUSAL_BODY)
    except Exception:
        # Anything not durably recorded: fault, so Salesforce delivers the message again.
        logger.exception("outbound message not recorded; asking Salesforce to retry")
        metrics.add_metric(name="WebhookFailed", unit=MetricUnit.Count, value=1)
        return _reply(500, soap_fault("not recorded, please retry"))
    metrics.add_metric(name="WebhookAccepted", unit=MetricUnit.Count, value=len(outcome.accepted))
    metrics.add_metric(name="WebhookStale", unit=MetricUnit.Count, value=len(outcome.stale))
    metrics.add_metric(
        name="WebhookDuplicate", unit=MetricUnit.Count, value=len(outcome.campaigns_duplicate)
    )
    metrics.add_metric(
        name="WebhookWithoutRecord", unit=MetricUnit.Count, value=len(outcome.without_record)
    )
    metrics.add_metric(
        name="WebhookOtherObject", unit=MetricUnit.Count, value=len(outcome.other_objects)
    )
    metrics.add_metric(
        name="WebhookNotificationRefused", unit=MetricUnit.Count, value=len(outcome.refused)
    )
    return _reply(200, ACK_BODY)
