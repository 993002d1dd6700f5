"""Salesforce records ↔ domain values: one place that knows the field names on the wire.

REST returns JSON with nested parents (`{"Lead": {"Email": …}}`); Bulk API 2.0 returns CSV with
dotted columns (`Lead.Email`) and text for every value. Both become the same `Member`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from touchpoints.adapters.salesforce_dates import (
    format_datetime,
    parse_date,
    parse_datetime,
    parse_required_datetime,
)
from touchpoints.rules.change_events import WatchedFields
from touchpoints.rules.email import member_email
from touchpoints.rules.models import Member, Touchpoint
from touchpoints.settings import CampaignFields, TouchpointFields

TOUCHPOINT_SOURCE = "CRM Campaign"


class RecordMapper:
    def __init__(
        self, campaign_fields: CampaignFields, touchpoint_fields: TouchpointFields
    ) -> None:
        self.campaign = campaign_fields
        self.touchpoint = touchpoint_fields

    # -- members -----------------------------------------------------------------------------

    @property
    def member_column_names(self) -> tuple[str, ...]:
        return (
            "Id",
            "CampaignId",
            "LeadId",
            "ContactId",
            "Lead.Email",
            "Contact.Email",
            "Status",
            "HasResponded",
            "FirstRespondedDate",
            "CreatedDate",
            self.campaign.member_touchpoint_date,
        )

    @property
    def member_columns(self) -> str:
        return ", ".join(self.member_column_names)

    @property
    def watched_fields(self) -> WatchedFields:
        """The fields the touchpoints are made from, as change events name them: the columns
        the recompute reads (campaign, member) and, of a lead or contact, its email and what a
        conversion or merge changes."""
        f = self.campaign
        return WatchedFields(
            campaign=frozenset({"Name", "Type", f.sync_mode, f.start_date, f.end_date}),
            member=frozenset(
                {
                    "CampaignId",
                    "LeadId",
                    "ContactId",
                    "Status",
                    "HasResponded",
                    "FirstRespondedDate",
                    "CreatedDate",
                    f.member_touchpoint_date,
                }
            ),
            person=frozenset({"Email", "IsConverted", "ConvertedContactId", "MasterRecordId"}),
        )

    def member_from_json(self, record: Mapping[str, Any]) -> Member:
        lead, contact = record.get("Lead") or {}, record.get("Contact") or {}
        return self._member(
            record, lead.get("Email"), contact.get("Email"), record.get("HasResponded")
        )

    def members_from_csv(self, header: list[str]) -> Callable[[list[str]], Member]:
        """Members from a Bulk result's rows under `header`, read by column position (cells are
        text; an empty cell is null): a result holds every member of a campaign, and a dict per
        row costs more than the row's Member."""
        # A column the result lacks reads as null, from an empty cell added after the last.
        absent = len(header)
        column = {name: index for index, name in enumerate(header)}
        (
            id_,
            campaign_id,
            lead_id,
            contact_id,
            lead_email,
            contact_email,
            status,
            responded,
            first_responded,
            created,
            touchpoint_date,
        ) = (column.get(name, absent) for name in self.member_column_names)

        def member(row: list[str]) -> Member:  # positional: keywords cost more per member
            contact = row[contact_id] or None
            return Member(
                row[id_],
                row[campaign_id],
                row[lead_id] or None,
                contact,
                member_email(
                    row[lead_email] or None, row[contact_email] or None, contact is not None
                ),
                row[responded].lower() == "true",
                parse_required_datetime(row[created]),
                parse_date(row[first_responded]),
                parse_datetime(row[touchpoint_date]),
                row[status] or None,
            )

        if all(name in column for name in self.member_column_names):
            return member
        return lambda row: member([*row, ""])

    def _member(
        self,
        record: Mapping[str, Any],
        lead_email: str | None,
        contact_email: str | None,
        responded: Any,
    ) -> Member:
        return Member(
            id=record["Id"],
            campaign_id=record["CampaignId"],
            lead_id=record.get("LeadId"),
            contact_id=record.get("ContactId"),
            email=member_email(
                lead_email, contact_email, has_contact=bool(record.get("ContactId"))
            ),
            has_responded=bool(responded),
            created_date=parse_required_datetime(record["CreatedDate"]),
            first_responded_date=parse_date(record.get("FirstRespondedDate")),
            touchpoint_date=parse_datetime(record.get(self.campaign.member_touchpoint_date)),
            status=record.get("Status"),
        )

    # -- touchpoints -------------------------------------------------------------------------

    @property
    def touchpoint_columns(self) -> str:
        """What a touchpoint query selects: its Id and the fields we write, but the constant source."""
        return ", ".join(("Id", *self._touchpoint_read_back))

    def touchpoint_fields_header(self) -> tuple[str, ...]:
        """The columns `touchpoint_fields` writes, in its order (a Bulk upload's header)."""
        return self._touchpoint_header

    @cached_property
    def _touchpoint_header(self) -> tuple[str, ...]:
        f = self.touchpoint
        return (
            f.key,
            f.campaign,
            f.campaign_member_id,
            f.lead,
            f.contact,
            f.email,
            f.touchpoint_date,
            f.channel,
            f.channel_path,
            f.source,
            f.medium,
        )

    @cached_property
    def _touchpoint_read_back(self) -> tuple[str, ...]:
        """The written fields a touchpoint is read back by, in the header's order: all but the
        constant source."""
        return tuple(name for name in self._touchpoint_header if name != self.touchpoint.source)

    def touchpoint_fields(self, touchpoint: Touchpoint) -> dict[str, Any]:
        return dict(zip(self._touchpoint_header, self.touchpoint_values(touchpoint), strict=True))

    @staticmethod
    def touchpoint_values(touchpoint: Touchpoint) -> tuple[Any, ...]:
        """`touchpoint_fields`' values alone, in the header's order (a Bulk upload's row)."""
        return (
            touchpoint.key,
            touchpoint.campaign_id,
            touchpoint.member_id,
            touchpoint.lead_id,
            touchpoint.contact_id,
            touchpoint.email,
            format_datetime(touchpoint.touchpoint_date),
            touchpoint.channel,
            touchpoint.channel_path,
            TOUCHPOINT_SOURCE,
            touchpoint.medium,
        )

    def touchpoints_from_csv(self, header: list[str]) -> Callable[[list[str]], Touchpoint]:
        """Touchpoints from a Bulk file's rows under `header` (a query's result, an ingest job's
        results), read by column position: text cells, empty or #N/A is null, and a column the
        file lacks is null. A file holds a row per touchpoint, so no dict is made per row."""
        names = self._touchpoint_read_back
        absent = len(header)  # the empty cell added after the last when a column is lacking
        column = {name: index for index, name in enumerate(header)}
        key, campaign, member, lead, contact, email, when, channel, path, medium = (
            column.get(name, absent) for name in names
        )

        def touchpoint(row: list[str]) -> Touchpoint:  # positional: keywords cost more per row
            # as held: a field blanked by hand is None (the row's cells at once, not a call each)
            held: list[Any] = [None if not cell or cell == "#N/A" else cell for cell in row]
            return Touchpoint(
                row[key],
                held[campaign],
                held[member],
                held[lead],
                held[contact],
                held[email],
                cast(datetime, parse_datetime(held[when])),
                held[channel],
                held[path],
                held[medium],
            )

        if all(name in column for name in names):
            return touchpoint
        return lambda row: touchpoint([*row, ""])

    def touchpoint_from_csv(self, row: Mapping[str, str]) -> Touchpoint:
        """One Bulk row given as a dict by column name (see `touchpoints_from_csv`)."""
        return self.touchpoints_from_csv(list(row))(list(row.values()))

    def touchpoint_from_json(self, record: Mapping[str, Any]) -> Touchpoint:
        """What Salesforce holds (possibly edited by hand), as a comparable Touchpoint. A field
        blanked by hand (or cleared by a deleted lookup) stays None, so it compares unequal to
        what the rules want and is corrected."""
        f = self.touchpoint
        held: Callable[[str], Any] = record.get
        return Touchpoint(
            key=record[f.key],
            campaign_id=held(f.campaign),
            member_id=held(f.campaign_member_id),
            lead_id=held(f.lead),
            contact_id=held(f.contact),
            email=held(f.email),
            touchpoint_date=cast(datetime, parse_datetime(held(f.touchpoint_date))),
            channel=held(f.channel),
            channel_path=held(f.channel_path),
            medium=held(f.medium),
        )
