"""The protocol, sans-I/O: one module per request and response (RFC 6749 §4.1 authorize, callback
and token; RFC 7636 pkce; RFC 8414 discovery; RFC 7009/7662 revocation; OIDC userinfo and RP-
Initiated Logout; RFC 8628 device authorization), the HTTP request type they build, and the RFC
lint of any request.
"""
