"""Ids as the admin API takes them: a Salesforce id in its 15- or 18-character form is read and
passed on in the 18-character form (rules/salesforce_ids.py); anything else is refused (422)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from touchpoints.edge.id_patterns import SALESFORCE_ID_PATTERN
from touchpoints.rules.salesforce_ids import canonical_id


def _canonical(text: str) -> str:
    canonical = canonical_id(text)
    if canonical is None:
        raise ValueError("is not a Salesforce id (its 18-character suffix does not match)")
    return canonical


# A body field or (inside `Path(...)`) a path parameter.
SalesforceId = Annotated[
    str, StringConstraints(pattern=SALESFORCE_ID_PATTERN), AfterValidator(_canonical)
]
