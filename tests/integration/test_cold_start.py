"""What a cold start loads, and what the layer ships: structure, not timing (timing is
`make bench-cold-start`)."""

import pytest

from scripts.bench_cold_start import handler_dirs, probe_handler
from scripts.layer_lock import LOCK, RUNTIME_PROVIDED, lock_text

# Clients the webhook's trigger never uses: Salesforce (simple-salesforce, its SOAP and JWT
# dependencies, requests) and Marketo.
NOT_FOR_THE_WEBHOOK = (
    "simple_salesforce",
    "zeep",
    "lxml",
    "jwt",
    "cryptography",
    "requests",
    "touchpoints.adapters.marketo",
    "touchpoints.adapters.salesforce",
    "touchpoints.adapters.salesforce_client",
)


def _loaded(modules: frozenset[str], name: str) -> bool:
    return name in modules or any(module.startswith(f"{name}.") for module in modules)


def test_the_webhook_cold_start_loads_no_salesforce_or_marketo_client():
    """Imported as Lambda imports it (the function's folder, then the layer), with the
    template's environment and tracing on as deployed."""
    modules = probe_handler("CampaignWebhookFunction").modules

    assert "app" in modules  # the probe did import the handler
    assert "boto3" in modules
    assert [name for name in NOT_FOR_THE_WEBHOOK if _loaded(modules, name)] == []


SALESFORCE_CALLERS = [
    "BulkDateApiFunction",
    "BulkDateJobFunction",
    "TouchpointRecomputeFunction",
    "ReconciliationSweepFunction",
    "ProgramSyncFunction",
    "ProgramSyncApiFunction",
    "ChangeEventFunction",
]


@pytest.mark.parametrize("logical_id", [*SALESFORCE_CALLERS, "SyncStatusFunction"])
def test_no_function_loads_the_marketo_client_at_import(logical_id):
    """The program sync names Marketo's errors from touchpoints.errors: its client loads with the
    first Marketo call, and the other functions never load it."""
    modules = probe_handler(logical_id).modules

    assert not _loaded(modules, "touchpoints.adapters.marketo")


@pytest.mark.parametrize("logical_id", SALESFORCE_CALLERS)
def test_salesforce_and_marketo_http_calls_are_still_traced(logical_id):
    """With tracing on as deployed, requests is patched for X-Ray once the first call loads it
    (the handler's import no longer patches it up front)."""
    modules = probe_handler(logical_id, first_call=True).modules

    assert "requests" in modules
    assert "aws_xray_sdk.ext.requests.patch" in modules
    assert "aws_xray_sdk.ext.botocore.patch" in modules


@pytest.mark.parametrize(
    "logical_id",
    [
        "BulkDateApiFunction",
        "BulkDateJobFunction",
        "TouchpointRecomputeFunction",
        "ReconciliationSweepFunction",
        "SyncStatusFunction",
        "ChangeEventFunction",
    ],
)
def test_the_salesforce_client_loads_with_the_first_salesforce_call_not_the_import(logical_id):
    """Their HTTP routes that read only DynamoDB (job status, sync status) never load it."""
    modules = probe_handler(logical_id).modules

    assert [name for name in ("simple_salesforce", "requests") if _loaded(modules, name)] == []


@pytest.mark.parametrize(
    "logical_id",
    [
        "CampaignWebhookFunction",
        "BulkDateJobFunction",
        "TouchpointRecomputeFunction",
        "ReconciliationSweepFunction",
        "ProgramSyncFunction",
        "ChangeEventFunction",
    ],
)
def test_the_queue_and_scheduled_functions_load_no_pydantic_at_import(logical_id):
    """Their messages are read without it (edge/queue_messages.py) and their run reports are
    pydantic-free (edge/run_reports.py): about a third of their cold import (issue 11). A message
    not in our producers' plain shape loads the pydantic model when it comes."""
    modules = probe_handler(logical_id).modules

    assert "app" in modules
    assert [name for name in ("pydantic", "pydantic_core") if _loaded(modules, name)] == []


@pytest.mark.parametrize("logical_id", SALESFORCE_CALLERS)
def test_the_salesforce_client_loads_without_its_metadata_api_client(logical_id):
    """simple-salesforce imports zeep and lxml for the Metadata API, which we never call: a
    stand-in defers them (adapters/salesforce_metadata.py)."""
    modules = probe_handler(logical_id, first_call=True).modules

    assert "simple_salesforce.api" in modules
    assert [name for name in ("zeep", "lxml") if _loaded(modules, name)] == []


def test_the_read_only_sync_status_never_loads_a_salesforce_or_marketo_client():
    """Its first call reads the state table only."""
    modules = probe_handler("SyncStatusFunction", first_call=True).modules

    assert [name for name in NOT_FOR_THE_WEBHOOK if _loaded(modules, name)] == []


# Admin API functions whose plain requests are read without pydantic (edge/light_api.py).
LIGHT_API_FUNCTIONS = [
    "BulkDateApiFunction",
    "SyncStatusFunction",
    "ChannelMappingFunction",
    "ProgramSyncApiFunction",
]
# What the documented resolver loads, about a third of an API function's cold start (issue 18).
FOR_THE_DOCUMENTED_RESOLVER_ONLY = (
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools.event_handler",
)


@pytest.mark.parametrize("logical_id", LIGHT_API_FUNCTIONS)
@pytest.mark.parametrize("first_call", [False, True], ids=["import", "first call"])
def test_an_api_function_loads_no_validating_resolver_for_a_plain_request(logical_id, first_call):
    """Its light readers take a plain request and its replies are shaped without Powertools'
    event handler; pydantic loads only for a request they leave to the documented resolver
    (tests/integration/test_admin_api_light_path.py checks both answer alike)."""
    modules = probe_handler(logical_id, first_call=first_call).modules

    assert "app" in modules
    assert [name for name in FOR_THE_DOCUMENTED_RESOLVER_ONLY if _loaded(modules, name)] == []


# One function's code, and the functions that may load it at their import (issue 18): a function
# creates another's classes only by importing its code, which a type-only import (under
# TYPE_CHECKING) or a lazily parsed setting avoids.
FUNCTION_CODE = {
    "touchpoints.services.recompute": {"TouchpointRecomputeFunction"},
    "touchpoints.services.bulk_date": {"BulkDateApiFunction", "BulkDateJobFunction"},
    "touchpoints.rules.bulk_jobs": {"BulkDateApiFunction", "BulkDateJobFunction"},
    "touchpoints.services.program_sync": {"ProgramSyncFunction", "ProgramSyncApiFunction"},
    "touchpoints.ports.campaigns": {"ProgramSyncFunction", "ProgramSyncApiFunction"},
    "touchpoints.services.change_events": {"ChangeEventFunction"},
    "touchpoints.services.sync_status": {"SyncStatusFunction"},
    "touchpoints.services.sweep": {"ReconciliationSweepFunction"},
    # The attribution rules (and `fractions`) for the attribution function only; settings parse
    # its model and weights where it reads them.
    "touchpoints.ports.attribution": {"AttributionFunction"},
    "touchpoints.rules.attribution": {"AttributionFunction"},
    "touchpoints.rules.attribution_opportunity": {"AttributionFunction"},
    "fractions": {"AttributionFunction"},
    # The members' state values, where members' state is read or written (not the webhook's
    # notification log, a port of its own).
    "touchpoints.ports.state": {
        "TouchpointRecomputeFunction",
        "ReconciliationSweepFunction",
        "SyncStatusFunction",
    },
    # The API limit's hold: where every message is read inside it; the recompute's policy loads
    # it when the limit is met.
    "touchpoints.services.api_limit": {"BulkDateJobFunction", "AttributionFunction"},
}
FUNCTIONS = [
    "CampaignWebhookFunction",
    "BulkDateApiFunction",
    "BulkDateJobFunction",
    "AttributionFunction",
    "TouchpointRecomputeFunction",
    "ReconciliationSweepFunction",
    "ChangeEventFunction",
    "SyncStatusFunction",
    "ChannelMappingFunction",
    "ProgramSyncFunction",
    "ProgramSyncApiFunction",
]


def test_every_function_is_checked_for_other_functions_code():
    assert set(FUNCTIONS) == set(handler_dirs())


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_a_function_imports_no_other_functions_code(logical_id):
    """Each class costs about half a millisecond to create (a frozen dataclass compiles its
    methods): what a function does not run, it does not load (`make bench-cold-start`)."""
    modules = probe_handler(logical_id).modules

    assert "app" in modules
    foreign = [
        name
        for name, owners in FUNCTION_CODE.items()
        if logical_id not in owners and _loaded(modules, name)
    ]
    assert foreign == []


def test_the_layer_lock_is_the_requirements_closure_at_the_dev_pins():
    assert LOCK.read_text() == lock_text(), (
        "layers/shared/layer-requirements.txt is stale: run `make layer-lock` and commit it"
    )


def test_the_layer_carries_no_aws_sdk_of_its_own():
    """The runtime provides boto3 and botocore; a second botocore (via aws-xray-sdk) doubled
    the layer's size and shadowed the runtime's."""
    names = {line.split("==")[0] for line in LOCK.read_text().splitlines() if "==" in line}

    assert names & RUNTIME_PROVIDED == set()
    assert {"aws-xray-sdk", "aws-lambda-powertools", "simple-salesforce"} <= names


def test_the_layer_ships_no_metadata_api_client():
    """No function imports zeep or lxml (the tests above), so the layer leaves them out."""
    names = {line.split("==")[0] for line in LOCK.read_text().splitlines() if "==" in line}

    assert names & {"zeep", "lxml"} == set()
