"""Registered clients, in the seed's shape with its verbatim field names.

RFC 6749 §2 (client registration): a client has an identifier (§2.2), credentials when it is
confidential (§2.3) and one or more registered redirection endpoints (§3.1.2.2). The seed
(`seeds/auth_code_pkce.md`) spells these `id, secret, redirect[], firstParty, grantTypes,
responseTypes, responseModes, authMethods, scopes`; a clients file is a JSON list of such objects.
Loading validates every entry first and reports the first bad one by index and field, so a
registry is never half-loaded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")
LIST_FIELDS = ("redirect", "grantTypes", "responseTypes", "responseModes", "authMethods", "scopes")


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
        return data


def client_from_dict(data: object, where: str = "client") -> Client:
    """Validate one entry in the seed's shape; `ClientsFileError` names `where` and the field."""
    if not isinstance(data, dict):
        raise ClientsFileError(f"{where}: expected an object, got {type(data).__name__}")
    values = {name: _list_field(data, name, where) for name in LIST_FIELDS}
    client_id = _string_field(data, "id", where, allow_empty=False)
    secret = _string_field(data, "secret", where, allow_empty=True)
    first_party = data.get("firstParty")
    if not isinstance(first_party, bool):
        raise ClientsFileError(f"{where}: field 'firstParty' must be true or false")
    for uri in values["redirect"]:
        _check_redirect(uri, where)
    for method in values["authMethods"]:
        if method not in AUTH_METHODS:
            raise ClientsFileError(
                f"{where}: field 'authMethods' has {method!r}; supported: {', '.join(AUTH_METHODS)}"
            )
    if not secret and set(values["authMethods"]) - {"none"}:
        raise ClientsFileError(f"{where}: field 'secret' is empty but authMethods needs a secret")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise ClientsFileError(f"{where}: field 'name' must be a string")
    return Client(
        id=client_id, secret=secret, firstParty=first_party, name=name,
        redirect=values["redirect"], grantTypes=values["grantTypes"],
        responseTypes=values["responseTypes"], responseModes=values["responseModes"],
        authMethods=values["authMethods"], scopes=values["scopes"],
    )


def _string_field(data: dict[str, Any], name: str, where: str, *, allow_empty: bool) -> str:
    value = data.get(name)
    if not isinstance(value, str) or (not allow_empty and not value):
        raise ClientsFileError(f"{where}: field {name!r} must be a non-empty string"
                               if not allow_empty else f"{where}: field {name!r} must be a string")
    return value


def _list_field(data: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = data.get(name)
    if name not in data:
        raise ClientsFileError(f"{where}: field {name!r} is missing")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ClientsFileError(f"{where}: field {name!r} must be a non-empty list of strings")
    return tuple(value)


def _check_redirect(uri: str, where: str) -> None:
    """RFC 6749 §3.1.2: an absolute URI without a fragment."""
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc or parts.fragment or "#" in uri:
        raise ClientsFileError(
            f"{where}: field 'redirect' has {uri!r}; RFC 6749 §3.1.2 needs an absolute URI "
            "without a fragment"
        )


def clients_from_json(data: object, source: str = "clients") -> list[Client]:
    """Validate a whole list; the first bad entry raises, nothing is half-loaded."""
    if not isinstance(data, list):
        raise ClientsFileError(f"{source}: expected a JSON list of clients")
    clients = [client_from_dict(item, f"{source}: client [{i}]") for i, item in enumerate(data)]
    seen: set[str] = set()
    for i, client in enumerate(clients):
        if client.id in seen:
            raise ClientsFileError(
                f"{source}: client [{i}]: field 'id' {client.id!r} is duplicated"
            )
        seen.add(client.id)
    return clients


def load_clients(path: str | Path) -> list[Client]:
    """Read a clients file (a JSON list in the seed's shape)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ClientsFileError(f"cannot read clients file {str(path)!r}: {reason}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ClientsFileError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return clients_from_json(data, str(path))


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

    def replace(self, client: Client) -> None:
        """Register `client`, replacing any client with the same id."""
        with self._lock:
            self._clients[client.id] = client
            self.version += 1

    def remove(self, client_id: str) -> None:
        with self._lock:
            self._clients.pop(client_id, None)
            self.version += 1
