"""Value types the services exchange with the adapters, apart from the adapters themselves."""
