"""API names of the admin flows and where they are found."""

BULK_DATE_FLOW = "Offline_Touchpoints_Bulk_Update_Touchpoint_Date"
SYNC_STATUS_FLOW = "Offline_Touchpoints_Sync_Status"
MAPPING_FLOW = "Offline_Touchpoints_Channel_Mapping"
BULK_DATE_ACTION = "Bulk_Update_Touchpoint_Date"
SYNC_STATUS_ACTION = "Touchpoint_Sync_Status"
MAPPING_PAGE = "Offline_Channel_Mapping"
ADMINS_PERMISSION_SET = "Offline_Touchpoints_Admins"
