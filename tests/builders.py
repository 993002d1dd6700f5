"""Small builders for domain values, so each test states only what matters to it."""

from dataclasses import replace
from datetime import UTC, date, datetime

from touchpoints.rules.models import Campaign, Member, SyncMode

CAMPAIGN_ID = "701000000000001AAA"


def a_campaign(**changes) -> Campaign:
    base = Campaign(
        id=CAMPAIGN_ID,
        name="January Conference",
        type="Conference",
        sync_mode=SyncMode.INCLUDE_ALL,
    )
    return replace(base, **changes)


def a_member(number: int = 1, **changes) -> Member:
    base = Member(
        id=f"00v{number:012d}AAA",
        campaign_id=CAMPAIGN_ID,
        lead_id=f"00Q{number:012d}AAA",
        contact_id=None,
        email=f"person{number}@example.com",
        has_responded=True,
        created_date=datetime(2026, 2, 5, 16, 30, tzinfo=UTC),
        first_responded_date=date(2026, 2, 6),
        touchpoint_date=None,
        status="Attended",
    )
    return replace(base, **changes)
