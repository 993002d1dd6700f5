"""The edge kit: what every function's handler shares (entry-point decorators, default
dependencies, the admin API's resolver, error shape, validation-error formatting, id types and
OpenAPI helpers) and, under `models/`, the pydantic bodies of each service's routes. Pydantic stays
here, at the edge: rules and services never import it."""
