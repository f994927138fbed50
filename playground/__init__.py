"""OAuth Playground: a desktop tool for the Authorization Code flow with PKCE."""

__version__ = "0.1.0"
