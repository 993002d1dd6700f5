"""Adapters: the only code that talks to the outside (AWS, Salesforce, Marketo)."""

from touchpoints.adapters.salesforce_metadata import defer_metadata_api

# Before any adapter imports simple-salesforce (a package's __init__ runs before its modules).
defer_metadata_api()
