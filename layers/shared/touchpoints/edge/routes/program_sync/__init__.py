"""The program sync API (ProgramSyncApiFunction): Marketo program ↔ Salesforce campaign links, a
sync of one link on demand, and the flow-action equivalents on campaign members."""
