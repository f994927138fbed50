"""`oauth-playground profile` and `flow --profile`: providers saved once, secrets in the keyring."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

from playground import cli
from playground.core.flow import profiles
from playground.server import EmbeddedServer

WEB_SECRET = "web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring in memory, standing in for the OS one (Secret Service, Keychain…)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    monkeypatch.setenv(profiles.ENV, str(tmp_path / "profiles.json"))
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


def _run(*argv: str, stdin: str = "") -> int:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return cli.main(list(argv))
    finally:
        sys.stdin = old


def test_a_preset_is_filled_and_the_secret_stays_out_of_the_file(
        store: MemoryKeyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("profile", "add", "work", "--preset", "entra", "--set", "tenant=contoso",
                "--client-id", "abc", "--client-secret-stdin", "--param", "prompt=login",
                stdin="s3cret-value\n") == 0
    text = (tmp_path / "profiles.json").read_text("utf-8")
    assert "s3cret-value" not in text
    saved = json.loads(text)["profiles"]["work"]
    assert saved["issuer"] == "https://login.microsoftonline.com/contoso/v2.0"
    assert saved["params"] == [["prompt", "login"]]
    assert store.items[("oauth-playground", "work")] == "s3cret-value"
    capsys.readouterr()
    assert _run("profile", "show", "work") == 0
    shown = capsys.readouterr().out
    assert "client_secret          in the OS keyring" in shown and "s3cret" not in shown
    assert _run("profile", "remove", "work") == 0
    assert ("oauth-playground", "work") not in store.items


@pytest.mark.parametrize(("argv", "message"), [
    (("--preset", "keycloak", "--client-id", "x"), "preset keycloak needs base, realm"),
    (("--authorization-endpoint", "https://a/x", "--client-id", "x"),
     "give an issuer (with discovery) or the authorization and token endpoints"),
    (("--issuer", "ftp://x", "--client-id", "x"), "is not an http(s) URL"),
    (("--issuer", "https://x", "--client-id", "x", "--param", "novalue"), "write NAME=VALUE"),
])
def test_a_wrong_profile_is_one_line(store: MemoryKeyring, capsys: pytest.CaptureFixture[str],
                                     argv: tuple[str, ...], message: str) -> None:
    assert _run("profile", "add", "p", *argv) == 2
    assert message in capsys.readouterr().err


def test_without_an_os_keyring_nothing_is_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from keyring.backends import fail

    monkeypatch.setenv(profiles.ENV, str(tmp_path / "profiles.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert _run("profile", "add", "p", "--issuer", "https://x", "--client-id", "x",
                    "--client-secret-stdin", stdin="s\n") == 2
    finally:
        keyring.set_keyring(previous)
    assert "no usable OS keyring" in capsys.readouterr().err
    assert not (tmp_path / "profiles.json").exists()


def test_a_file_holding_a_secret_is_refused(store: MemoryKeyring, tmp_path: Path) -> None:
    (tmp_path / "profiles.json").write_text(json.dumps({"version": 1, "profiles": {
        "p": {"issuer": "https://x", "client_id": "x", "client_secret": "leaked"}}}))
    with pytest.raises(profiles.ProfileError, match="secrets belong in the keyring"):
        profiles.ProfileStore().load()


def test_a_profile_without_discovery_completes_against_a_server_with_none(
        store: MemoryKeyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The endpoints and the keyring's secret from the profile: no /.well-known/ request, a
    confidential client authenticated with the secret, tokens verified."""
    with EmbeddedServer() as server:
        base = server.issuer
        assert _run("profile", "add", "local", "--authorization-endpoint",
                    f"{base}/oauth2/authorize", "--token-endpoint", f"{base}/oauth2/token",
                    "--jwks-uri", f"{base}/oauth2/jwks", "--userinfo-endpoint",
                    f"{base}/oauth2/userinfo", "--client-id", "playground-web",
                    "--redirect-uri", "http://localhost:8080/callback", "--client-secret-stdin",
                    stdin=f"{WEB_SECRET}\n") == 0
        target = tmp_path / "t.json"
        code = _run("flow", "--profile", "local", "--issuer", base, "--json", str(target))
    assert code == 0, capsys.readouterr().out
    exchanges = json.loads(target.read_text("utf-8"))["exchanges"]
    assert not any("/.well-known/" in e["request"]["url"] for e in exchanges)
    token = next(e for e in exchanges if e["request"]["url"].endswith("/oauth2/token"))
    assert any(k.lower() == "authorization" and v.startswith("Basic ")
               for k, v in token["request"]["headers"])


def test_an_unknown_profile_names_the_ones_there_are(store: MemoryKeyring,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("flow", "--profile", "nope") == 2
    assert "no profile 'nope'" in capsys.readouterr().err
