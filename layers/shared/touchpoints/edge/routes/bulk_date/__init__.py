"""The bulk touchpoint date API (BulkDateApiFunction): preview, apply, track and undo."""
