"""Each admin API function's routes (issue 18's thin handlers): per API a package with its reply
functions (`replies.py`), the light readers of plain requests without pydantic (`light.py`,
edge/light_api.py), and the documented resolver Powertools validates and documents
(`documented.py`), which `light.documented_api()` imports only when a request needs it."""
