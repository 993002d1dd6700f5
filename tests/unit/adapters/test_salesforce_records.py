from datetime import UTC, date, datetime

from touchpoints.adapters.salesforce_records import RecordMapper
from touchpoints.rules.models import Member
from touchpoints.settings import CampaignFields, TouchpointFields

MAPPER = RecordMapper(CampaignFields(), TouchpointFields())
HEADER = list(MAPPER.member_column_names)


def _row(**cells: str) -> list[str]:
    return [cells.get(name, "") for name in HEADER]


def test_a_bulk_row_reads_as_the_member_its_rest_record_is():
    touchpoint_date = MAPPER.campaign.member_touchpoint_date
    cells = {
        "Id": "00v000000000001AAA",
        "CampaignId": "701000000000001AAA",
        "LeadId": "00Q000000000001AAA",
        "ContactId": "003000000000001AAA",
        "Lead.Email": "lead@example.com",
        "Contact.Email": "contact@example.com",
        "Status": "Attended",
        "HasResponded": "true",
        "FirstRespondedDate": "2026-01-12",
        "CreatedDate": "2026-01-10T09:00:00.000Z",
        touchpoint_date: "2026-01-11T15:30:00.000Z",
    }
    record = {
        **{name: value for name, value in cells.items() if "." not in name},
        "HasResponded": True,
        "Lead": {"Email": "lead@example.com"},
        "Contact": {"Email": "contact@example.com"},
    }

    member = MAPPER.members_from_csv(HEADER)(_row(**cells))

    assert member == MAPPER.member_from_json(record)
    assert (member.email, member.has_responded, member.first_responded_date) == (
        "contact@example.com",
        True,
        date(2026, 1, 12),
    )
    assert member.touchpoint_date == datetime(2026, 1, 11, 15, 30, tzinfo=UTC)


def test_empty_cells_are_null_and_a_lead_member_has_its_leads_email():
    row = _row(
        Id="00v000000000002AAA",
        CampaignId="701000000000001AAA",
        LeadId="00Q000000000002AAA",
        HasResponded="false",
        CreatedDate="2026-01-10T09:00:00.000Z",
        **{"Lead.Email": "lead@example.com"},
    )

    member = MAPPER.members_from_csv(HEADER)(row)

    assert member == Member(
        id="00v000000000002AAA",
        campaign_id="701000000000001AAA",
        lead_id="00Q000000000002AAA",
        contact_id=None,
        email="lead@example.com",
        has_responded=False,
        created_date=datetime(2026, 1, 10, 9, tzinfo=UTC),
    )


def test_a_column_the_result_lacks_reads_as_null():
    header = [name for name in HEADER if name != "Status"]
    cells = {"Id": "00v000000000003AAA", "CampaignId": "701000000000001AAA"}
    row = [cells.get(name, "") for name in header]
    row[header.index("CreatedDate")] = "2026-01-10T09:00:00.000Z"

    member = MAPPER.members_from_csv(header)(row)

    assert (member.id, member.status) == ("00v000000000003AAA", None)


def test_a_bulk_touchpoint_row_reads_blank_and_na_cells_as_null_by_position_or_by_name():
    header = ["sf__Id", "sf__Created", *MAPPER.touchpoint_fields_header()]
    values = dict.fromkeys(header, "")
    f = MAPPER.touchpoint
    values.update({
        "sf__Id": "a0X000000000001AAA", "sf__Created": "true", f.key: "OCT-00v1",
        f.campaign: "701000000000001AAA", f.campaign_member_id: "00v1", f.lead: "00Q1",
        f.contact: "#N/A", f.email: "lead@example.com",
        f.touchpoint_date: "2026-01-10T09:00:00.000Z", f.channel: "Offline Event",
        f.channel_path: "Offline Event.Conference", f.medium: "#N/A",
    })  # fmt: skip
    row = [values[name] for name in header]

    by_position = MAPPER.touchpoints_from_csv(header)(row)

    assert by_position == MAPPER.touchpoint_from_csv(values)
    assert (by_position.contact_id, by_position.medium, by_position.touchpoint_date) == (
        None,
        None,
        datetime(2026, 1, 10, 9, tzinfo=UTC),
    )
    assert MAPPER.touchpoints_from_csv(header[:-1])(row[:-1]).medium is None
