"""`serve --config FILE`: the server's whole set-up in one TOML or JSON file.

Clients in the seed's shape, users with any claims, token lifetimes and signing algorithms, the
issuer (a path included), the consent behaviour, and tenants (issuers under paths, each with
its own clients, users and settings). Every value is checked; an error is one line naming the
file and the path of the value (`users[1].claims: expected an object of claims, found a list`).
docs/serve.md and docs/examples/ have example files.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playground.server import json_input as ji
from playground.server.clients import Client, ClientsFileError, client_from_dict, default_clients
from playground.server.config import ServerConfig, Tenant
from playground.server.keys import ID_TOKEN_ALGORITHMS
from playground.server.users import DEMO_USERS, User, make_user

SERVER_FIELDS = ("clients", "users", "tokens", "consent", "resources", "require_par",
                 "dpop_nonce", "allow_plain")
ROOT_FIELDS = ("issuer", "host", "port", "tenants", *SERVER_FIELDS)
TENANT_FIELDS = ("path", *SERVER_FIELDS)
TOKEN_FIELDS = ("access_token_lifetime", "id_token_lifetime", "refresh_token_lifetime",
                "code_lifetime", "access_token_alg", "id_token_alg")
CONSENT_MODES = ("interactive", "auto-approve")
RESERVED = ("/_playground", "/oauth2", "/.well-known", "/interaction", "/device")
_SEGMENT = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
YEAR = 365 * 24 * 3600


class ConfigFileError(ValueError):
    """The file cannot be read or holds a wrong value (one line naming both)."""


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    config: ServerConfig
    source: str


def load_config(path: str | Path) -> LoadedConfig:
    """Read and check `path`; `ConfigFileError` names the file and the bad value's path."""
    data = _parse(path, _read(path))
    try:
        config = server_config(data)
    except (ji.InputError, ClientsFileError) as exc:
        raise ConfigFileError(f"{path}: {exc}") from None
    return LoadedConfig(config, str(path))


def server_config(data: object) -> ServerConfig:
    """The root object of a config file as a `ServerConfig`, its tenants included."""
    root = ji.obj(data, "", ROOT_FIELDS)
    config = _settings(root, "", ServerConfig())
    port = ji.integer(root, "port", "", config.port, high=65535)
    tenants = tuple(_tenant(item, where) for where, item in ji.items(root, "tenants", ""))
    _distinct([t.path for t in tenants], "tenants")
    return replace(config, issuer=_issuer(root), host=ji.text(root, "host", "") or config.host,
                   port=port, tenants=tenants)


def _settings(data: dict[str, Any], where: str, base: ServerConfig) -> ServerConfig:
    """What the root and a tenant both configure."""
    tokens = ji.obj(data.get("tokens", {}), ji.at(where, "tokens"), TOKEN_FIELDS)
    users = _users(data, where)
    config = replace(
        base, clients=_clients(data, where, tokens), users=users,
        access_token_ttl=_lifetime(tokens, "access_token_lifetime", where, base.access_token_ttl),
        id_token_ttl=_lifetime(tokens, "id_token_lifetime", where, base.id_token_ttl),
        refresh_token_ttl=_lifetime(tokens, "refresh_token_lifetime", where,
                                    base.refresh_token_ttl),
        code_ttl=float(_lifetime(tokens, "code_lifetime", where, int(base.code_ttl), high=600)),
        access_token_alg=ji.text(tokens, "access_token_alg", ji.at(where, "tokens"),
                                 base.access_token_alg, ID_TOKEN_ALGORITHMS) or "ES256",
        require_par=ji.flag(data, "require_par", where),
        dpop_nonce=ji.flag(data, "dpop_nonce", where),
        allow_plain=ji.flag(data, "allow_plain", where),
    )
    resources = [_resource(v, w) for w, v in ji.items(data, "resources", where)]
    if resources:
        config = replace(config, resources=tuple(resources))
    return _consent(data, where, config, users or DEMO_USERS)


def _lifetime(tokens: dict[str, Any], name: str, where: str, default: int,
              high: int = YEAR) -> int:
    return ji.integer(tokens, name, ji.at(where, "tokens"), default, low=1, high=high)


def _clients(data: dict[str, Any], where: str, tokens: dict[str, Any]) -> list[Client] | None:
    """The seed's client shape; `tokens.id_token_alg` is the default
    `idTokenSignedResponseAlg` (OIDC Registration §2)."""
    if "clients" not in data:
        return None
    id_alg = ji.text(tokens, "id_token_alg", ji.at(where, "tokens"), None, ID_TOKEN_ALGORITHMS)
    clients = []
    for item_where, item in ji.items(data, "clients", where):
        if isinstance(item, dict) and id_alg and "idTokenSignedResponseAlg" not in item:
            item = {**item, "idTokenSignedResponseAlg": id_alg}
        clients.append(client_from_dict(item, item_where))
    if not clients:
        raise ji.InputError(f"{ji.at(where, 'clients')}: the list is empty; leave it out for "
                            f"the default clients ({', '.join(c.id for c in default_clients())})")
    _distinct([c.id for c in clients], ji.at(where, "clients"), "id")
    return clients


def _users(data: dict[str, Any], where: str) -> list[User] | None:
    """`[{"sub": "dave", "claims": {...}}]`: any claims, nested objects and lists included."""
    if "users" not in data:
        return None
    users = []
    for item_where, item in ji.items(data, "users", where):
        entry = ji.obj(item, item_where, ("sub", "claims"))
        sub = ji.text(entry, "sub", item_where)
        if sub is None:
            raise ji.InputError(f"{item_where}.sub: every user needs a subject identifier "
                                "(OIDC Core §2), e.g. sub = \"dave\"")
        users.append(make_user(sub, ji.claims(entry, "claims", item_where)))
    if not users:
        raise ji.InputError(f"{ji.at(where, 'users')}: the list is empty; leave it out for the "
                            "demo users (alice, bob, carol)")
    _distinct([u.sub for u in users], ji.at(where, "users"), "sub")
    return users


def _consent(data: dict[str, Any], where: str, config: ServerConfig,
             users: list[User] | tuple[User, ...]) -> ServerConfig:
    at = ji.at(where, "consent")
    consent = ji.obj(data.get("consent", {}), at, ("mode", "user"))
    mode = ji.text(consent, "mode", at, "interactive", CONSENT_MODES) or "interactive"
    user = ji.text(consent, "user", at, users[0].sub) or users[0].sub
    if user not in {u.sub for u in users}:
        raise ji.InputError(f"{at}.user: {user!r} is not one of the users "
                            f"({', '.join(u.sub for u in users)})")
    return replace(config, consent=mode, auto_user=user)


def _issuer(root: dict[str, Any]) -> str | None:
    """A URL (`http://127.0.0.1:9400/idp`), or a path (`/idp`) below the listening address."""
    issuer = ji.text(root, "issuer", "")
    if issuer is None or issuer.startswith("/"):
        if issuer is not None and not _SEGMENT.match(issuer):
            raise ji.InputError(f"issuer: {issuer!r} is not a path like \"/idp\"")
        return issuer
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise ji.InputError(f"issuer: {issuer!r} must be an http(s) URL without query or "
                            "fragment (RFC 8414 §2), or a path like \"/idp\"")
    return issuer.rstrip("/")


def _tenant(item: object, where: str) -> Tenant:
    data = ji.obj(item, where, TENANT_FIELDS)
    path = ji.text(data, "path", where)
    if path is None or not _SEGMENT.match(path) or path.startswith(RESERVED):
        raise ji.InputError(f"{where}.path: give a path like \"/tenant-a\" (letters, digits, "
                            f"-._~), not one of {', '.join(RESERVED)}")
    return Tenant(path, _settings(data, where, ServerConfig()))


def _resource(value: object, where: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or not parts.scheme or not parts.netloc or parts.fragment:
        raise ji.InputError(f"{where}: a resource is an absolute URI without a fragment "
                            "(RFC 8707 §2)")
    return str(value)


def _distinct(values: list[str], where: str, name: str = "path") -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ji.InputError(f"{where}[{i}].{name}: {value!r} is given twice")
        seen.add(value)


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text("utf-8-sig")
    except FileNotFoundError:
        raise ConfigFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigFileError(f"{path}: is a directory; give a .toml or .json file") from None
    except UnicodeDecodeError:
        raise ConfigFileError(f"{path}: is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _parse(path: str | Path, text: str) -> object:
    suffix = Path(path).suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{path}: not valid TOML ({exc})") from None
    except (ValueError, RecursionError) as exc:
        raise ConfigFileError(f"{path}: not valid JSON ({exc})") from None
    raise ConfigFileError(f"{path}: name a .toml or .json file (the suffix picks the format)")
