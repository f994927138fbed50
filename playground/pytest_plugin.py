"""pytest plugin (entry point `pytest11`): an identity provider per test, or per session.

Fixtures:

- `oauth_server` (function scope): a fresh `playground.testing.OAuthServer` for each test —
  `serve`'s default clients and users, the control API on, a free loopback port.
- `oauth_server_session` (session scope): one for the whole run; call `reset()` where a test
  needs a clean journal.

Set-up, from the most specific: the marker `@pytest.mark.oauth_server(config="idp.toml",
consent="auto-approve", user="bob")` (function scope only), then the ini options
`oauth_server_config` (a `serve --config` file; relative paths from the rootdir) and
`oauth_server_consent`. Importing this
module imports nothing of the server: a suite that does not use the fixtures pays nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playground.testing import OAuthServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("oauth_server_config", "a `serve --config` file (TOML or JSON) for the "
                  "oauth_server fixtures", default="")
    parser.addini("oauth_server_consent", "consent mode of the oauth_server fixtures: "
                  "interactive or auto-approve", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "oauth_server(config=None, consent=None, user=None): "
                            "how the oauth_server fixture sets up its server")


def _options(config: pytest.Config, marker: pytest.Mark | None) -> dict[str, Any]:
    options: dict[str, Any] = {
        "config": str(config.getini("oauth_server_config") or "") or None,
        "consent": str(config.getini("oauth_server_consent") or "") or None,
        "user": None,
    }
    if marker is not None:
        unknown = set(marker.kwargs) - set(options)
        if unknown or marker.args:
            raise pytest.UsageError(f"@pytest.mark.oauth_server takes config=, consent= and "
                                    f"user= (keywords), not {sorted(unknown) or marker.args}")
        options.update({k: v for k, v in marker.kwargs.items() if v is not None})
    if options["config"] is not None:  # relative to the rootdir, as pytest's own paths are
        options["config"] = str(config.rootpath / options["config"])
    return options


def _start(options: dict[str, Any]) -> OAuthServer:
    from playground.server.config_file import ConfigFileError
    from playground.testing import OAuthServer

    try:
        return OAuthServer(options["config"], consent=options["consent"],
                           user=options["user"]).start()
    except ConfigFileError as exc:
        raise pytest.UsageError(f"oauth_server: {exc}") from None


@pytest.fixture
def oauth_server(request: pytest.FixtureRequest) -> Iterator[OAuthServer]:
    """A fresh identity provider for this test (playground.testing.OAuthServer)."""
    server = _start(_options(request.config, request.node.get_closest_marker("oauth_server")))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oauth_server_session(request: pytest.FixtureRequest) -> Iterator[OAuthServer]:
    """One identity provider for the whole session."""
    server = _start(_options(request.config, None))
    try:
        yield server
    finally:
        server.stop()
