"""The read-only sync status API (SyncStatusFunction): a campaign's sync status and report, its
runs, the audit entries and a person's path."""
