"""Queries by a list of values stay within what one Salesforce request may carry."""

from tests.integration.seeds import a_lead


def test_people_with_long_emails_are_all_found_in_queries_that_fit_the_url_limit(world):
    """REST queries are GETs: the URI and headers may hold 16,384 bytes (Salesforce knowledge
    article 000386264, answered with a 414 beyond). 200 emails of 80 characters do not fit one."""
    emails = [
        f"{'attendee-with-a-long-address' * 2}{n:04d}@conference.example.com" for n in range(200)
    ]
    assert all(len(email) >= 80 for email in emails)
    for number, email in enumerate(emails):
        a_lead(world.org, number, email=email)
    gateway = world.program_sync.deps.campaign_sync

    found = gateway.find_people(emails)

    assert len(found) == 200
    # Leads then contacts, each split in two where one query of 200 would have been too long.
    assert world.org.calls["query"] == 4
