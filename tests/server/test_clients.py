"""Clients in the seed's shape: loading, validation by index and field, the default registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from playground.server import (
    Client,
    ClientRegistry,
    ClientsFileError,
    client_from_dict,
    default_clients,
    load_clients,
)

SEED_CLIENT: dict[str, Any] = {
    "id": "c02d5bf5-993e-4c6a-a248-6c307cc7681b",
    "secret": "c5bb2489292fac7711baedd65d87296261d08cdbdde2073c9fdb29941ac5446a",
    "redirect": ["http://client.server.com/callback"],
    "firstParty": False,
    "grantTypes": ["authorization_code"],
    "responseTypes": ["code"],
    "responseModes": ["query"],
    "authMethods": ["none"],
    "scopes": ["openid", "email", "profile", "offline_access"],
}


def test_default_registry_ships_the_seed_client_exactly() -> None:
    clients = {c.id: c for c in default_clients()}
    seed = clients[SEED_CLIENT["id"]]
    assert seed.to_dict() == SEED_CLIENT  # as the seed writes it: no field added or renamed
    assert not seed.firstParty and seed.is_public


def test_default_registry_has_spa_web_and_native_clients() -> None:
    clients = default_clients()
    assert any(c.firstParty and c.is_public for c in clients)
    assert any({"client_secret_basic", "client_secret_post"} <= set(c.authMethods)
               for c in clients)
    assert any("http://127.0.0.1/callback" in c.redirect for c in clients)


def test_load_seed_shaped_file(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps([SEED_CLIENT]))
    [client] = load_clients(path)
    assert isinstance(client, Client)
    assert client.redirect == ("http://client.server.com/callback",)


def _entry(**changes: Any) -> dict[str, Any]:
    entry = dict(SEED_CLIENT, id="other")
    for name, value in changes.items():
        if value is ...:
            entry.pop(name)
        else:
            entry[name] = value
    return entry


@pytest.mark.parametrize(("entry", "message"), [
    (_entry(id=...), "client [1]: field 'id'"),
    (_entry(id=""), "client [1]: field 'id'"),
    (_entry(redirect=...), "client [1]: field 'redirect' is missing"),
    (_entry(redirect=[]), "client [1]: field 'redirect'"),
    (_entry(redirect=["/relative"]), "client [1]: field 'redirect'"),
    (_entry(redirect=["http://x.example/cb#frag"]), "client [1]: field 'redirect'"),
    (_entry(firstParty="no"), "client [1]: field 'firstParty'"),
    (_entry(authMethods=["private_key_jwt"]), "client [1]: field 'authMethods'"),
    (_entry(authMethods=["client_secret_basic"], secret=""), "client [1]: field 'secret'"),
    (_entry(scopes="openid"), "client [1]: field 'scopes'"),
    (_entry(grantTypes=[1]), "client [1]: field 'grantTypes'"),
    ("not an object", "client [1]: expected an object"),
    (dict(SEED_CLIENT), "client [1]: field 'id'"),  # duplicate id
])
def test_bad_entry_is_reported_by_index_and_field(tmp_path: Path, entry: Any,
                                                  message: str) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps([SEED_CLIENT, entry]))
    with pytest.raises(ClientsFileError) as info:
        load_clients(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ClientsFileError, match="cannot read clients file"):
        load_clients(tmp_path / "absent.json")


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text("[{")
    with pytest.raises(ClientsFileError, match="not valid JSON"):
        load_clients(path)


def test_not_a_list(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps(SEED_CLIENT))
    with pytest.raises(ClientsFileError, match="expected a JSON list"):
        load_clients(path)


def test_registry_add_get_replace() -> None:
    registry = ClientRegistry(default_clients())
    seed = client_from_dict(SEED_CLIENT)
    with pytest.raises(ValueError, match="already registered"):
        registry.add(seed)
    registry.replace(client_from_dict(dict(SEED_CLIENT, firstParty=True)))
    replaced = registry.get(seed.id)
    assert replaced is not None and replaced.firstParty
    assert registry.get("nope") is None
    assert len(registry.list()) == len(default_clients())


def test_refresh_grant_implied_by_offline_access() -> None:
    seed = client_from_dict(SEED_CLIENT)
    assert seed.allows_grant("refresh_token")
    no_offline = client_from_dict(dict(SEED_CLIENT, scopes=["openid"]))
    assert not no_offline.allows_grant("refresh_token")
