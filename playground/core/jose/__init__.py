"""JOSE: decoding a JWT for display (jwtinspect) is not verifying it (tokenverify); jwt is the
pair's front door (RFC 7515, RFC 7519, RFC 8725, RFC 9068, OIDC Core §3.1.3.7).
"""
