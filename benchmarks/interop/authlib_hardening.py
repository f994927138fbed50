"""Python Authlib against the hardening features of `oauth-playground serve` (README "Modern
hardening"): JWT client authentication (RFC 7523) and a signed request object (RFC 9101).

- `private_key_jwt` with Authlib's `PrivateKeyJWT` (ES256, the bundled demo key of
  `playground-fapi`) for client_credentials, with httpx's `OAuth2Client` and requests'
  `OAuth2Session`. `playground-fapi` itself is `dpopBound` and Authlib has no DPoP, so it must be
  refused with `invalid_dpop_proof`; the positive checks use `interop-pkjwt`, a copy of its
  registry entry (same key) without `dpopBound` and `requirePushedAuthorizationRequests`, passed
  to `serve --clients` with the built-in clients.
- `client_secret_jwt` with Authlib's `ClientSecretJWT` as `playground-jwt` (HS256), with
  `OAuth2Client` and `AsyncOAuth2Client`.
- Authlib's assertions default to `exp = iat + 3600`; the server accepts up to 3660 s ahead
  (it remembers each jti that long), so Authlib's defaults work as they are; the other checks
  also sign with `expires_in=300` (a `sign` override passing Authlib's own `expires_in`).
- The code flow with a request object: Authlib has no request-object builder on the client side,
  but `create_authorization_url` passes extra parameters through, so the object is signed with
  Authlib's `authlib.jose.jwt` (ES256, the demo key) and sent as `request`; the query's `scope`
  is narrower than the object's, and the object's wins (RFC 9101 §6.3). Then `fetch_token` with
  `PrivateKeyJWT`, the PS256 id_token validated with Authlib's `CodeIDToken` against the JWKS.

Runs in the scratch virtual environment of the other Authlib check (see README.md):

    /tmp/interop-venv/bin/python benchmarks/interop/authlib_hardening.py
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

warnings.simplefilter("ignore")  # Authlib's deprecation notices (httpx2, joserfc)
import authlib  # noqa: E402
import httpx  # noqa: E402
from authlib.integrations.base_client import OAuthError  # noqa: E402
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.jose import JsonWebKey, jwt  # noqa: E402
from authlib.oauth2.rfc7523 import ClientSecretJWT, PrivateKeyJWT  # noqa: E402
from authlib.oauth2.rfc7523.assertion import (  # noqa: E402
    client_secret_jwt_sign,
    private_key_jwt_sign,
)
from authlib.oidc.core import CodeIDToken  # noqa: E402
from common import ROOT, Report, browse_to_callback, serve  # noqa: E402
from joserfc.jwk import ECKey  # noqa: E402

warnings.simplefilter("ignore")  # again: importing authlib.jose re-enables its notices

FAPI_ID = "playground-fapi"
PKJWT_ID = "interop-pkjwt"  # playground-fapi's entry without dpopBound and PAR
JWT_ID = "playground-jwt"
REDIRECT = "http://127.0.0.1:53413/callback"  # loopback: any port (RFC 8252 §7.3)
LIFETIME = 300  # seconds: the assertions' exp (the server's cap is 3660)
SEED_CLIENTS = ROOT / "playground" / "assets" / "server" / "clients.json"
FAPI_KEY = json.loads((ROOT / "playground" / "assets" / "client-keys"
                       / "playground-fapi.jwk").read_text())


class ShortPrivateKeyJWT(PrivateKeyJWT):
    """Authlib's PrivateKeyJWT with `expires_in=LIFETIME` instead of its default 3600 s."""

    def sign(self, auth: Any, token_endpoint: str) -> str:
        return private_key_jwt_sign(auth.client_secret, client_id=auth.client_id,
                                    token_endpoint=token_endpoint, claims=self.claims,
                                    header=dict(self.headers or {}), alg=self.alg,
                                    expires_in=LIFETIME)


class ShortClientSecretJWT(ClientSecretJWT):
    """Authlib's ClientSecretJWT with `expires_in=LIFETIME` instead of its default 3600 s."""

    def sign(self, auth: Any, token_endpoint: str) -> str:
        return client_secret_jwt_sign(auth.client_secret, client_id=auth.client_id,
                                      token_endpoint=token_endpoint, claims=self.claims,
                                      header=dict(self.headers or {}), alg=self.alg,
                                      expires_in=LIFETIME)


def clients_file(directory: Path) -> Path:
    """The built-in clients plus `interop-pkjwt` (playground-fapi minus dpopBound and PAR)."""
    clients = json.loads(SEED_CLIENTS.read_text())
    fapi = next(c for c in clients if c["id"] == FAPI_ID)
    copy = {k: v for k, v in fapi.items()
            if k not in ("dpopBound", "requirePushedAuthorizationRequests")}
    copy.update(id=PKJWT_ID, name="Interop: private_key_jwt without DPoP or PAR")
    path = directory / "hardening-clients.json"
    path.write_text(json.dumps([*clients, copy], indent=2))
    return path


def ec_key() -> ECKey:
    return ECKey.import_key(FAPI_KEY)


def pkjwt(token_endpoint: str, short: bool = True) -> PrivateKeyJWT:
    cls = ShortPrivateKeyJWT if short else PrivateKeyJWT
    return cls(token_endpoint, headers={"kid": FAPI_KEY["kid"]}, alg="ES256")


def oauth_error(exc: Exception) -> tuple[str, str]:
    """(error, description) of an Authlib OAuthError."""
    return (getattr(exc, "error", "") or "", getattr(exc, "description", "") or str(exc))


def private_key_jwt_checks(report: Report, meta: dict[str, Any]) -> None:
    print("-- private_key_jwt (PrivateKeyJWT, ES256, the demo key): client_credentials")
    token_endpoint = meta["token_endpoint"]
    report.check("metadata lists private_key_jwt and ES256 for the token endpoint",
                 "private_key_jwt" in meta.get("token_endpoint_auth_methods_supported", [])
                 and "ES256" in meta.get("token_endpoint_auth_signing_alg_values_supported", []))

    with OAuth2Client(FAPI_ID, ec_key(), token_endpoint_auth_method=pkjwt(token_endpoint),
                      scope="api:read") as client:
        try:
            token = client.fetch_token(token_endpoint, grant_type="client_credentials")
            report.check("strict: a dpopBound client without DPoP is refused", False,
                         f"accepted: {token.get('token_type')}")
        except OAuthError as exc:
            error, description = oauth_error(exc)
            report.check("strict: a dpopBound client without DPoP is refused",
                         error == "invalid_dpop_proof", f"{error}: {description}")

    with OAuth2Client(PKJWT_ID, ec_key(), token_endpoint_auth_method=pkjwt(token_endpoint, False),
                      scope="api:read") as client:
        try:
            token = client.fetch_token(token_endpoint, grant_type="client_credentials")
            report.check("Authlib's default assertion (exp = iat + 3600) is accepted",
                         bool(token.get("access_token")), f"{token.get('token_type')}")
        except OAuthError as exc:
            error, description = oauth_error(exc)
            report.check("Authlib's default assertion (exp = iat + 3600) is accepted", False,
                         f"{error}: {description}")

    with OAuth2Client(PKJWT_ID, ec_key(), token_endpoint_auth_method=pkjwt(token_endpoint),
                      scope="api:read") as client:
        token = client.fetch_token(token_endpoint, grant_type="client_credentials")
        report.check("OAuth2Client + PrivateKeyJWT (exp 300 s) → Bearer token, api:read",
                     token.get("token_type", "").lower() == "bearer"
                     and token.get("scope") == "api:read", f"{token.get('token_type')} "
                     f"{token.get('scope')} expires_in={token.get('expires_in')}")
        # the same client again: a fresh jti each time (RFC 7523 §3 (7))
        again = client.fetch_token(token_endpoint, grant_type="client_credentials")
        report.check("a second fetch_token (new jti) → a new token",
                     again.get("access_token") not in (None, token["access_token"]))

    session = OAuth2Session(PKJWT_ID, ec_key(), token_endpoint_auth_method="private_key_jwt",
                            scope="api:read")
    session.register_client_auth_method(pkjwt(token_endpoint))
    try:
        token = session.fetch_token(token_endpoint, grant_type="client_credentials")
        report.check("requests OAuth2Session + PrivateKeyJWT → Bearer token, api:read",
                     token.get("token_type", "").lower() == "bearer"
                     and token.get("scope") == "api:read",
                     f"{token.get('token_type')} {token.get('scope')}")
    finally:
        session.close()


def client_secret_jwt_checks(report: Report, meta: dict[str, Any]) -> None:
    print("-- client_secret_jwt (ClientSecretJWT, HS256) as playground-jwt: client_credentials")
    token_endpoint = meta["token_endpoint"]
    secret = next(c for c in json.loads(SEED_CLIENTS.read_text()) if c["id"] == JWT_ID)["secret"]

    with OAuth2Client(JWT_ID, secret, token_endpoint_auth_method=ClientSecretJWT(token_endpoint),
                      scope="api:read") as client:
        try:
            token = client.fetch_token(token_endpoint, grant_type="client_credentials")
            report.check("Authlib's default ClientSecretJWT (exp = iat + 3600) is accepted",
                         bool(token.get("access_token")), f"{token.get('token_type')}")
        except OAuthError as exc:
            error, description = oauth_error(exc)
            report.check("Authlib's default ClientSecretJWT (exp = iat + 3600) is accepted",
                         False, f"{error}: {description}")

    with OAuth2Client(JWT_ID, secret, scope="api:read",
                      token_endpoint_auth_method=ShortClientSecretJWT(token_endpoint)) as client:
        token = client.fetch_token(token_endpoint, grant_type="client_credentials")
        report.check("OAuth2Client + ClientSecretJWT (exp 300 s) → Bearer token, api:read",
                     token.get("token_type", "").lower() == "bearer"
                     and token.get("scope") == "api:read",
                     f"{token.get('token_type')} {token.get('scope')}")

    with OAuth2Client(JWT_ID, secret + "-wrong", scope="api:read",
                      token_endpoint_auth_method=ShortClientSecretJWT(token_endpoint)) as client:
        try:
            client.fetch_token(token_endpoint, grant_type="client_credentials")
            report.check("strict: ClientSecretJWT with the wrong secret is refused", False,
                         "accepted")
        except OAuthError as exc:
            error, description = oauth_error(exc)
            report.check("strict: ClientSecretJWT with the wrong secret is refused",
                         error == "invalid_client", f"{error}: {description}")

    async def run_async() -> dict[str, Any]:
        async with AsyncOAuth2Client(JWT_ID, secret, scope="api:read",
                                     token_endpoint_auth_method=ShortClientSecretJWT(
                                         token_endpoint)) as client:
            return await client.fetch_token(token_endpoint, grant_type="client_credentials")

    token = asyncio.run(run_async())
    report.check("AsyncOAuth2Client + ClientSecretJWT → Bearer token, api:read",
                 token.get("token_type", "").lower() == "bearer"
                 and token.get("scope") == "api:read",
                 f"{token.get('token_type')} {token.get('scope')}")


def request_object_flow(report: Report, meta: dict[str, Any]) -> None:
    print("-- code flow with a signed request object (RFC 9101), private_key_jwt at the token "
          "endpoint")
    report.check("metadata: request parameter supported, ES256 request objects",
                 meta.get("request_parameter_supported") is True
                 and "ES256" in meta.get("request_object_signing_alg_values_supported", []),
                 f"request_parameter_supported={meta.get('request_parameter_supported')}")
    scope = "openid email profile"
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    client = OAuth2Client(PKJWT_ID, ec_key(), token_endpoint_auth_method=pkjwt(
        meta["token_endpoint"]), scope="openid", redirect_uri=REDIRECT,
        code_challenge_method="S256")
    # Authlib's own URL (with PKCE and state), then its parameters signed into the object
    url, state = client.create_authorization_url(meta["authorization_endpoint"],
                                                 code_verifier=verifier, nonce=nonce)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    now = int(time.time())
    claims = {**query, "scope": scope, "iss": PKJWT_ID, "aud": meta["issuer"], "iat": now,
              "nbf": now, "exp": now + LIFETIME, "jti": secrets.token_urlsafe(16)}
    header = {"alg": "ES256", "kid": FAPI_KEY["kid"], "typ": "oauth-authz-req+jwt"}
    request = jwt.encode(header, claims, JsonWebKey.import_key(FAPI_KEY)).decode()
    url, _ = client.create_authorization_url(meta["authorization_endpoint"], state=state,
                                             code_verifier=verifier, nonce=nonce,
                                             request=request)
    with httpx.Client(timeout=10) as browser:
        callback = browse_to_callback(browser, url, REDIRECT)
    got = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    report.check("login + consent → callback with code, state and iss",
                 "code" in got and got.get("state") == state and got.get("iss") == meta["issuer"],
                 ", ".join(f"{k}={v[:12]}" for k, v in got.items()))
    if "code" not in got:
        return
    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback,
                               state=state, code_verifier=verifier)
    report.check("fetch_token (PrivateKeyJWT) → access_token, id_token",
                 {"access_token", "id_token"} <= set(token), ", ".join(token))
    report.check("the request object's scope won over the query's (RFC 9101 §6.3)",
                 set(token.get("scope", "").split()) == set(scope.split()),
                 f"query scope=openid, object scope={scope!r}, granted={token.get('scope')!r}")
    jwks = httpx.get(meta["jwks_uri"], timeout=10).json()
    id_claims = jwt.decode(token["id_token"], JsonWebKey.import_key_set(jwks),
                           claims_cls=CodeIDToken, claims_options={
                               "iss": {"essential": True, "value": meta["issuer"]},
                               "aud": {"essential": True, "value": PKJWT_ID},
                               "nonce": {"essential": True, "value": nonce}},
                           claims_params={"nonce": nonce, "client_id": PKJWT_ID,
                                          "access_token": token["access_token"]})
    try:
        id_claims.validate(leeway=5)
        alg = id_claims.header.get("alg")
        report.check("CodeIDToken: PS256 signature (JWKS), iss, aud, nonce, at_hash",
                     alg == "PS256", f"alg={alg}; sub={id_claims.get('sub')}")
    except Exception as exc:
        report.check("CodeIDToken: PS256 signature (JWKS), iss, aud, nonce, at_hash", False, exc)

    # the same object again: its jti is single use (RFC 9101 §10.8)
    with httpx.Client(timeout=10) as browser:
        replay = browser.get(url)
    report.check("strict: the same request object replayed is refused (jti)",
                 replay.status_code == 400 and "jti" in replay.text,
                 f"HTTP {replay.status_code}")


def main() -> int:
    report = Report(f"Authlib {authlib.__version__}: JWT client auth and request objects "
                    "against oauth-playground serve")
    with tempfile.TemporaryDirectory() as tmp, serve(clients=clients_file(Path(tmp))) as server:
        meta = httpx.get(f"{server.issuer}/.well-known/openid-configuration", timeout=10).json()
        for section in (private_key_jwt_checks, client_secret_jwt_checks, request_object_flow):
            try:
                section(report, meta)
            except Exception as exc:
                report.check(f"{section.__name__} ran to the end", False,
                             f"{type(exc).__name__}: {exc}")
    report.check("serve exits 0 on SIGTERM", server.process.returncode == 0,
                 f"exit {server.process.returncode}")
    report.check("serve logged no 500", " 500 [" not in server.log)
    return report.done()


if __name__ == "__main__":
    sys.exit(main())
