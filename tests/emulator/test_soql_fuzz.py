"""Whatever text arrives as a query, the emulator answers with results or a Salesforce 400."""

import pytest
import simple_salesforce
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simple_salesforce.exceptions import SalesforceMalformedRequest

from emulators.salesforce import SalesforceEmulator

ORG = SalesforceEmulator()
ORG.insert("Lead", {"LastName": "Ng", "Email": "ng@x.com", "Score__c": 3})
SF = simple_salesforce.Salesforce(
    instance_url=ORG.instance_url, session_id="t", session=ORG.session()
)

pieces = st.sampled_from(
    [
        "SELECT", "Id", "LastName", "Lead.Email", "FROM", "Lead", "WHERE", "AND", "OR", "NOT",
        "(", ")", ",", "=", "!=", "<", ">=", "IN", "LIKE", "'x'", "'%g'", "3", "-1.5", "null",
        "true", "2026-01-15", "2026-01-15T00:00:00Z", "ORDER BY", "DESC", "NULLS LAST",
        "LIMIT", "OFFSET", "COUNT()", "TODAY", "LAST_N_DAYS:3", "'", "\\", ":", "GROUP BY",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(pieces, max_size=14).map(" ".join), st.text(max_size=40)))
def test_any_query_text_gets_results_or_a_400(text):
    outcome = _outcome(text)
    assert outcome in {"ok", "MALFORMED_QUERY", "INVALID_TYPE", "INVALID_FIELD"}, outcome


def _outcome(text: str) -> str:
    """ "ok", or the errorCode of a 400; anything else propagates and fails the test."""
    try:
        result = SF.query(text)
    except SalesforceMalformedRequest as error:
        return error.content[0]["errorCode"] if error.status == 400 else f"HTTP {error.status}"
    return "ok" if result["done"] is True else "not done"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT Id FROM Lead WHERE LastName = 'Ng' AND (Score__c > 1 OR Email LIKE '%x%')",
        "SELECT Id FROM Lead WHERE NOT (Score__c IN (1, 2, 3)) ORDER BY LastName DESC LIMIT 5",
    ],
)
def test_generated_pieces_can_form_valid_queries(text):
    assert SF.query(text)["done"] is True
