"""Offline campaign touchpoints: the rules layer shared by every function."""
