"""Clients in the seed's shape: loading, validation by index and field, the default registry."""

from __future__ import annotations

import errno
import json
import os
import re
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
    [client] = load_clients(path).clients
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
    (_entry(authMethods=["tls_client_auth"]), "client [1]: field 'authMethods'"),
    (_entry(authMethods=["private_key_jwt"]), "client [1]: authMethods has private_key_jwt, so "
     "the client needs its public keys"),
    (_entry(authMethods=["client_secret_basic"], secret=""), "client [1]: field 'secret'"),
    (_entry(authMethods=["client_secret_post"], secret=...), "client [1]: field 'secret' is "
     "missing but authMethods client_secret_post needs one"),
    (_entry(authMethods=["none", "client_secret_basic"], secret=None), "client [1]: field "
     "'secret' is missing"),
    (_entry(secret=42), "client [1]: field 'secret' must be a string or null"),
    (_entry(id="\ud800"), "client [1]: field 'id'"),  # a lone surrogate: cannot be printed
    (_entry(redirect=["http://[::1/cb"]), "client [1]: field 'redirect'"),
    (_entry(responseModes=[]), "client [1]: field 'responseModes'"),
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
    with pytest.raises(ClientsFileError, match=r"expected a JSON list .*inside \[ \]"):
        load_clients(path)


PUBLIC_AS_WRITTEN: dict[str, Any] = {  # as a user writes one: no secret, no responseModes
    "id": "my-spa", "redirect": ["http://localhost:5173/callback"], "firstParty": True,
    "grantTypes": ["authorization_code"], "responseTypes": ["code"], "authMethods": ["none"],
    "scopes": ["openid"],
}


@pytest.mark.parametrize("secret", [..., None, ""])
def test_public_client_needs_no_secret(tmp_path: Path, secret: Any) -> None:
    entry = dict(PUBLIC_AS_WRITTEN) if secret is ... else dict(PUBLIC_AS_WRITTEN, secret=secret)
    path = tmp_path / "clients.json"
    path.write_text(json.dumps([entry]))
    [client] = load_clients(path).clients
    assert client.secret == "" and client.is_public


def test_missing_or_null_response_modes_default_to_query_and_say_so(tmp_path: Path) -> None:
    entries = [PUBLIC_AS_WRITTEN, dict(SEED_CLIENT), dict(SEED_CLIENT, id="b", responseModes=None)]
    path = tmp_path / "clients.json"
    path.write_text(json.dumps(entries))
    loaded = load_clients(path)
    assert [c.responseModes for c in loaded.clients] == [("query",)] * 3
    assert loaded.defaulted == (("responseModes", ("my-spa", "b")),)
    assert loaded.notes() == ["responseModes defaulted to query for: my-spa, b"]


def test_nothing_defaulted_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps([SEED_CLIENT]))
    assert load_clients(path).notes() == []


def test_utf8_bom_from_a_windows_editor(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([SEED_CLIENT], indent=2).encode())
    [client] = load_clients(path).clients
    assert client.id == SEED_CLIENT["id"]


def test_empty_list_says_what_would_be_right(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text("[]")
    with pytest.raises(ClientsFileError) as info:
        load_clients(path)
    message = str(info.value)
    assert message.startswith(f"{path}: holds an empty list; give at least one client, e.g. [")
    assert "omit --clients" in message and "\n" not in message
    example = re.search(r"e\.g\. (\[.*\])", message)
    assert example is not None
    path.write_text(example.group(1))  # the example given is itself a valid clients file
    assert [c.id for c in load_clients(path).clients] == ["my-app"]


def _deny(path: Path) -> None:
    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))


@pytest.mark.parametrize(("content", "expected"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),  # RecursionError in json
    (b"[\xff\xfe]", "not UTF-8 text (byte 0xff at offset 1)"),
    ("[1" + "0" * 5000 + "]", "not valid JSON (Exceeds the limit"),
    ('[\n  {"id": "x",}\n]', "not valid JSON (line 2, column 14"),
    (None, "No such file or directory"),
    ("directory", "Is a directory"),
    ("denied", "Permission denied"),
])
def test_unreadable_file_is_one_line_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               content: str | bytes | None,
                                               expected: str) -> None:
    path = tmp_path / "clients.json"
    if content == "directory":
        path.mkdir()
    elif content == "denied":  # chmod 000 does not stop root, who may run this
        path.write_text("[]")
        monkeypatch.setattr(Path, "read_text", lambda self, encoding: _deny(self))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ClientsFileError) as info:
        load_clients(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


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


def test_a_machine_client_needs_no_redirect_but_a_secret() -> None:
    from playground.server.clients import client_from_dict

    machine = {"id": "svc", "secret": "s3cret", "firstParty": False,
               "grantTypes": ["client_credentials"], "authMethods": ["client_secret_basic"],
               "scopes": ["api:read"]}
    client = client_from_dict(machine)
    assert client.redirect == () and client.responseTypes == ()
    with pytest.raises(ClientsFileError, match="only a confidential client may use"):
        client_from_dict({**machine, "authMethods": ["none"], "secret": None})
    with pytest.raises(ClientsFileError, match="'redirect' is missing"):
        client_from_dict({**machine, "grantTypes": ["authorization_code", "client_credentials"]})
