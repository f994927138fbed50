"""`serve --config FILE`: what a file sets, and the one-line errors naming the bad value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.server import json_input
from playground.server.clients import ClientsFileError
from playground.server.config_file import ConfigFileError, load_config, server_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "serve.toml"
SPA = {"id": "my-spa", "redirect": ["http://localhost:5173/callback"], "firstParty": True,
       "grantTypes": ["authorization_code"], "responseTypes": ["code"], "authMethods": ["none"],
       "scopes": ["openid", "profile"]}


def _load(tmp_path: Path, data: Any, name: str = "idp.json") -> Any:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return load_config(path).config


def test_the_example_file_sets_everything_it_shows() -> None:
    config = load_config(EXAMPLE).config
    assert config.issuer == "/idp" and config.port == 9400
    assert (config.access_token_ttl, config.id_token_ttl, config.code_ttl) == (900, 900, 60)
    assert config.consent == "auto-approve" and config.auto_user == "dave"
    dave = next(u for u in config.users or () if u.sub == "dave")
    assert dave.claims["groups"] == ["developers", "admins"]
    assert dave.claims["address"] == {"country": "NL", "locality": "Utrecht"}
    assert [c.id for c in config.clients or ()] == ["my-spa", "my-backend"]
    assert all(c.idTokenSignedResponseAlg == "RS256" for c in config.clients or ())
    tenant, = config.tenants
    assert tenant.path == "/tenant-a" and tenant.config.consent == "interactive"
    assert [u.sub for u in tenant.config.users or ()] == ["frank"]


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    config = _load(tmp_path, "", "idp.toml")
    assert config.clients is None and config.users is None
    assert config.consent == "interactive" and config.auto_user == "alice"


def test_json_and_toml_say_the_same(tmp_path: Path) -> None:
    toml = _load(tmp_path, '[tokens]\naccess_token_alg = "PS256"\n[consent]\nuser = "bob"\n',
                 "idp.toml")
    as_json = _load(tmp_path, {"tokens": {"access_token_alg": "PS256"},
                               "consent": {"user": "bob"}})
    assert (toml.access_token_alg, toml.auto_user) == (as_json.access_token_alg,
                                                         as_json.auto_user) == ("PS256", "bob")


@pytest.mark.parametrize(("data", "named"), [
    ({"users": [{"sub": "dave", "claims": ["admin"]}]}, "users[0].claims: expected an object"),
    ({"users": [{"claims": {}}]}, "users[0].sub"),
    ({"users": [{"sub": "a"}, {"sub": "a"}]}, "users[1].sub: 'a' is given twice"),
    ({"users": []}, "users: the list is empty"),
    ({"tokens": {"access_token_lifetime": 0}}, "tokens.access_token_lifetime: 0 is outside"),
    ({"tokens": {"code_lifetime": 3600}}, "tokens.code_lifetime"),
    ({"tokens": {"access_token_alg": "HS256"}}, "tokens.access_token_alg: 'HS256' is not one"),
    ({"tokens": {"lifetime": 5}}, "tokens.lifetime: unknown field"),
    ({"consent": {"mode": "auto"}}, "consent.mode: 'auto' is not one of interactive"),
    ({"consent": {"user": "zoe"}}, "consent.user: 'zoe' is not one of the users"),
    ({"issuer": "ftp://x"}, "issuer: 'ftp://x' must be an http(s) URL"),
    ({"issuer": "/a b"}, "issuer: '/a b' is not a path"),
    ({"port": 70000}, "port: 70000 is outside"),
    ({"clients": [{**SPA, "firstParty": "yes"}]}, "clients[0]: field 'firstParty'"),
    ({"clients": []}, "clients: the list is empty"),
    ({"clients": [SPA, SPA]}, "clients[1].id: 'my-spa' is given twice"),
    ({"tenants": [{"path": "tenant-a"}]}, "tenants[0].path: give a path like"),
    ({"tenants": [{"path": "/oauth2"}]}, "tenants[0].path"),
    ({"tenants": [{"path": "/a"}, {"path": "/a"}]}, "tenants[1].path: '/a' is given twice"),
    ({"tenants": [{"path": "/a", "port": 1}]}, "tenants[0].port: unknown field"),
    ({"tenants": [{"path": "/a", "users": [{"sub": 3}]}]}, "tenants[0].users[0].sub"),
    ({"resources": ["not a uri"]}, "resources[0]: a resource is an absolute URI"),
    ({"clientz": []}, "clientz: unknown field"),
    ([1], "the document: expected an object"),
])
def test_a_wrong_value_is_one_line_naming_file_and_path(tmp_path: Path, data: Any,
                                                       named: str) -> None:
    with pytest.raises(ConfigFileError) as raised:
        _load(tmp_path, data)
    message = str(raised.value)
    assert message.startswith(str(tmp_path / "idp.json") + ": ")
    assert named in message and "\n" not in message


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("idp.toml", "users = [", "not valid TOML"),
    ("idp.json", "{", "not valid JSON"),
    ("idp.yaml", "a: 1", "name a .toml or .json file"),
    ("missing.toml", None, "no such file"),
])
def test_an_unreadable_file_is_one_line(tmp_path: Path, name: str, content: str | None,
                                        expected: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, "utf-8")
    with pytest.raises(ConfigFileError, match=expected):
        load_config(path)


def test_a_directory_or_bad_bytes_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="is a directory"):
        load_config(tmp_path)
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigFileError, match="not UTF-8"):
        load_config(tmp_path / "bad.toml")


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "idp.json").write_bytes(b"\xef\xbb\xbf" + b'{"port": 9500}')
    assert load_config(tmp_path / "idp.json").config.port == 9500


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10)
                    | st.floats(allow_nan=False, allow_infinity=False),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)
KEYS = st.sampled_from(["issuer", "port", "users", "clients", "tokens", "consent", "tenants",
                        "resources", "require_par", "sub", "claims", "path", "mode", "user",
                        "access_token_lifetime", "id_token_alg"])
NESTED = st.recursive(JSON, lambda inner: st.dictionaries(KEYS, inner, max_size=4)
                      | st.lists(inner, max_size=3), max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, NESTED, max_size=5))
def test_any_document_is_a_config_or_a_named_error(data: dict[str, Any]) -> None:
    try:
        server_config(data)
    except (json_input.InputError, ClientsFileError) as exc:
        assert str(exc) and "\n" not in str(exc)
