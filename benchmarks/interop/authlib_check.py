"""Python Authlib against `oauth-playground serve`: discovery metadata validation, authorization
code + PKCE S256, token, id_token validation with the JWKS (Authlib's OIDC `CodeIDToken`: iss,
aud, azp, exp, iat, nonce, at_hash), UserInfo, refresh and revocation; for the seed's public
client, the confidential client (client_secret_basic with AsyncOAuth2Client, client_secret_post)
and the native client (loopback redirect, any port). Login and consent go through the server's
real HTML forms (common.browse_to_callback).

Then the machine clients: client_credentials (RFC 6749 §4.4) with `OAuth2Client`, requests'
`OAuth2Session` and `AsyncOAuth2Client`, client_secret_basic and client_secret_post, each access
token checked by Authlib's RFC 9068 `JWTBearerTokenValidator` as a resource server would, and
introspected (RFC 7662); and a token exchange (RFC 8693) with an actor, sent with `fetch_token`
as a generic extension grant (Authlib 1.9.10 has no RFC 8693 client: its `rfc8693` module is
empty).

Runs in a scratch virtual environment, never the project's (see README.md):

    /tmp/interop-venv/bin/python benchmarks/interop/authlib_check.py
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import warnings
from typing import Any
from urllib.parse import parse_qs, urlsplit

warnings.simplefilter("ignore")  # Authlib's deprecation notices (httpx2, joserfc)
import authlib  # noqa: E402
import httpx  # noqa: E402
from authlib.integrations.base_client import OAuthError  # noqa: E402
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.jose import JsonWebKey, jwt  # noqa: E402
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata  # noqa: E402
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator  # noqa: E402
from authlib.oidc.core import CodeIDToken  # noqa: E402
from authlib.oidc.discovery import OpenIDProviderMetadata  # noqa: E402
from common import (  # noqa: E402
    GATEWAY_ID,
    GATEWAY_SECRET,
    NATIVE_ID,
    SEED_ID,
    SEED_REDIRECT,
    SERVICE_ID,
    SERVICE_SECRET,
    WEB_ID,
    WEB_REDIRECT,
    WEB_SECRET,
    Report,
    browse_to_callback,
    serve,
)
from joserfc.jwk import KeySet  # noqa: E402

SCOPE = "openid email profile offline_access"


def discovery(report: Report, issuer: str) -> dict[str, Any]:
    with httpx.Client() as http:
        oidc = http.get(f"{issuer}/.well-known/openid-configuration").json()
        rfc8414 = http.get(f"{issuer}/.well-known/oauth-authorization-server").json()
    for name, cls, doc in (("OIDC Discovery", OpenIDProviderMetadata, oidc),
                           ("RFC 8414", AuthorizationServerMetadata, rfc8414)):
        try:
            cls(doc).validate()
            report.check(f"{name} metadata passes Authlib's validate()", True)
        except Exception as exc:
            report.check(f"{name} metadata passes Authlib's validate()", False, repr(exc))
    report.check("metadata issuer is the issuer", oidc["issuer"] == issuer, oidc["issuer"])
    return dict(oidc)


def validate_id_token(report: Report, meta: dict[str, Any], token: dict[str, Any],
                      client_id: str, nonce: str | None) -> dict[str, Any]:
    jwks = httpx.get(meta["jwks_uri"]).json()
    params = {"client_id": client_id, "access_token": token["access_token"]}
    if nonce:
        params["nonce"] = nonce
    claims = jwt.decode(token["id_token"], JsonWebKey.import_key_set(jwks),
                        claims_cls=CodeIDToken,
                        claims_options={"iss": {"values": [meta["issuer"]]}},
                        claims_params=params)
    try:
        claims.validate(leeway=60)
        report.check("id_token: signature (JWKS), iss, aud, azp, exp, iat, nonce, at_hash",
                     True, f"sub={claims['sub']} alg={claims.header['alg']}")
    except Exception as exc:
        report.check("id_token: signature (JWKS), iss, aud, azp, exp, iat, nonce, at_hash",
                     False, repr(exc))
    return dict(claims)


def callback_checks(report: Report, meta: dict[str, Any], callback: str, state: str) -> None:
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    report.check("callback carries code, state and iss (RFC 9207)",
                 "code" in query and query.get("state") == state
                 and query.get("iss") == meta["issuer"], ", ".join(query))


def sync_flow(report: Report, meta: dict[str, Any], client_id: str, redirect_uri: str, *,
              secret: str | None = None, auth_method: str = "none",
              send_redirect_uri: bool = True) -> None:
    client = OAuth2Client(client_id, client_secret=secret, token_endpoint_auth_method=auth_method,
                          scope=SCOPE, redirect_uri=redirect_uri if send_redirect_uri else None,
                          code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(meta["authorization_endpoint"],
                                                 code_verifier=verifier, nonce=nonce)
    report.check("authorization URL has code_challenge_method=S256",
                 "code_challenge_method=S256" in url)
    with httpx.Client(timeout=10) as browser:
        callback = browse_to_callback(browser, url, redirect_uri)
    callback_checks(report, meta, callback, state)
    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback,
                               state=state, code_verifier=verifier,
                               redirect_uri=redirect_uri if send_redirect_uri else None)
    report.check("fetch_token → access_token, id_token, refresh_token",
                 {"access_token", "id_token", "refresh_token"} <= set(token), ", ".join(token))
    claims = validate_id_token(report, meta, token, client_id, nonce)
    userinfo = client.get(meta["userinfo_endpoint"])
    report.check("UserInfo → 200, same sub", userinfo.status_code == 200
                 and userinfo.json().get("sub") == claims["sub"], userinfo.text[:80])
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    rotated = refreshed.get("refresh_token") != token["refresh_token"]
    renewed = refreshed.get("access_token") not in (None, token["access_token"])
    report.check("refresh_token grant → new access token"
                 + (" (rotated: public client)" if auth_method == "none" else ""),
                 renewed and (rotated or auth_method != "none"),
                 f"refresh token {'rotated' if rotated else 'kept'}")
    revoked = client.revoke_token(meta["revocation_endpoint"], refreshed["refresh_token"],
                                  token_type_hint="refresh_token")
    report.check("revoke_token (RFC 7009) → 200", revoked.status_code == 200, revoked.status_code)
    client.close()


async def async_flow(report: Report, meta: dict[str, Any]) -> None:
    """The confidential client with AsyncOAuth2Client and client_secret_basic."""
    async with AsyncOAuth2Client(WEB_ID, client_secret=WEB_SECRET,
                                 token_endpoint_auth_method="client_secret_basic", scope=SCOPE,
                                 redirect_uri=WEB_REDIRECT, code_challenge_method="S256") as client:
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        url, state = client.create_authorization_url(meta["authorization_endpoint"],
                                                     code_verifier=verifier, nonce=nonce)
        with httpx.Client(timeout=10) as browser:
            callback = browse_to_callback(browser, url, WEB_REDIRECT)
        callback_checks(report, meta, callback, state)
        token = await client.fetch_token(meta["token_endpoint"], authorization_response=callback,
                                         state=state, code_verifier=verifier)
        report.check("fetch_token (Basic auth) → access_token, id_token, refresh_token",
                     {"access_token", "id_token", "refresh_token"} <= set(token))
        claims = validate_id_token(report, meta, dict(token), WEB_ID, nonce)
        userinfo = await client.get(meta["userinfo_endpoint"])
        report.check("UserInfo → 200, same sub", userinfo.status_code == 200
                     and userinfo.json().get("sub") == claims["sub"])
        refreshed = await client.refresh_token(meta["token_endpoint"],
                                               refresh_token=token["refresh_token"])
        report.check("refresh_token grant (Basic auth) → new access token",
                     refreshed.get("access_token") not in (None, token["access_token"]))


# -- client_credentials (RFC 6749 §4.4) and token exchange (RFC 8693) -------------------------
API = "https://api.playground.example"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
TYPE_ACCESS = "urn:ietf:params:oauth:token-type:access_token"


class ResourceServer(JWTBearerTokenValidator):
    """Authlib's RFC 9068 §4 validator, as an API at `aud` would run it: signature with the
    JWKS, typ at+jwt, iss, exp, aud, sub, client_id, iat, jti, then the scope it needs."""

    def __init__(self, meta: dict[str, Any], audience: str) -> None:
        super().__init__(meta["issuer"], audience)
        self.jwks = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())

    def get_jwks(self) -> KeySet:
        return self.jwks

    def check(self, token: str, scope: str) -> dict[str, Any]:
        claims = self.authenticate_token(token)
        self.validate_token(claims, [scope], None)
        return dict(claims)


def machine_checks(report: Report, meta: dict[str, Any], token: dict[str, Any], client_id: str,
                   scope: str, label: str) -> dict[str, Any]:
    report.check(f"{label} → access_token, Bearer, scope {scope}; no refresh_token, no id_token "
                 "(§4.4.3)", token.get("access_token") and token.get("token_type", "").lower()
                 == "bearer" and token.get("scope") == scope
                 and not {"refresh_token", "id_token"} & set(token), ", ".join(token))
    try:
        claims = ResourceServer(meta, meta["issuer"]).check(token["access_token"], scope)
        report.check("access token passes Authlib's RFC 9068 JWTBearerTokenValidator; "
                     "sub = client_id = the client", claims.get("sub") == client_id
                     == claims.get("client_id"), f"sub={claims.get('sub')}")
    except Exception as exc:
        claims = {}
        report.check("access token passes Authlib's RFC 9068 JWTBearerTokenValidator", False,
                     repr(exc))
    return claims


def cc_sync(report: Report, meta: dict[str, Any], auth_method: str) -> None:
    with OAuth2Client(SERVICE_ID, SERVICE_SECRET, token_endpoint_auth_method=auth_method,
                      scope="api:read") as client:
        token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        machine_checks(report, meta, dict(token), SERVICE_ID, "api:read",
                       f"OAuth2Client.fetch_token ({auth_method})")
        info = client.introspect_token(meta["introspection_endpoint"], token["access_token"])
        body = info.json()
        report.check("introspect_token (RFC 7662) → active, client_id and scope",
                     body.get("active") is True and body.get("client_id") == SERVICE_ID
                     and body.get("scope") == "api:read", info.text[:120])


def cc_session(report: Report, meta: dict[str, Any]) -> str:
    """requests' OAuth2Session, client_secret_basic, no scope: the server's default."""
    with OAuth2Session(SERVICE_ID, SERVICE_SECRET) as session:
        token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        report.check("OAuth2Session (requests).fetch_token, no scope → the registered scopes "
                     "(§3.3 default)", set(str(token.get("scope", "")).split())
                     == {"api:read", "api:write"} and "refresh_token" not in token,
                     token.get("scope"))
        try:
            session.fetch_token(meta["token_endpoint"], grant_type="client_credentials",
                                scope="openid")
            report.check("scope=openid → OAuthError invalid_scope", False, "a token came back")
        except OAuthError as exc:
            report.check("scope=openid → OAuthError invalid_scope", exc.error == "invalid_scope",
                         exc.error)
        return str(token["access_token"])


async def cc_async(report: Report, meta: dict[str, Any], auth_method: str) -> None:
    async with AsyncOAuth2Client(SERVICE_ID, SERVICE_SECRET, scope="api:read api:write",
                                 token_endpoint_auth_method=auth_method) as client:
        token = await client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        machine_checks(report, meta, dict(token), SERVICE_ID, "api:read api:write",
                       f"AsyncOAuth2Client.fetch_token ({auth_method})")
    async with AsyncOAuth2Client(SERVICE_ID, "wrong-secret",
                                 token_endpoint_auth_method=auth_method) as client:
        try:
            await client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
            report.check(f"wrong secret ({auth_method}) → OAuthError invalid_client", False)
        except OAuthError as exc:
            report.check(f"wrong secret ({auth_method}) → OAuthError invalid_client",
                         exc.error == "invalid_client", exc.error)


def token_exchange(report: Report, meta: dict[str, Any], subject: str) -> None:
    """Authlib has no RFC 8693 client (authlib.oauth2.rfc8693 is an empty module), but its
    fetch_token sends any extension grant (RFC 6749 §4.5) with the extra fields given."""
    with OAuth2Client(GATEWAY_ID, GATEWAY_SECRET) as gateway:
        actor = gateway.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        token = gateway.fetch_token(
            meta["token_endpoint"], grant_type=TOKEN_EXCHANGE, subject_token=subject,
            subject_token_type=TYPE_ACCESS, actor_token=actor["access_token"],
            actor_token_type=TYPE_ACCESS, scope="api:read", audience=API)
        report.check("fetch_token(grant_type=token-exchange) → issued_token_type access_token, "
                     "scope api:read (§2.2.1)", token.get("issued_token_type") == TYPE_ACCESS
                     and token.get("scope") == "api:read" and "refresh_token" not in token,
                     ", ".join(token))
        try:
            claims = ResourceServer(meta, API).check(token["access_token"], "api:read")
            report.check(f"exchanged token passes the RFC 9068 validator for aud {API}; sub the "
                         "subject's, act.sub the gateway (§4.1)", claims.get("sub") == SERVICE_ID
                         and claims.get("act") == {"sub": GATEWAY_ID}
                         and claims.get("client_id") == GATEWAY_ID, f"act={claims.get('act')}")
        except Exception as exc:
            report.check("exchanged token passes the RFC 9068 validator", False, repr(exc))
        try:
            gateway.fetch_token(meta["token_endpoint"], grant_type=TOKEN_EXCHANGE,
                                subject_token=subject + "x", subject_token_type=TYPE_ACCESS)
            report.check("forged subject_token → OAuthError invalid_request", False)
        except OAuthError as exc:
            report.check("forged subject_token → OAuthError invalid_request (§2.2.2)",
                         exc.error == "invalid_request", exc.error)


def main() -> int:
    report = Report(f"Authlib {authlib.__version__} against oauth-playground serve")
    with serve() as server:
        meta = discovery(report, server.issuer)
        print("-- seed client (public, PKCE S256, redirect_uri omitted as the seed does)")
        sync_flow(report, meta, SEED_ID, SEED_REDIRECT, send_redirect_uri=False)
        print("-- seed client (public, redirect_uri sent)")
        sync_flow(report, meta, SEED_ID, SEED_REDIRECT)
        print("-- confidential client, client_secret_post")
        sync_flow(report, meta, WEB_ID, WEB_REDIRECT, secret=WEB_SECRET,
                  auth_method="client_secret_post")
        print("-- confidential client, client_secret_basic, AsyncOAuth2Client")
        asyncio.run(async_flow(report, meta))
        print("-- native client, loopback redirect on an ephemeral port (RFC 8252 §7.3)")
        sync_flow(report, meta, NATIVE_ID, "http://127.0.0.1:53123/callback")
        print("-- machine client, client_credentials (RFC 6749 §4.4): OAuth2Client")
        cc_sync(report, meta, "client_secret_basic")
        cc_sync(report, meta, "client_secret_post")
        print("-- machine client, client_credentials: requests OAuth2Session")
        subject = cc_session(report, meta)
        print("-- machine client, client_credentials: AsyncOAuth2Client")
        asyncio.run(cc_async(report, meta, "client_secret_basic"))
        asyncio.run(cc_async(report, meta, "client_secret_post"))
        print("-- token exchange (RFC 8693) by the gateway client, as a generic extension grant")
        token_exchange(report, meta, subject)
        failures = [line for line in server.lines if " 500 " in line]
        report.check("serve logged no 500", not failures, "".join(failures)[:200])
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
