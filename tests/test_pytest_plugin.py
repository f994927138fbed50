"""The pytest plugin: its fixtures here, and the example suite run as a user's project would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from playground.testing import ControlError, OAuthServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "pytest"


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args], cwd=project, capture_output=True, text=True, timeout=300,
                          check=False)


def test_the_fixture_is_a_running_server(oauth_server: OAuthServer) -> None:
    meta = httpx.get(oauth_server.discovery_url).json()
    assert meta["issuer"] == oauth_server.issuer
    token = oauth_server.issue_token(sub="bob")
    userinfo = httpx.get(oauth_server.url("/oauth2/userinfo"),
                         headers={"Authorization": f"Bearer {token}"})
    assert userinfo.json()["sub"] == "bob"
    assert [r.endpoint for r in oauth_server.requests] == ["discovery", "userinfo"]


def test_a_refused_control_call_raises_with_the_reason(oauth_server: OAuthServer) -> None:
    with pytest.raises(ControlError, match="unknown fault 'nope'"):
        oauth_server.set_faults(["nope"])


def test_the_session_fixture_is_shared(oauth_server_session: OAuthServer) -> None:
    oauth_server_session.add_user("zed", name="Zed")
    assert oauth_server_session.issuer.startswith("http://127.0.0.1:")


def test_the_session_fixture_keeps_state_until_reset(oauth_server_session: OAuthServer) -> None:
    users = [u["sub"] for u in oauth_server_session.control("GET", "/users")["users"]]
    assert "zed" in users
    oauth_server_session.reset()
    assert "zed" not in [u["sub"] for u in oauth_server_session.control("GET", "/users")["users"]]


def test_the_example_suite_passes_in_a_project_of_its_own(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE / "test_sign_in.py", tmp_path)
    done = _pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout


def test_marker_and_ini_options_set_the_server_up(tmp_path: Path) -> None:
    (tmp_path / "idp.toml").write_text(
        '[consent]\nmode = "auto-approve"\nuser = "erin"\n'
        '[[users]]\nsub = "erin"\nclaims = { groups = ["qa"] }\n', "utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\noauth_server_config = idp.toml\n", "utf-8")
    (tmp_path / "test_it.py").write_text(
        "import pytest\n\n"
        "def test_ini(oauth_server):\n"
        "    users = oauth_server.control('GET', '/users')['users']\n"
        "    assert [u['sub'] for u in users] == ['erin']\n\n"
        "@pytest.mark.oauth_server(consent='interactive')\n"
        "def test_marker(oauth_server):\n"
        "    assert oauth_server.server.config.consent == 'interactive'\n", "utf-8")
    done = _pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_wrong_marker_or_config_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "test_it.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.oauth_server(consnet='auto-approve')\n"
        "def test_typo(oauth_server):\n    pass\n\n"
        "@pytest.mark.oauth_server(config='missing.toml')\n"
        "def test_missing(oauth_server):\n    pass\n", "utf-8")
    done = _pytest(tmp_path, "-rE")
    assert done.returncode != 0
    assert "takes config=, consent= and user=" in done.stdout
    assert "missing.toml: no such file" in done.stdout


def test_loading_the_plugin_imports_no_server() -> None:
    code = ("import sys, playground.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m.startswith(('playground.server', "
            "'httpx', 'uvicorn', 'starlette'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"
