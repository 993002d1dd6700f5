"""What an admin clicks in Salesforce: screen flows over the admin API's External Service actions.

- "Bulk Update Touchpoint Date", a quick action on Campaign: the member filter (statuses, created
  range, only undated), the date, the preview count, apply, the job's progress, undo;
- "Touchpoint Sync Status", a quick action on Campaign: the last run's counts, its members by
  status, and the sync report's CLI command (the report is an IAM route: a browser link cannot
  sign it);
- "Offline Channel Mapping", a Lightning app page with its tab: the mapping and its unmapped types,
  one row added, changed or removed, the campaigns it will re-map, saved with the version it was
  read at;
- the permission set `Offline_Touchpoints_Admins`: the flows, the tab and the named credential's
  principal.

Each flow calls the External Service `Offline_Touchpoints_Admin_Api` (registered from
openapi/admin-api.json by scripts/salesforce_metadata.py) through actions named
`<service>.<operationId>`, binding inputs by parameter name (`body` for the request body) and
outputs by response code to variables of the types External Services generate for the document's
schemas (`ExternalService__<service>_<schema>`). tests/unit/scripts/test_salesforce_flows.py
checks every binding against the document; Lightning Flow Scanner lints them (make salesforce-check).
"""

from __future__ import annotations

from scripts.salesforce_flows.bulk_date import bulk_date_flow
from scripts.salesforce_flows.channel_mapping import mapping_flow
from scripts.salesforce_flows.common import operation, schema_type
from scripts.salesforce_flows.names import (
    ADMINS_PERMISSION_SET,
    APP,
    BULK_DATE_ACTION,
    BULK_DATE_FLOW,
    MAPPING_FLOW,
    MAPPING_PAGE,
    SYNC_STATUS_ACTION,
    SYNC_STATUS_FLOW,
)
from scripts.salesforce_flows.placement import (
    admins_permission_set,
    app,
    mapping_page,
    mapping_tab,
    quick_action,
)
from scripts.salesforce_flows.sync_status import sync_status_flow
from scripts.salesforce_names import EXTERNAL_CREDENTIAL, EXTERNAL_SERVICE, PRINCIPAL
from touchpoints.settings import CampaignFields

__all__ = [
    "ADMINS_PERMISSION_SET",
    "APP",
    "BULK_DATE_ACTION",
    "BULK_DATE_FLOW",
    "EXTERNAL_CREDENTIAL",
    "EXTERNAL_SERVICE",
    "MAPPING_FLOW",
    "PRINCIPAL",
    "SYNC_STATUS_ACTION",
    "SYNC_STATUS_FLOW",
    "metadata_files",
    "operation",
    "schema_type",
]


def metadata_files(campaign_fields: CampaignFields) -> dict[str, str]:
    """Path under force-app/main/default -> file text."""
    return {
        f"flows/{BULK_DATE_FLOW}.flow-meta.xml": bulk_date_flow(),
        f"flows/{SYNC_STATUS_FLOW}.flow-meta.xml": sync_status_flow(),
        f"flows/{MAPPING_FLOW}.flow-meta.xml": mapping_flow(campaign_fields.sync_mode),
        f"quickActions/Campaign.{BULK_DATE_ACTION}.quickAction-meta.xml": quick_action(
            "Bulk Update Touchpoint Date", BULK_DATE_FLOW
        ),
        f"quickActions/Campaign.{SYNC_STATUS_ACTION}.quickAction-meta.xml": quick_action(
            "Touchpoint Sync Status", SYNC_STATUS_FLOW
        ),
        f"flexipages/{MAPPING_PAGE}.flexipage-meta.xml": mapping_page(),
        f"tabs/{MAPPING_PAGE}.tab-meta.xml": mapping_tab(),
        f"applications/{APP}.app-meta.xml": app(),
        f"permissionsets/{ADMINS_PERMISSION_SET}.permissionset-meta.xml": admins_permission_set(),
    }
