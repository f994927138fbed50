"""`oauth-playground flow` with the hardening options against the embedded server: DPoP
(RFC 9449), PAR (RFC 9126), private_key_jwt / client_secret_jwt (RFC 7523 §2.2, OIDC Core §9)
and request objects (RFC 9101), each proof, assertion and request object printed decoded."""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path

import pytest

from playground.commands import flow
from playground.core.jose import jwk

FAPI = ("--client-id", "playground-fapi", "--auth-method", "private_key_jwt")
COMPLETE = "flow complete: tokens obtained and verified"


def _secret(client_id: str) -> str:
    text = resources.files("playground").joinpath("assets/server/clients.json").read_text("utf-8")
    return str(next(c["secret"] for c in json.loads(text) if c["id"] == client_id))


JWT_CLIENT = ("--client-id", "playground-jwt", "--auth-method", "client_secret_jwt",
              "--client-secret", _secret("playground-jwt"),
              "--redirect-uri", "http://localhost:8080/callback")


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="flow")
    flow.configure(parser)
    return flow.run(parser.parse_args(argv))


def finished(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = run(*argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err[-2000:]
    assert captured.out.rstrip().endswith(COMPLETE)
    return captured.out


# -- usage errors: one line, exit 2, no traceback --------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--auth-method", "private_key_jwt"), "private_key_jwt needs --key FILE"),
        (("--auth-method", "client_secret_jwt"), "client_secret_jwt needs --client-secret"),
        (("--request-object",), "--request-object signs with the client's key or secret"),
        (("--key", "/nonexistent/key.pem"), "--key /nonexistent/key.pem: cannot read it"),
        (("--grant", "client_credentials", "--par"), "need --grant authorization_code"),
    ],
)
def test_usage_errors_exit_2(argv: tuple[str, ...], message: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_public_only_key_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    public = tmp_path / "public.jwk"
    public.write_text(json.dumps(jwk.generate("ES256").public_jwk), encoding="utf-8")
    assert run("--key", str(public), "--auth-method", "private_key_jwt") == 2
    err = capsys.readouterr().err
    assert "no private member 'd'" in err and "Traceback" not in err


def test_a_garbage_key_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbage = tmp_path / "key.pem"
    garbage.write_text("not a key", encoding="utf-8")
    assert run("--key", str(garbage)) == 2
    assert "not a PEM private key or a private JWK" in capsys.readouterr().err


# -- against the embedded server ---------------------------------------------------------------
def test_dpop_binds_the_tokens_and_calls_userinfo_with_a_proof(
        capsys: pytest.CaptureFixture[str]) -> None:
    out = finished(capsys, "--dpop")
    assert "decoded DPoP proof (RFC 9449 §4.2):" in out and '"typ": "dpop+jwt"' in out
    assert '"token_type":"DPoP"' in out.replace(" ", "")
    assert "DPoP-bound to the proof's key (RFC 9449 §5)" in out
    assert "    Authorization: DPoP " in out and '"ath": ' in out
    assert "PASS  cnf.jkt: bound to this client's DPoP key" in out


def test_par_pushes_then_the_browser_carries_the_request_uri(
        capsys: pytest.CaptureFixture[str]) -> None:
    out = finished(capsys, "--par")
    assert "[authorize_url] POST /oauth2/par HTTP/1.1" in out
    assert "pushed (RFC 9126 §2): request_uri = urn:ietf:params:oauth:request_uri:" in out
    assert "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A" in out


def test_private_key_jwt_with_par_and_dpop_for_the_fapi_client(
        capsys: pytest.CaptureFixture[str]) -> None:
    out = finished(capsys, *FAPI, "--par", "--dpop")
    assert "decoded client assertion (RFC 7523 §2.2):" in out
    assert '"kid": "playground-fapi-demo-1"' in out
    assert "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type" in out
    assert "DPoP-bound to the proof's key (RFC 9449 §5)" in out


def test_private_key_jwt_with_the_token_endpoint_as_audience(
        capsys: pytest.CaptureFixture[str]) -> None:
    out = finished(capsys, *FAPI, "--par", "--dpop", "--assertion-audience", "token_endpoint")
    assert '"aud": "http://127.0.0.1:' in out and '/oauth2/token"' in out


def test_the_fapi_client_without_par_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*FAPI, "--dpop") == 1
    assert "flow failed at step" in capsys.readouterr().err


def test_client_secret_jwt(capsys: pytest.CaptureFixture[str]) -> None:
    out = finished(capsys, *JWT_CLIENT)
    assert "decoded client assertion (RFC 7523 §2.2):" in out and '"alg": "HS256"' in out
    assert "client_secret=" not in out


def test_request_object_signed_with_the_clients_key(capsys: pytest.CaptureFixture[str]) -> None:
    out = finished(capsys, *FAPI, "--par", "--dpop", "--request-object")
    assert "decoded request object (RFC 9101 §4):" in out
    assert '"code_challenge_method": "S256"' in out


def test_request_object_signed_with_the_secret_in_the_url(
        capsys: pytest.CaptureFixture[str]) -> None:
    out = finished(capsys, *JWT_CLIENT, "--request-object")
    assert "decoded request object (RFC 9101 §4):" in out and "&request=ey" in out


def test_client_credentials_with_private_key_jwt_and_dpop(
        capsys: pytest.CaptureFixture[str]) -> None:
    out = finished(capsys, "--grant", "client_credentials", *FAPI, "--dpop", "--scope",
                   "api:read")
    assert "decoded client assertion (RFC 7523 §2.2):" in out
    assert "decoded DPoP proof (RFC 9449 §4.2):" in out


def test_the_transcript_keeps_the_private_key_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "t.json"
    finished(capsys, *FAPI, "--par", "--dpop", "--json", str(target))
    text = target.read_text(encoding="utf-8")
    assert "(private key, not written)" in text and '\\"d\\"' not in text


def test_a_pem_key_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography.hazmat.primitives import serialization

    pem = tmp_path / "client.pem"
    pem.write_bytes(jwk.generate("PS256").key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    code = run("--issuer", "http://127.0.0.1:9", "--client-id", "app", "--key", str(pem),
               "--timeout", "2")
    assert code == 1  # past the usage checks: the issuer is unreachable
    assert "flow failed at step 'discovery'" in capsys.readouterr().err
