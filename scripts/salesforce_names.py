"""API names the generated Salesforce metadata shares: the admin API's named credential, its
external credential and principal, and the External Service the flows call."""

EXTERNAL_CREDENTIAL = "Offline_Touchpoints_Admin_Api"
PRINCIPAL = "Admin_Api_Caller"
NAMED_CREDENTIAL = "Offline_Touchpoints_Admin_Api"
EXTERNAL_SERVICE = "Offline_Touchpoints_Admin_Api"
