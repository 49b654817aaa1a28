"""The OpenAPI document of the whole API, generated from the routes the handlers declare.

Not part of any function: the document is generated here (`make openapi`), committed as
functions/get_post/openapi.json, and served from that file by the function of GET /openapi.json.
"""
