from datetime import UTC, datetime

import pytest
import simple_salesforce

from emulators.salesforce import SalesforceEmulator

START = datetime(2026, 2, 5, 16, 30, tzinfo=UTC)


@pytest.fixture
def org() -> SalesforceEmulator:
    return SalesforceEmulator(now=START)


@pytest.fixture
def sf(org: SalesforceEmulator) -> simple_salesforce.Salesforce:
    return simple_salesforce.Salesforce(
        instance_url=org.instance_url, session_id="token", session=org.session()
    )


@pytest.fixture
def campaign(org: SalesforceEmulator) -> str:
    return org.insert("Campaign", {"Name": "Jan Conf", "Type": "Conference"})
