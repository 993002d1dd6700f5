"""Request and response bodies of each service's admin routes, one module per service."""
