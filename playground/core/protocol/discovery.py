"""Provider metadata: OpenID Connect Discovery 1.0 §4 and RFC 8414 §3.

The metadata lives at `{issuer}/.well-known/openid-configuration` (OIDC Discovery §4.1,
appended) or `/.well-known/oauth-authorization-server{path}` (RFC 8414 §3.1, inserted).
§3.3 / RFC 8414 §3.3: the `issuer` in the document MUST be identical to the issuer asked
for, or the client is talking to someone else (mix-up, OIDC Discovery §4.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from playground.core.flowerrors import DiscoveryError
from playground.core.protocol.wire import HttpRequest, json_object

REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint")
RFC = "RFC 8414 §3.3"


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str | None
    userinfo_endpoint: str | None
    code_challenge_methods: tuple[str, ...]
    iss_in_response: bool
    raw: dict[str, Any]
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    end_session_endpoint: str | None = None  # OIDC RP-Initiated Logout §2.1
    device_authorization_endpoint: str | None = None  # RFC 8628 §4
    pushed_authorization_request_endpoint: str | None = None  # RFC 9126 §5


MANUAL_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri",
                    "userinfo_endpoint")


def manual_metadata(issuer: str, endpoints: dict[str, str]) -> ProviderMetadata:
    """The metadata of a provider without discovery (GitHub, Slack, Strava…), from the
    endpoints the user gives: no request is made. RFC 8414 §2 names the members; the
    authorization and token endpoints are required, each an http(s) URL (§3.3)."""
    for name in ("authorization_endpoint", "token_endpoint"):
        if not endpoints.get(name):
            raise DiscoveryError(f"without discovery, give the {name.replace('_', ' ')} "
                                 f"(--{name.replace('_', '-')} URL)", rfc="RFC 8414 §2")
    for name, url in endpoints.items():
        parts = urlsplit(url)
        if name not in MANUAL_ENDPOINTS or parts.scheme not in ("http", "https") \
                or not parts.netloc:
            raise DiscoveryError(f"{name} {url!r} is not an http(s) URL", rfc="RFC 8414 §2")
    raw = {"issuer": issuer, **endpoints}
    return ProviderMetadata(
        issuer=issuer, authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=endpoints["token_endpoint"], jwks_uri=endpoints.get("jwks_uri"),
        userinfo_endpoint=endpoints.get("userinfo_endpoint"), code_challenge_methods=(),
        iss_in_response=False, raw=raw)


def normalize_issuer(issuer: str) -> str:
    """The issuer as typed, without surrounding blanks; it must be an http(s) URL, no query."""
    text = issuer.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DiscoveryError(f"the issuer {text!r} is not an http(s) URL", rfc="RFC 8414 §2")
    if parts.query or parts.fragment:
        raise DiscoveryError("an issuer has no query or fragment", rfc="RFC 8414 §2")
    return text


def openid_configuration_url(issuer: str) -> str:
    """OIDC Discovery §4.1: strip a trailing slash, append /.well-known/openid-configuration."""
    return normalize_issuer(issuer).rstrip("/") + "/.well-known/openid-configuration"


def oauth_metadata_url(issuer: str) -> str:
    """RFC 8414 §3.1: insert /.well-known/oauth-authorization-server before the path."""
    parts = urlsplit(normalize_issuer(issuer))
    path = "/.well-known/oauth-authorization-server" + parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def build_discovery_request(issuer: str) -> HttpRequest:
    return HttpRequest("GET", openid_configuration_url(issuer), (("Accept", "application/json"),))


def parse_metadata(
    expected_issuer: str, status: int, content_type: str | None, body: bytes
) -> ProviderMetadata:
    """Check status, JSON, required members and the issuer; clear `DiscoveryError` otherwise."""
    if status != 200:
        raise DiscoveryError(
            f"the metadata endpoint answered HTTP {status}: is {expected_issuer} an issuer?",
            rfc="OIDC Discovery §4.2",
        )
    data = json_object(body, content_type, what="the provider metadata", error=DiscoveryError)
    missing = [name for name in REQUIRED if not isinstance(data.get(name), str)]
    if missing:
        raise DiscoveryError(f"the provider metadata lacks {', '.join(missing)}", rfc="RFC 8414 §2")
    if data["issuer"] != expected_issuer:
        hint = ""
        if data["issuer"].rstrip("/") == expected_issuer.rstrip("/"):
            hint = " (only the trailing slash differs)"
        raise DiscoveryError(
            f"the metadata names issuer {data['issuer']!r}, not {expected_issuer!r}: "
            f"they must be identical{hint}",
            rfc=RFC,
        )
    return _metadata(data)


def _metadata(data: dict[str, Any]) -> ProviderMetadata:
    methods = data.get("code_challenge_methods_supported")
    return ProviderMetadata(
        issuer=data["issuer"],
        authorization_endpoint=data["authorization_endpoint"],
        token_endpoint=data["token_endpoint"],
        jwks_uri=_url(data.get("jwks_uri")),
        userinfo_endpoint=_url(data.get("userinfo_endpoint")),
        code_challenge_methods=tuple(m for m in methods if isinstance(m, str))
        if isinstance(methods, list)
        else (),
        iss_in_response=data.get("authorization_response_iss_parameter_supported") is True,
        raw=data,
        revocation_endpoint=_url(data.get("revocation_endpoint")),
        introspection_endpoint=_url(data.get("introspection_endpoint")),
        end_session_endpoint=_url(data.get("end_session_endpoint")),
        device_authorization_endpoint=_url(data.get("device_authorization_endpoint")),
        pushed_authorization_request_endpoint=_url(
            data.get("pushed_authorization_request_endpoint")),
    )


def _url(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_jwks(status: int, content_type: str | None, body: bytes) -> dict[str, Any]:
    """RFC 7517 §5: a JSON object with a `keys` array."""
    if status != 200:
        raise DiscoveryError(f"the JWKS endpoint answered HTTP {status}", rfc="RFC 7517 §5")
    data = json_object(body, content_type, what="the JWKS", error=DiscoveryError)
    if not isinstance(data.get("keys"), list):
        raise DiscoveryError("the JWKS has no 'keys' array", rfc="RFC 7517 §5.1")
    return data
