"""simple-salesforce imports its Metadata API client, and with it zeep and lxml (about a quarter of
the Salesforce client's load, issue 11), whenever it is imported; we never call the Metadata API
(`Salesforce.mdapi`). Until something does, a stand-in takes that module's place: calling its
`SfdcMetadataApi` loads the real module and builds the real client. The Lambda layer does not
ship zeep and lxml at all (scripts/layer_lock.py), so there the call fails with a clear error.

Importing only the submodules we use cannot avoid it: any of them runs the package's __init__,
which imports `api`, which imports `metadata`."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

METADATA_MODULE = "simple_salesforce.metadata"


def defer_metadata_api() -> None:
    """Install the stand-in, unless simple-salesforce is loaded already (then nothing changes)."""
    if "simple_salesforce" in sys.modules or METADATA_MODULE in sys.modules:
        return
    stand_in = types.ModuleType(METADATA_MODULE, __doc__)
    stand_in.SfdcMetadataApi = _metadata_api  # type: ignore[attr-defined]
    sys.modules[METADATA_MODULE] = stand_in


def _metadata_api(*args: Any, **kwargs: Any) -> Any:
    """The real `SfdcMetadataApi(*args, **kwargs)`, its module loaded on first use."""
    loaded = sys.modules.get(METADATA_MODULE)
    if loaded is not None and loaded.SfdcMetadataApi is _metadata_api:  # the stand-in
        del sys.modules[METADATA_MODULE]
    try:
        module = importlib.import_module(METADATA_MODULE)
    except ModuleNotFoundError as missing:
        package = (missing.name or "zeep").partition(".")[0]
        raise RuntimeError(
            f"simple-salesforce's Metadata API needs {package}, which the layer does not ship"
        ) from missing
    return module.SfdcMetadataApi(*args, **kwargs)
