"""Composes Salesforce outbound messages (SOAP 1.1) the way Salesforce sends them, for tests and
the demo: one `<Notification>` per record, the fields chosen in the outbound message definition."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape

from emulators.salesforce.ids import checksum_suffix

ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{org_id}</OrganizationId>
   <ActionId>04k5w000000TSwMAAW</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/59.0/{org15}</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/59.0/{org15}</PartnerUrl>
{notifications}  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
"""

_counter = itertools.count(1)


def next_notification_id() -> str:
    """Notification ids look like Salesforce's (04l prefix, 18 characters with the case-safe
    suffix); unique within a process."""
    id15 = f"04l5w{next(_counter):010d}"
    return id15 + checksum_suffix(id15)


def _field(name: str, value: object) -> str:
    if value is None:
        return f'     <sf:{name} xsi:nil="true"/>\n'
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"     <sf:{name}>{escape(str(value))}</sf:{name}>\n"


def notification_xml(
    notification_id: str, sobject_type: str | None, fields: Mapping[str, object]
) -> str:
    """A `<Notification>`; `sobject_type=None` gives one with no sObject (as for a deleted record)."""
    if sobject_type is None:
        return f"   <Notification>\n    <Id>{notification_id}</Id>\n   </Notification>\n"
    body = "".join(_field(name, value) for name, value in fields.items())
    return (
        f"   <Notification>\n    <Id>{notification_id}</Id>\n"
        f'    <sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com" xsi:type="sf:{sobject_type}">\n'
        f"{body}    </sObject>\n   </Notification>\n"
    )


def outbound_message(
    org_id: str, notifications: Iterable[tuple[str, str | None, Mapping[str, object]]]
) -> str:
    """The whole SOAP message for (notification id, sObject type, fields) triples."""
    parts = "".join(notification_xml(*item) for item in notifications)
    return ENVELOPE.format(org_id=org_id, org15=org_id[:15], notifications=parts)


def record_notifications(
    sobject_type: str, records: Iterable[Mapping[str, object]], fields: Iterable[str]
) -> list[tuple[str, str, dict[str, object]]]:
    """Notifications for records, carrying the chosen fields (as an outbound message definition does)."""
    names = list(fields)
    return [
        (next_notification_id(), sobject_type, {name: record.get(name) for name in names})
        for record in records
    ]


CAMPAIGN_FIELDS = (
    "Id",
    "Name",
    "Type",
    "Enable_Buyer_Touchpoints__c",
    "Touchpoint_Start_Date__c",
    "Touchpoint_End_Date__c",
    "LastModifiedDate",
    "SystemModstamp",
)
MEMBER_FIELDS = (
    "Id",
    "CampaignId",
    "Status",
    "Buyer_Touchpoint_Date__c",
    "LastModifiedDate",
    "SystemModstamp",
)
