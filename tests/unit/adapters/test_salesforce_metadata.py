"""simple-salesforce's Metadata API client (zeep, lxml) loads only when something calls it."""

import json
import subprocess
import sys
from pathlib import Path

LAYER = Path(__file__).resolve().parents[3] / "layers" / "shared"

_FRESH_INTERPRETER = """
import json, sys
from touchpoints.adapters.salesforce_client import connect
loaded_at_import = [name for name in ("zeep", "lxml") if name in sys.modules]
client = connect({"instance_url": "https://example.my.salesforce.com", "access_token": "t"})
metadata_api = client.mdapi
from simple_salesforce.metadata import SfdcMetadataApi
print(json.dumps({
    "loaded_at_import": loaded_at_import,
    "real_client": type(metadata_api) is SfdcMetadataApi and metadata_api is client.mdapi,
    "loaded_after": [name for name in ("zeep", "lxml") if name in sys.modules],
}))
"""


def test_the_metadata_api_loads_on_first_use_and_is_the_real_one():
    """In a fresh interpreter, as a function's cold start: the test process has simple-salesforce
    loaded already, and then the stand-in is (rightly) not installed."""
    result = subprocess.run(
        [sys.executable, "-c", _FRESH_INTERPRETER],
        env={"PYTHONPATH": str(LAYER)},
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(result.stdout) == {
        "loaded_at_import": [],
        "real_client": True,
        "loaded_after": ["zeep", "lxml"],
    }


_WITHOUT_ZEEP = """
import sys
sys.modules["zeep"] = None  # as in the Lambda layer, which does not ship it
from touchpoints.adapters.salesforce_client import connect
client = connect({"instance_url": "https://example.my.salesforce.com", "access_token": "t"})
try:
    client.mdapi
except RuntimeError as error:
    print(error)
"""


def test_without_zeep_as_in_the_layer_the_metadata_api_says_what_is_missing():
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_ZEEP],
        env={"PYTHONPATH": str(LAYER)},
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == (
        "simple-salesforce's Metadata API needs zeep, which the layer does not ship"
    )
