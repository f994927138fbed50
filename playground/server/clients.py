"""Registered clients, in the seed's shape with its verbatim field names.

RFC 6749 §2 (client registration): a client has an identifier (§2.2), credentials when it is
confidential (§2.3) and one or more registered redirection endpoints (§3.1.2.2). The seed
(`seeds/auth_code_pkce.md`) spells these `id, secret, redirect[], firstParty, grantTypes,
responseTypes, responseModes, authMethods, scopes`; a clients file is a JSON list of such objects
(UTF-8, with or without a byte-order mark). Loading validates every entry first and reports the
first bad one by index and field, so a registry is never half-loaded; any file that cannot be
read or parsed is one `ClientsFileError` line naming the file.

Written as users write them: a public client (`authMethods: ["none"]`, RFC 6749 §2.1) may leave
`secret` out or null, and a missing `responseModes` defaults to `["query"]`, the default response
mode of the `code` response type (OAuth 2.0 Multiple Response Type Encoding Practices §2.1);
`ClientsFile.defaulted` says which clients got it, so `serve` can say so.

Fields beyond the seed's, each optional, named in its style after the registration metadata
they stand for:
- `postLogoutRedirect`: the URIs a sign-out may return to (OpenID Connect RP-Initiated Logout
  1.0 §3.1 `post_logout_redirect_uris`), each an absolute URI without a fragment;
- `jwks` (an inline `{"keys": [...]}`, RFC 7591 §2) or `jwksUri` (`jwks_uri`): the public keys
  of a `private_key_jwt` client (RFC 7523 §2.2, OIDC Core §9) and of its request objects
  (RFC 9101 §4); never both;
- `tokenEndpointAuthSigningAlg` (`token_endpoint_auth_signing_alg`, OIDC Registration §2): the
  one algorithm its client assertions may use;
- `requirePushedAuthorizationRequests` (RFC 9126 §6): authorization requests only via PAR;
- `dpopBound` (RFC 9449 §5.2 `dpop_bound_access_tokens`): every token request needs a proof;
- `idTokenSignedResponseAlg` (OIDC Registration §2 `id_token_signed_response_alg`): RS256
  by default, or ES256, PS256, EdDSA;
- `accessTokenFormat`: `"jwt"` (the default: RFC 9068 JWT access tokens, which a resource
  server can verify with the JWKS) or `"opaque"` (RFC 6749 §1.4: a random string whose claims
  only the server holds, so a resource server must introspect it, RFC 7662; UserInfo,
  revocation and the id_token's `at_hash` work the same).
A `private_key_jwt` client has no secret.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from playground.core.jose.jwk import JwkError, public_key_of

AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post", "client_secret_jwt",
                "private_key_jwt")
SECRET_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt")
ID_TOKEN_ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
ACCESS_TOKEN_FORMATS = ("jwt", "opaque")  # RFC 9068; RFC 6749 §1.4 with RFC 7662
ASSERTION_ALGORITHMS = {"client_secret_jwt": ("HS256", "HS384", "HS512"),
                        "private_key_jwt": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                            "ES256", "ES384", "ES512", "EdDSA")}
LIST_FIELDS = ("redirect", "grantTypes", "responseTypes", "responseModes", "authMethods", "scopes")
DEFAULTS: dict[str, tuple[str, ...]] = {"responseModes": ("query",)}  # field left out -> value
BROWSER_FIELDS = ("redirect", "responseTypes", "responseModes")  # a machine client may omit
EXAMPLE = ('{"id": "my-app", "redirect": ["http://127.0.0.1:8080/callback"], "firstParty": false, '
           '"grantTypes": ["authorization_code"], "responseTypes": ["code"], '
           '"authMethods": ["none"], "scopes": ["openid"]}')


class ClientsFileError(ValueError):
    """A clients file that cannot be read or does not hold valid clients (one line of text)."""


@dataclass(frozen=True, slots=True)
class Client:
    """One registered client. Field names are the seed's, verbatim."""

    id: str
    secret: str
    redirect: tuple[str, ...]
    firstParty: bool
    grantTypes: tuple[str, ...]
    responseTypes: tuple[str, ...]
    responseModes: tuple[str, ...]
    authMethods: tuple[str, ...]
    scopes: tuple[str, ...]
    name: str = field(default="")
    postLogoutRedirect: tuple[str, ...] = ()  # OIDC RP-Initiated Logout §3.1
    jwks: dict[str, Any] | None = None  # RFC 7591 §2 `jwks`
    jwksUri: str = ""  # RFC 7591 §2 `jwks_uri`
    tokenEndpointAuthSigningAlg: str = ""  # OIDC Registration §2
    requirePushedAuthorizationRequests: bool = False  # RFC 9126 §6
    dpopBound: bool = False  # RFC 9449 §5.2
    idTokenSignedResponseAlg: str = "RS256"  # OIDC Registration §2
    accessTokenFormat: str = "jwt"  # or "opaque" (RFC 6749 §1.4, RFC 7662)

    @property
    def is_public(self) -> bool:
        """RFC 6749 §2.1: a public client cannot authenticate (`authMethods: ['none']`)."""
        return "none" in self.authMethods

    @property
    def display_name(self) -> str:
        return self.name or self.id

    def allows_grant(self, grant_type: str) -> bool:
        """May this client use `grant_type` at the token endpoint?

        The seed's client lists only `authorization_code` yet expects a refresh token back, so a
        client registered for `offline_access` may also use the refresh_token grant.
        """
        if grant_type in self.grantTypes:
            return True
        return grant_type == "refresh_token" and "offline_access" in self.scopes

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "secret": self.secret,
            "redirect": list(self.redirect),
            "firstParty": self.firstParty,
        }
        data.update({name: list(getattr(self, name)) for name in LIST_FIELDS[1:]})
        if self.name:
            data["name"] = self.name
        if self.postLogoutRedirect:
            data["postLogoutRedirect"] = list(self.postLogoutRedirect)
        for name, empty in OPTIONAL_FIELDS.items():
            if getattr(self, name) != empty:
                data[name] = getattr(self, name)
        return data

    @property
    def has_keys(self) -> bool:
        """Whether the client registered public keys (`jwks` or `jwksUri`)."""
        return self.jwks is not None or bool(self.jwksUri)


# The optional fields beyond the seed's (and postLogoutRedirect), with their empty values.
OPTIONAL_FIELDS: dict[str, Any] = {
    "jwks": None, "jwksUri": "", "tokenEndpointAuthSigningAlg": "",
    "requirePushedAuthorizationRequests": False, "dpopBound": False,
    "idTokenSignedResponseAlg": "RS256", "accessTokenFormat": "jwt",
}


def client_from_dict(data: object, where: str = "client") -> Client:
    """Validate one entry in the seed's shape; `ClientsFileError` names `where` and the field.

    An optional field (`secret`, `name`, a field in `DEFAULTS`) may be missing or null."""
    if not isinstance(data, dict):
        raise ClientsFileError(f"{where}: expected an object, got {type(data).__name__}")
    data = {**data, **{name: list(value) for name, value in DEFAULTS.items()
                       if data.get(name) is None}}
    machine = _machine_only(data)
    values = {name: _list_field(data, name, where, may_be_empty=machine and name in BROWSER_FIELDS)
              for name in LIST_FIELDS}
    first_party = data.get("firstParty")
    if not isinstance(first_party, bool):
        raise ClientsFileError(f"{where}: field 'firstParty' must be true or false")
    for uri in values["redirect"]:
        _check_redirect(uri, where)
    client_id = _string_field(data, "id", where, allow_empty=False)
    methods = _auth_methods(values["authMethods"], where)
    if "client_credentials" in values["grantTypes"] and "none" in methods:
        raise ClientsFileError(f"{where}: grantTypes has client_credentials, which only a "
                               "confidential client may use (RFC 6749 §4.4): give authMethods "
                               "client_secret_basic or client_secret_post and a secret, or "
                               "private_key_jwt and jwks")
    return Client(
        id=client_id, secret=_secret(data, methods, where), firstParty=first_party,
        name=_string_field(data, "name", where, allow_empty=True, optional=True),
        redirect=values["redirect"], grantTypes=values["grantTypes"],
        responseTypes=values["responseTypes"], responseModes=values["responseModes"],
        authMethods=methods, scopes=values["scopes"],
        postLogoutRedirect=_post_logout_redirects(data, where),
        accessTokenFormat=_access_token_format(data, where),
        **_key_fields(data, methods, where),
    )


def _access_token_format(data: dict[str, Any], where: str) -> str:
    """`accessTokenFormat`: "jwt" (RFC 9068, the default) or "opaque" (RFC 6749 §1.4)."""
    form = _string_field(data, "accessTokenFormat", where, allow_empty=False,
                         optional=True) or "jwt"
    if form not in ACCESS_TOKEN_FORMATS:
        raise ClientsFileError(f"{where}: field 'accessTokenFormat' is {form!r}; use \"jwt\" "
                               "(RFC 9068 JWT access tokens) or \"opaque\" (RFC 6749 §1.4, "
                               "read by introspection, RFC 7662)")
    return form


def _key_fields(data: dict[str, Any], methods: tuple[str, ...], where: str) -> dict[str, Any]:
    """`jwks`/`jwksUri`, the signing algorithms and the PAR and DPoP flags, each checked."""
    jwks, jwks_uri = data.get("jwks"), data.get("jwksUri")
    if jwks is not None and jwks_uri is not None:
        raise ClientsFileError(f"{where}: give 'jwks' or 'jwksUri', not both (RFC 7591 §2)")
    if jwks is not None:
        _check_jwks(jwks, where)
    if jwks_uri is not None:
        _check_redirect(_string_field(data, "jwksUri", where, allow_empty=False), where,
                        "jwksUri")
    if "private_key_jwt" in methods and jwks is None and jwks_uri is None:
        raise ClientsFileError(f"{where}: authMethods has private_key_jwt, so the client needs "
                               "its public keys: give 'jwks' ({\"keys\": [...]}) or 'jwksUri' "
                               "(RFC 7523 §2.2, OIDC Core §9)")
    alg = _string_field(data, "tokenEndpointAuthSigningAlg", where, allow_empty=True,
                        optional=True)
    allowed = [a for m in methods for a in ASSERTION_ALGORITHMS.get(m, ())]
    if alg and alg not in allowed:
        choices = ", ".join(allowed) or "(none: add private_key_jwt or client_secret_jwt)"
        raise ClientsFileError(f"{where}: field 'tokenEndpointAuthSigningAlg' is {alg!r}; with "
                               f"these authMethods use one of {choices}")
    id_alg = _string_field(data, "idTokenSignedResponseAlg", where, allow_empty=False,
                           optional=True) or "RS256"
    if id_alg not in ID_TOKEN_ALGORITHMS:
        raise ClientsFileError(f"{where}: field 'idTokenSignedResponseAlg' is {id_alg!r}; use "
                               f"one of {', '.join(ID_TOKEN_ALGORITHMS)} ('none' is never "
                               "allowed, RFC 8725 §3.1)")
    return {"jwks": jwks, "jwksUri": jwks_uri or "", "tokenEndpointAuthSigningAlg": alg,
            "idTokenSignedResponseAlg": id_alg,
            "requirePushedAuthorizationRequests": _flag(data, "requirePushedAuthorizationRequests",
                                                        where),
            "dpopBound": _flag(data, "dpopBound", where)}


def _check_jwks(jwks: object, where: str) -> None:
    """RFC 7517 §5: an object with a non-empty `keys` list of public JWKs."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys or not all(isinstance(k, dict) for k in keys):
        raise ClientsFileError(f"{where}: field 'jwks' must be a JWK Set, {{\"keys\": [...]}} "
                               "with at least one key (RFC 7517 §5)")
    for i, key in enumerate(keys):
        if "d" in key or "k" in key:
            raise ClientsFileError(f"{where}: field 'jwks' key [{i}] holds private or secret "
                                   "material ('d' or 'k'); register the public key only")
        try:
            public_key_of(key)
        except JwkError as exc:
            raise ClientsFileError(f"{where}: field 'jwks' key [{i}]: {exc}") from None


def _flag(data: dict[str, Any], name: str, where: str) -> bool:
    value = data.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ClientsFileError(f"{where}: field {name!r} must be true or false")
    return value


def _post_logout_redirects(data: dict[str, Any], where: str) -> tuple[str, ...]:
    """OIDC RP-Initiated Logout §3.1: optional; absolute URIs without a fragment (§3: a
    sign-out returns only to one of these, by exact match)."""
    value = data.get("postLogoutRedirect")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(_is_text(v) and v for v in value):
        raise ClientsFileError(f"{where}: field 'postLogoutRedirect' must be a list of strings")
    for uri in value:
        _check_redirect(uri, where, "postLogoutRedirect")
    return tuple(value)


def _auth_methods(methods: tuple[str, ...], where: str) -> tuple[str, ...]:
    for method in methods:
        if method not in AUTH_METHODS:
            raise ClientsFileError(
                f"{where}: field 'authMethods' has {method!r}; supported: {', '.join(AUTH_METHODS)}"
            )
    return methods


def _secret(data: dict[str, Any], methods: tuple[str, ...], where: str) -> str:
    """RFC 6749 §2.3.1: a client authenticating with a password needs one; a public client
    (§2.1, `none`) has none, so its `secret` may be left out, null or ""."""
    secret = _string_field(data, "secret", where, allow_empty=True, optional=True)
    needs = [m for m in methods if m in SECRET_METHODS]
    if not secret and needs:
        state = "empty" if data.get("secret") == "" else "missing"
        raise ClientsFileError(
            f"{where}: field 'secret' is {state} but authMethods {', '.join(needs)} needs one "
            "(use authMethods [\"none\"] for a public client, or [\"private_key_jwt\"] with "
            "'jwks' for a client that signs with a key)"
        )
    return secret


def _string_field(data: dict[str, Any], name: str, where: str, *, allow_empty: bool,
                  optional: bool = False) -> str:
    value = data.get(name)
    if optional and value is None:
        return ""
    if not _is_text(value) or (not allow_empty and not value):
        kind = "a string" if allow_empty else "a non-empty string"
        raise ClientsFileError(f"{where}: field {name!r} must be {kind}"
                               + (" or null" if optional else ""))
    return value


def _machine_only(data: dict[str, Any]) -> bool:
    """A client whose grants never redirect a user's browser back to it: client_credentials
    (RFC 6749 §4.4, no user), token exchange, or the device grant (RFC 8628 §3.3: the user
    signs in on another device and the client polls). It needs no redirect URI and no
    response type, so those lists may be empty."""
    grants = data.get("grantTypes")
    return isinstance(grants, list) and bool(grants) and not set(grants) & {"authorization_code"}


def _list_field(data: dict[str, Any], name: str, where: str, *,
                may_be_empty: bool = False) -> tuple[str, ...]:
    value = data.get(name)
    if name not in data:
        if may_be_empty:
            return ()
        raise ClientsFileError(f"{where}: field {name!r} is missing")
    if not isinstance(value, list) or not (value or may_be_empty) \
            or not all(_is_text(v) and v for v in value):
        raise ClientsFileError(f"{where}: field {name!r} must be a non-empty list of strings")
    return tuple(value)


def _is_text(value: object) -> TypeGuard[str]:
    """A str that can be printed and sent: JSON's `\\ud800` escapes give lone surrogates."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_redirect(uri: str, where: str, name: str = "redirect") -> None:
    """RFC 6749 §3.1.2: an absolute URI without a fragment."""
    try:
        parts = urlsplit(uri)
    except ValueError:  # "http://[::1": an unclosed IPv6 literal
        parts = urlsplit("")
    if not parts.scheme or not parts.netloc or parts.fragment or "#" in uri:
        raise ClientsFileError(
            f"{where}: field {name!r} has {uri!r}; RFC 6749 §3.1.2 needs an absolute URI "
            "without a fragment"
        )


def clients_from_json(data: object, source: str = "clients") -> list[Client]:
    """Validate a whole list; the first bad entry raises, nothing is half-loaded."""
    if not isinstance(data, list):
        hint = "; put the client inside [ ]" if isinstance(data, dict) else ""
        raise ClientsFileError(f"{source}: expected a JSON list of clients, got "
                               f"{_json_kind(data)}{hint}")
    if not data:
        raise ClientsFileError(f"{source}: holds an empty list; give at least one client, e.g. "
                               f"[{EXAMPLE}] (or omit --clients for the built-in clients)")
    clients = [client_from_dict(item, f"{source}: client [{i}]") for i, item in enumerate(data)]
    seen: set[str] = set()
    for i, client in enumerate(clients):
        if client.id in seen:
            raise ClientsFileError(
                f"{source}: client [{i}]: field 'id' {client.id!r} is duplicated"
            )
        seen.add(client.id)
    return clients


def _json_kind(data: object) -> str:
    kinds = {dict: "an object", str: "a string", bool: "true or false", type(None): "null"}
    return kinds.get(type(data), "a number")


@dataclass(frozen=True, slots=True)
class ClientsFile:
    """A loaded clients file: its clients, and for each field in `DEFAULTS` the ids of the
    clients that left it out and got the default."""

    path: str
    clients: tuple[Client, ...]
    defaulted: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def notes(self) -> list[str]:
        """One line per defaulted field, e.g. `responseModes defaulted to query for: a, b`."""
        return [f"{name} defaulted to {', '.join(DEFAULTS[name])} for: {', '.join(ids)}"
                for name, ids in self.defaulted]


def load_clients(path: str | Path) -> ClientsFile:
    """Read a clients file (a JSON list in the seed's shape)."""
    data = _parse(_read(path), path)
    clients = clients_from_json(data, str(path))
    assert isinstance(data, list)
    defaulted = tuple(
        (name, ids) for name in DEFAULTS
        if (ids := tuple(c.id for c, raw in zip(clients, data, strict=True)
                         if raw.get(name) is None))
    )
    return ClientsFile(str(path), tuple(clients), defaulted)


def _read(path: str | Path) -> str:
    """The file's text: UTF-8, a byte-order mark (a Windows editor's) dropped."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ClientsFileError(f"cannot read clients file {str(path)!r}: {reason}") from None
    except UnicodeDecodeError as exc:
        raise ClientsFileError(f"cannot read clients file {str(path)!r}: not UTF-8 text "
                               f"(byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
                               ) from None


def _parse(text: str, path: str | Path) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ClientsFileError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ClientsFileError(f"{path}: not a clients file: JSON nested too deeply (a clients "
                               "file is a list of flat objects)") from None
    except ValueError as exc:  # e.g. a number longer than int's 4300-digit conversion limit
        raise ClientsFileError(f"{path}: not valid JSON ({exc})") from None


def default_clients() -> list[Client]:
    """The shipped registry: the seed's client, a first-party SPA, a web app, a native app."""
    text = resources.files("playground").joinpath("assets/server/clients.json").read_text("utf-8")
    return clients_from_json(json.loads(text), "default clients")


class ClientRegistry:
    """The live registry; thread-safe, because the app edits it while the server runs."""

    def __init__(self, clients: Iterable[Client] = ()) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, Client] = {}
        self.version = 0
        for client in clients:
            self.add(client)
        self._initial = dict(self._clients)

    def __iter__(self) -> Iterator[Client]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self._clients)

    def list(self) -> list[Client]:
        return list(self._clients.values())

    def get(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def add(self, client: Client) -> None:
        with self._lock:
            if client.id in self._clients:
                raise ValueError(f"client {client.id!r} is already registered")
            self._clients[client.id] = client
            self.version += 1

    def reset(self) -> None:
        """Back to the clients the registry was made with."""
        with self._lock:
            self._clients = dict(self._initial)
            self.version += 1

    def replace(self, client: Client) -> None:
        """Register `client`, replacing any client with the same id."""
        with self._lock:
            self._clients[client.id] = client
            self.version += 1

    def remove(self, client_id: str) -> None:
        with self._lock:
            self._clients.pop(client_id, None)
            self.version += 1
