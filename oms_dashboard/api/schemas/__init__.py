"""Request and response models of the JSON API: flask-openapi3 validates requests with them and
generates the OpenAPI 3.1 document from them; the response models describe what
`representations.py` builds (checked on every API response in the test suite)."""
