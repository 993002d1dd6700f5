import pytest

from touchpoints.rules.email import is_valid_email, member_email


@pytest.mark.parametrize(
    "email", ["ana@example.com", "a.b+c@sub.example.co.uk", " ana@example.com "]
)
def test_valid_emails_are_accepted(email):
    assert is_valid_email(email)


@pytest.mark.parametrize(
    "email",
    [
        None,
        "",
        "   ",
        "ana",
        "ana@",
        "@example.com",
        "ana@example",
        "a na@example.com",
        "a@b@c.com",
    ],
)
def test_missing_or_malformed_emails_are_refused(email):
    assert not is_valid_email(email)


def test_a_contact_member_uses_the_contact_email():
    assert member_email("lead@x.com", "contact@x.com", has_contact=True) == "contact@x.com"


def test_a_lead_member_uses_the_lead_email():
    assert member_email("lead@x.com", None, has_contact=False) == "lead@x.com"
