"""`oauth-playground flow`: output, exit codes, JSON transcript, manual mode, bad input."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest

from playground.commands import flow
from playground.core.flows import AUTH_CODE_PKCE


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="flow")
    flow.configure(parser)
    return parser.parse_args(argv)


def run(*argv: str) -> int:
    return flow.run(parse(*argv))


def test_default_flow_against_the_embedded_server(capsys: pytest.CaptureFixture[str]) -> None:
    assert run() == 0
    out = capsys.readouterr().out
    assert "=== Discovery" in out and "=== UserInfo" in out
    assert "--> #1 [discovery] GET /.well-known/openid-configuration HTTP/1.1" in out
    assert re.search(r"<-- HTTP/1.1 302 .*\n(    .*\n)*    location: /interaction/", out, re.I)
    assert "code_challenge (S256, base64url):" in out
    assert "PASS  signature: RS256 signature verified" in out
    assert "PASS  nonce: nonce matches the one sent" in out
    assert "server decision:" in out
    assert out.rstrip().endswith("flow complete: tokens obtained and verified")


def test_deny_exits_1_naming_the_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--deny") == 1
    err = capsys.readouterr().err
    assert (
        "flow failed at step 'callback' (Callback): the authorization server answered "
        "access_denied" in err
    )
    assert "Traceback" not in err


def test_json_transcript(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "t.json"
    assert run("--json", str(target), "--token-body", "json") == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert next(s["key"] for s in data["steps"]) == "discovery"
    assert all(s["state"] == "done" for s in data["steps"])
    token = next(e for e in data["exchanges"] if e["step"] == "token")
    assert json.loads(token["request"]["body"])["grant_type"] == "authorization_code"
    assert token["response"]["status"] == 200 and token["trace"]["status"] == 200
    checks = data["steps"][6]["outcome"]["id_token"]["checks"]
    assert {"name": "signature", "status": "pass"}.items() <= checks[4].items()


class BrowserStdin(io.StringIO):
    """Plays the user in --manual mode: reads the printed URL, signs in, returns the redirect."""

    def __init__(self, printed: io.StringIO, *, garbage: str | None = None) -> None:
        super().__init__()
        self.printed, self.garbage = printed, garbage

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if self.garbage is not None:
            return self.garbage + "\n"
        url = [ln for ln in self.printed.getvalue().splitlines() if ln.startswith("http")][-1]
        return sign_in(url, "http://client.server.com/") + "\n"


def sign_in(url: str, redirect_prefix: str) -> str:
    """What a user does in a browser: sign in as alice, allow every scope; the redirect URL."""
    with httpx.Client(follow_redirects=False) as browser:
        for _ in range(10):
            if url.startswith(redirect_prefix):
                return url
            page = browser.get(url, headers={"Accept": "application/json"})
            if page.is_redirect:
                url = urljoin(url, page.headers["location"])
                continue
            pending = page.json()
            scopes = [s["name"] for s in pending["scopes"]]
            form = {"csrf": pending["csrf"], "user": "alice", "decision": "allow", "scope": scopes}
            answer = browser.post(urljoin(url, pending["action"]), data=form)
            url = urljoin(url, answer.headers["location"])
    raise AssertionError("no redirect")


def test_browser_mode_catches_the_redirect_on_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def browser(url: str) -> bool:
        redirect_uri = dict(parse_qsl(urlsplit(url).query))["redirect_uri"]
        redirect = sign_in(url, redirect_uri)
        with httpx.Client() as tab:
            assert "close this tab" in tab.get(redirect).text
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    assert run("--browser", "--client-id", "playground-native") == 0
    out = capsys.readouterr().out
    assert re.search(r"redirect_uri = http://127\.0\.0\.1:\d+/callback", out)
    assert "mode: browser" in out


def test_manual_mode_prints_the_url_alone_and_reads_the_redirect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    printed = io.StringIO()
    monkeypatch.setattr("sys.stdout", printed)
    monkeypatch.setattr("sys.stdin", BrowserStdin(printed))
    assert run("--manual") == 0
    lines = printed.getvalue().splitlines()
    index = lines.index(
        "Open this URL in a browser, sign in, then paste the full redirect URL here:"
    )
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/oauth2/authorize\?\S+", lines[index + 1])


def test_manual_mode_with_a_garbage_redirect(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", BrowserStdin(io.StringIO(), garbage="what is this"))
    assert run("--manual") == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "flow failed at step 'callback' (Callback): not a redirect URL: 'what is this' (paste the "
        "whole address, starting with http:// or the app's scheme) [RFC 6749 §4.1.2]"
    ]


def test_unreachable_issuer(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--issuer", "http://127.0.0.1:9", "--timeout", "2") == 1
    err = capsys.readouterr().err
    assert (
        "flow failed at step 'discovery' (Discovery): GET http://127.0.0.1:9/.well-known/"
        "openid-configuration: cannot connect" in err
    )
    assert "Traceback" not in err


@pytest.fixture
def html_site() -> Iterator[str]:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><title>Welcome</title><p>Hello"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    site.server_close()
    thread.join()


def test_html_where_json_was_expected(html_site: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--issuer", html_site) == 1
    err = capsys.readouterr().err
    assert "the provider metadata is not JSON: got an HTML page (text/html)" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--deny", "--manual"), "--deny needs the in-app mode"),
        (("--auth-method", "client_secret_post"), "needs --client-secret"),
        (("--timeout", "0"), "--timeout must be positive"),
        (("--grant", "client_credentials", "--browser"), "--browser: client_credentials has no"),
        (("--grant", "client_credentials", "--user", "bob", "--deny"), "--deny, --user: client"),
        (("--grant", "client_credentials", "--auth-method", "none"), "needs a confidential"),
        (("--grant", "client_credentials", "--issuer", "http://127.0.0.1:9"),
         "give --client-secret"),
        (("--audience", "x"), "need --grant token_exchange"),
        (("--grant", "refresh_token"), "--refresh-token go together"),
        (("--grant", "refresh_token", "--refresh-token", "t", "--browser"), "a refresh has no"),
        (("--grant", "token_exchange", "--manual"), "--manual: token_exchange has no user"),
    ],
)
def test_usage_errors_exit_2(
    argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(*argv) == 2
    assert message in capsys.readouterr().err


def test_browser_and_manual_are_exclusive() -> None:
    with pytest.raises(SystemExit) as info:
        parse("--browser", "--manual")
    assert info.value.code == 2


def test_json_transcript_of_a_failed_flow(tmp_path: Path) -> None:
    target = tmp_path / "denied.json"
    assert run("--deny", "--json", str(target)) == 1
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["result"]["ok"] is False and data["result"]["failed_step"] == "callback"
    assert data["tokens"] is None
    assert data["steps"][4]["error"]["error"] == "access_denied"


def test_busy_loopback_port_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = run(
            "--issuer",
            "http://127.0.0.1:9",
            "--browser",
            "--redirect-uri",
            f"http://127.0.0.1:{port}/callback",
        )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"oauth-playground flow: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in err


def test_client_credentials_against_the_embedded_server(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--grant", "client_credentials", "--scope", "api:read") == 0
    out = capsys.readouterr().out
    assert "client: playground-service (the embedded server's machine client)" in out
    assert "=== Token request (client credentials)" in out and "=== Introspect" in out
    assert "grant_type=client_credentials&scope=api%3Aread" in out
    assert "Authorization: Basic " in out and "code_verifier" not in out
    assert "PASS  no refresh_token: none issued" in out
    assert "PASS  sub is the client: sub is 'playground-service'" in out
    assert "  active: true" in out
    assert out.rstrip().endswith("flow complete: tokens obtained and verified")


def test_client_credentials_with_a_public_client_fails_at_the_token_step(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--grant", "client_credentials", "--client-id", flow.SEED_CLIENT_ID,
               "--client-secret", "whatever") == 1
    err = capsys.readouterr().err
    assert "flow failed at step 'token'" in err and "invalid_client" in err


def test_token_exchange_of_a_users_token_with_an_actor(
        capsys: pytest.CaptureFixture[str]) -> None:
    from playground.server import EmbeddedServer

    with EmbeddedServer() as server, httpx.Client(base_url=server.issuer) as http:
        service = ("playground-service", next(c.secret for c in server.clients.list()
                                              if c.id == "playground-service"))
        own = http.post("/oauth2/token", data={"grant_type": "client_credentials"},
                        auth=service).json()["access_token"]
        code = flow.run(parse("--issuer", server.issuer, "--grant", "token_exchange",
                              "--client-id", service[0], "--client-secret", service[1],
                              "--subject-token", own, "--actor-token", own,
                              "--audience", "playground-web", "--scope", "api:read"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "=== Subject token" in out and "  from: pasted" in out
    assert "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange" in out
    assert "audience=playground-web" in out and "actor_token=" in out
    assert "PASS  act: delegation: act.sub is 'playground-service'" in out
    assert "PASS  aud: aud contains playground-web" in out



def _refresh_token(issuer: str) -> str:
    """A refresh token of the seed's (public) client, from a code flow through the engine."""
    import asyncio

    from playground.core.flow.session import FlowSession
    from playground.core.flow.stepinfo import ClientConfig

    async def obtain() -> str:
        async with FlowSession(ClientConfig(issuer), spec=AUTH_CODE_PKCE) as session:
            assert await session.run_all()
            return str(session.outcome("token").response.refresh_token)

    return asyncio.run(obtain())


def test_refresh_rotates_a_public_clients_token_and_a_reuse_fails(
        capsys: pytest.CaptureFixture[str]) -> None:
    from playground.server import EmbeddedServer

    with EmbeddedServer() as server:
        token = _refresh_token(server.issuer)
        argv = ("--issuer", server.issuer, "--grant", "refresh_token", "--refresh-token", token,
                "--scope", "openid email")
        assert flow.run(parse(*argv)) == 0
        out = capsys.readouterr().out
        assert "=== Refresh request" in out and "grant_type=refresh_token" in out
        assert "scope=openid+email" in out
        assert "PASS  refresh token rotated: a new refresh token came back" in out
        assert "nonce: an ID token from a refresh carries no nonce" in out
        assert flow.run(parse(*argv)) == 1  # the same token again: rotated out
        err = capsys.readouterr().err
        assert "flow failed at step 'token'" in err and "invalid_grant" in err


# -- --logout: sign out after the code flow (OIDC RP-Initiated Logout 1.0) -------------------------
SPA = ("--client-id", "playground-spa", "--redirect-uri", "http://localhost:5173/callback")


def test_logout_signs_out_and_proves_the_session_is_gone(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--logout") == 0
    out = capsys.readouterr().out
    assert "=== Sign out at the provider (OIDC RP-Initiated Logout §2, §3, §5)" in out
    assert re.search(r"--> #\d+ \[logout\] GET /oauth2/logout\?id_token_hint=ey", out)
    assert "    Cookie: pg_session=" in out  # the sign-in's session goes along
    assert "server decision: alice signed out; the signed-out page shown" in out
    assert "PASS  session ended: prompt=none answered login_required" in out
    assert out.rstrip().endswith("flow complete: signed in, signed out, and the session is "
                                 "gone (prompt=none: login_required)")


def test_logout_returns_to_the_clients_registered_uri_with_the_state(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--logout", *SPA) == 0
    out = capsys.readouterr().out
    state = re.search(r"\[logout\] GET /oauth2/logout\?.*&state=([\w-]+) HTTP", out)
    assert state is not None
    assert f"location: http://localhost:5173/signed-out?state={state[1]}" in out
    assert "PASS  state: the state sent came back" in out


def test_logout_to_an_unregistered_uri_exits_1_with_the_servers_reason(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--logout", *SPA, "--post-logout-redirect-uri", "https://attacker.example/") == 1
    err = capsys.readouterr().err
    assert "flow failed at step 'logout' (Sign out at the provider): the end-session endpoint " \
           "refused the sign-out: invalid_request:" in err
    assert "is not registered for playground-spa" in err
    assert err.rstrip().endswith("[OIDC RP-Initiated Logout §4]")


@pytest.mark.parametrize(("argv", "says"), [
    (("--post-logout-redirect-uri", "http://localhost:5173/signed-out"),
     "--post-logout-redirect-uri needs --logout"),
    (("--logout", "--grant", "client_credentials"), "it needs --grant authorization_code"),
    (("--logout", "--manual"), "--logout needs the in-app mode"),
])
def test_logout_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                                    says: str) -> None:
    assert run(*argv) == 2
    assert says in capsys.readouterr().err


def test_har_out_redacted_and_back_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`flow --har --redact`: every exchange, no secret, and it reads back as the same calls."""
    from playground.core.record.har_import import read_har, recognised_steps

    target = tmp_path / "flow.har"
    assert run("--har", str(target), "--redact") == 0
    out = capsys.readouterr().out
    assert f"HAR written to {target} (9 entries, secrets redacted)" in out
    text = target.read_text("utf-8")
    assert "code_verifier=[redacted]" in text or '"code_verifier"' not in text
    assert "Bearer ey" not in text and "pg_session=" not in text.replace("pg_session=[", "")
    back = read_har(target)
    assert [e.method for e in back][:2] == ["GET", "GET"] and len(back) == 9
    assert {"authorize", "token", "userinfo"} <= recognised_steps(back).keys()


@pytest.mark.parametrize(("language", "marker"), [("httpx", "import httpx"),
                                                  ("fetch", "await fetch("),
                                                  ("httpie", "http "), ("curl", "curl ")])
def test_snippets_print_every_request(capsys: pytest.CaptureFixture[str], language: str,
                                      marker: str) -> None:
    assert run("--snippets", language) == 0
    out = capsys.readouterr().out
    assert out.count(marker) >= 9
    assert "/oauth2/token" in out


def test_a_provider_without_discovery(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The endpoints given: no /.well-known/ request, and the flow still completes and verifies
    its tokens; --param adds authorization request parameters."""
    import json

    from playground.server import EmbeddedServer

    target = tmp_path / "t.json"
    with EmbeddedServer() as server:
        base = server.issuer
        code = run("--issuer", base, "--authorization-endpoint", f"{base}/oauth2/authorize",
                   "--token-endpoint", f"{base}/oauth2/token", "--jwks-uri", f"{base}/oauth2/jwks",
                   "--userinfo-endpoint", f"{base}/oauth2/userinfo", "--param", "login_hint=bob",
                   "--param", "acr_values=urn:x", "--json", str(target))
    assert code == 0, capsys.readouterr().out
    urls = [e["request"]["url"] for e in json.loads(target.read_text("utf-8"))["exchanges"]]
    assert not any("/.well-known/" in u for u in urls)
    authorize = next(u for u in urls if "/oauth2/authorize?" in u)
    assert "login_hint=bob" in authorize and "acr_values=urn%3Ax" in authorize


@pytest.mark.parametrize(("argv", "message"), [
    (("--token-endpoint", "http://127.0.0.1:1/t"), "give both --authorization-endpoint"),
    (("--param", "novalue"), "--param 'novalue': write NAME=VALUE"),
])
def test_manual_endpoint_usage_errors(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                                      message: str) -> None:
    assert run(*argv) == 2
    assert message in capsys.readouterr().err


@pytest.fixture
def https_provider(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A provider on TLS with a self-signed certificate (its discovery document only)."""
    import datetime
    import http.server
    import json
    import ssl
    import threading

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
                __import__("ipaddress").ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    issuer_box: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer = issuer_box[0]
            body = json.dumps({"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
                               "token_endpoint": f"{issuer}/token"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    issuer_box.append(f"https://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield issuer_box[0], cert_file
    server.shutdown()
    server.server_close()


def test_an_untrusted_certificate_is_named_and_a_ca_file_trusts_it(
        https_provider: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    issuer, cert = https_provider
    assert run("--issuer", issuer, "--timeout", "5") == 1
    out = capsys.readouterr().out
    assert "TLS certificate is not trusted" in out and "--ca-file" in out

    run("--issuer", issuer, "--timeout", "5", "--ca-file", str(cert))
    trusted = capsys.readouterr().out
    assert "TLS certificate is not trusted" not in trusted
    assert "authorization_endpoint" in trusted or f"{issuer}/authorize" in trusted


def test_a_missing_ca_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--ca-file", "/nonexistent.pem") == 2
    assert "--ca-file /nonexistent.pem: no such file" in capsys.readouterr().err


def test_a_session_trusts_a_ca_file_from_then_on(https_provider: tuple[str, Path]) -> None:
    """What the window does when a profile with a CA file is picked (FlowSession.trust)."""
    from playground.core.flow.session import FlowSession, StepState
    from playground.core.flow.stepinfo import ClientConfig
    from playground.core.flows import FLOWS

    issuer, cert = https_provider

    async def scenario() -> tuple[StepState, StepState]:
        session = FlowSession(ClientConfig(issuer=issuer), spec=FLOWS["auth_code_pkce"])
        before = (await session.run("discovery")).state
        await session.trust(str(cert))
        after = (await session.run("discovery")).state
        await session.aclose()
        return before, after

    assert asyncio.run(scenario()) == (StepState.FAILED, StepState.DONE)
