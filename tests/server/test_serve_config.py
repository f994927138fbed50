"""`serve --config` as a subprocess, driven over HTTP as a test suite in any language would."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from playground.core.protocol import pkce
from tests.server.test_serve import ROOT, _reap, _run, _serve

EXAMPLE = ROOT / "docs" / "examples" / "serve.toml"


def _listening(proc: subprocess.Popen[str]) -> dict[str, object]:
    assert proc.stdout is not None
    event = json.loads(proc.stdout.readline())
    assert event["event"] == "listening", event
    return dict(event)


@pytest.fixture(scope="module")
def serve() -> Iterator[dict[str, object]]:
    proc = _serve("--config", str(EXAMPLE), "--port", "0", "--signers", "0",
                  "--log-format", "json")
    try:
        yield _listening(proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        _reap(proc)


def test_the_listening_event_names_issuer_tenants_and_control(serve: dict[str, object]) -> None:
    issuer = str(serve["issuer"])
    assert issuer.endswith("/idp")
    assert serve["tenants"] == [issuer.removesuffix("/idp") + "/tenant-a"]
    assert serve["control_api"] is True and serve["clients"] == ["my-spa", "my-backend"]


def test_auto_approve_signs_the_hinted_user_in_without_a_page(
        serve: dict[str, object]) -> None:
    issuer = str(serve["issuer"])
    with httpx.Client(timeout=10) as http:
        http.post(f"{issuer}/_playground/behaviours", json={"claims": {"acr": "Level4"}})
        meta = http.get(f"{issuer}/.well-known/openid-configuration").json()
        verifier = pkce.generate_verifier()
        answer = http.get(meta["authorization_endpoint"], params={
            "client_id": "my-spa", "response_type": "code", "scope": "openid profile email",
            "redirect_uri": "http://localhost:5173/callback", "state": "s1",
            "login_hint": "erin", "code_challenge": pkce.s256(verifier),
            "code_challenge_method": "S256"})
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        tokens = http.post(meta["token_endpoint"], data={
            "grant_type": "authorization_code", "code": code, "client_id": "my-spa",
            "redirect_uri": "http://localhost:5173/callback", "code_verifier": verifier}).json()
        journal = http.get(f"{issuer}/_playground/requests",
                           params={"endpoint": "token"}).json()["requests"]
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert answer.headers["location"].startswith("http://localhost:5173/callback?")
    assert (claims["sub"], claims["groups"], claims["acr"]) == ("erin", ["testers"], "Level4")
    assert tokens["expires_in"] == 900
    assert journal[-1]["params"]["code_verifier"] == verifier


def test_the_tenant_has_its_own_discovery(serve: dict[str, object]) -> None:
    origin = str(serve["issuer"]).removesuffix("/idp")
    meta = httpx.get(f"{origin}/.well-known/oauth-authorization-server/tenant-a").json()
    assert meta["issuer"] == f"{origin}/tenant-a"


def test_a_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "idp.toml"
    path.write_text('[[users]]\nsub = "dave"\nclaims = ["admin"]\n', "utf-8")
    done = _run("--config", str(path), "--port", "0")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (f"oauth-playground serve: error: {path}: users[0].claims: "
                                   "expected an object of claims, found a list")


def test_command_line_options_win_over_the_file_and_the_api_can_be_off() -> None:
    proc = _serve("--config", str(EXAMPLE), "--port", "0", "--signers", "0",
                  "--issuer", "http://127.0.0.1:1/other", "--no-control-api",
                  "--log-format", "json")
    try:
        event = _listening(proc)
        assert event["issuer"] == "http://127.0.0.1:1/other"
        assert event["control_api"] is False
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        _reap(proc)
