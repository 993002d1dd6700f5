"""Salesforce outbound messages: parse the SOAP notification safely, build the ack and the fault.

XML is parsed with defusedxml only: DTDs, entity expansion and external entities are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100
MAX_BODY_BYTES = 1_000_000

ACK_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}">'
    "<soapenv:Body>"
    f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body></soapenv:Envelope>"
)


# The objects whose outbound messages this endpoint acts on.
ACTED_ON_OBJECTS = frozenset({"Campaign", "CampaignMember"})


class MalformedOutboundMessageError(ValueError):
    """The body is not a Salesforce outbound message this endpoint can accept."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One `<Notification>`: the record it is about and the fields Salesforce sent."""

    id: str
    sobject_type: str | None
    record_id: str | None
    fields: dict[str, str | None] = field(default_factory=dict)

    @property
    def about_other_object(self) -> bool:
        """About a record of another object (an Opportunity carrying a CampaignId, say): such
        a notification is acknowledged and counted, never acted on."""
        return self.sobject_type is not None and self.sobject_type not in ACTED_ON_OBJECTS

    @property
    def campaign_id(self) -> str | None:
        """The campaign to recompute: the record itself, or a member's campaign."""
        if self.sobject_type == "Campaign":
            return self.record_id
        if self.sobject_type == "CampaignMember":
            return self.fields.get("CampaignId")
        return None

    @property
    def modified_at(self) -> datetime | None:
        """When the record last changed, or None when the message does not say so readably."""
        return _parse_stamp(
            self.fields.get("SystemModstamp") or self.fields.get("LastModifiedDate")
        )


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    organization_id: str
    action_id: str | None
    notifications: tuple[Notification, ...]


def _parse_stamp(stamp: str | None) -> datetime | None:
    """`2026-02-05T16:30:00.000Z` → aware UTC datetime; anything unreadable (or without a zone,
    which Salesforce never sends) is an unknown moment, not an error."""
    if not stamp:
        return None
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(parent: Element, name: str) -> str | None:
    child = parent.find(f"{{{OUTBOUND_NS}}}{name}")
    return child.text.strip() if child is not None and child.text else None


def _parse_sobject(sobject: Element | None) -> tuple[str | None, dict[str, str | None]]:
    if sobject is None:
        return None, {}
    xsi_type = sobject.get(f"{{{XSI_NS}}}type") or ""
    sobject_type = xsi_type.split(":", 1)[-1] or None
    fields = {}
    for child in sobject:
        nil = child.get(f"{{{XSI_NS}}}nil") == "true"
        fields[_local(child.tag)] = None if nil else (child.text or "").strip()
    return sobject_type, fields


def parse_outbound_message(body: bytes) -> OutboundMessage:
    """Parse and check the envelope: SOAP 1.1, the outbound namespace, 1 to 100 notifications."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedOutboundMessageError(f"body is larger than {MAX_BODY_BYTES} bytes")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise MalformedOutboundMessageError(
            f"forbidden XML construct: {type(error).__name__}"
        ) from None
    except ParseError as error:
        raise MalformedOutboundMessageError(f"not well-formed XML: {error}") from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise MalformedOutboundMessageError("not a SOAP 1.1 envelope")
    notifications = root.find(f"{{{SOAP_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
    if notifications is None:
        raise MalformedOutboundMessageError(f"no <notifications> in namespace {OUTBOUND_NS}")
    org_id = _text(notifications, "OrganizationId")
    if not org_id:
        raise MalformedOutboundMessageError("OrganizationId is missing")
    items = notifications.findall(f"{{{OUTBOUND_NS}}}Notification")
    if not 1 <= len(items) <= MAX_NOTIFICATIONS:
        raise MalformedOutboundMessageError(
            f"a message carries 1 to {MAX_NOTIFICATIONS} notifications, this one {len(items)}"
        )
    parsed = []
    for item in items:
        notification_id = _text(item, "Id")
        if not notification_id:
            raise MalformedOutboundMessageError("a notification has no Id")
        sobject_type, fields = _parse_sobject(item.find(f"{{{OUTBOUND_NS}}}sObject"))
        parsed.append(Notification(notification_id, sobject_type, fields.get("Id"), fields))
    return OutboundMessage(org_id, _text(notifications, "ActionId"), tuple(parsed))


def soap_fault(message: str, code: str = "Server") -> str:
    """A SOAP fault: Salesforce treats it (with a non-2xx status) as not delivered and retries."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>soapenv:{code}</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )


# The one answer to every refused message (token, organization, malformed): it says nothing about
# which check failed and echoes nothing the caller sent.
REFUSAL_BODY = soap_fault("message refused", code="Client")
