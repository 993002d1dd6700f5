"""Rule: a touchpoint needs a person with a valid email."""

import re
from typing import TypeGuard

# Deliberately plain: one @, a non-empty local part, a dotted domain, no spaces.
# Salesforce has already validated Email fields; this catches blanks and placeholders.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


def is_valid_email(email: str | None) -> TypeGuard[str]:
    """A member whose lead/contact has no valid email gets no touchpoint."""
    return email is not None and _EMAIL.fullmatch(email.strip()) is not None


def member_email(
    lead_email: str | None, contact_email: str | None, has_contact: bool
) -> str | None:
    """A member's email is its contact's when it is a contact, else its lead's (as Salesforce)."""
    return contact_email if has_contact else lead_email
