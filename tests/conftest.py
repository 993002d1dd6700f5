"""Test-wide environment and the handler watch.

Functions run with the environment template.yaml gives them (`emulators.template_stack`), at the
log level it deploys: nothing here sets a log level. Only what a laptop lacks is faked: AWS
credentials, and the X-Ray daemon (tracing off).
"""

import os

import pytest

from emulators.handler_watch import HANDLER_WATCH
from emulators.template_stack import process_environment

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "POWERTOOLS_LOG_LEVEL"):
    os.environ.pop(name, None)
# Before any test module imports the layer: Powertools names its loggers from it at import.
os.environ.update(process_environment())


@pytest.fixture(autouse=True)
def handler_failures(request):
    """Fails the test if a handler raised, handed back SQS batch items or logged at ERROR, unless
    the test is marked `handler_errors_expected` (it then asserts the outcome it expects). Yields
    the failures seen so far, for tests that check them."""
    HANDLER_WATCH.start()
    try:
        yield HANDLER_WATCH.failures
    finally:
        failures = HANDLER_WATCH.stop()
    if failures and not request.node.get_closest_marker("handler_errors_expected"):
        pytest.fail("a handler failed as deployed:\n" + "\n".join(failures), pytrace=False)
