"""PAR, DPoP, private_key_jwt and request objects in the real window against the real server."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from playground.core.jose import jwt
from playground.ui.main_window import MainWindow
from playground.ui.step_views import AuthorizeView, TokenView
from tests.ui.flowhelpers import click, run_whole_flow, select, step_states, wait_idle


def _choose(window: MainWindow, client_id: str) -> None:
    view: AuthorizeView = window.authorize_view
    index = view.client.findData(client_id)
    assert index >= 0, f"{client_id} is not in the client picker"
    view.client.setCurrentIndex(index)
    view.client.activated.emit(index)


def test_a_fapi_client_pushes_signs_and_binds_its_tokens(qtbot: QtBot, window: MainWindow,
                                                          tmp_path: Path) -> None:
    _choose(window, "playground-fapi")
    select(window, "authorize_url")
    view: AuthorizeView = window.authorize_view
    assert view.options.par.isChecked(), "a client that must push has PAR on"
    run_whole_flow(qtbot, window)

    select(window, "authorize_url")
    pushed = view.options.pushed.text()
    assert "urn:ietf:params:oauth:request_uri:" in pushed and "/oauth2/par" in pushed
    assert "code_challenge" not in window.session.outcome("authorize_url").url
    assert view.panel.url_text() == window.session.outcome("authorize_url").url, \
        "Copy URL and Open in browser give the short URL the browser must get"

    select(window, "token")
    token_view = window.step_panel.view("token")
    assert isinstance(token_view, TokenView)
    assert token_view.options.dpop.isChecked()
    assert token_view.options.method.currentData() == "private_key_jwt"
    assert "kid playground-fapi-demo-1" in token_view.options.key.text()
    answer = window.session.outcome("token").response
    assert answer.raw["token_type"] == "DPoP"
    claims = jwt.inspect(answer.access_token).claims
    assert "jkt" in claims["cnf"], "the access token is bound to the proof's key"
    window.grab().save(str(tmp_path / "fapi.png"))

    inspector = window.inspector
    inspector.filter_edit.setText("oauth2/token")
    inspector.table.selectRow(0)
    body = inspector.detail.request.body.text.toPlainText()
    assert "DPoP header (JWT, decoded, not verified):" in body and '"typ": "dpop+jwt"' in body
    assert "client_assertion (JWT, decoded, not verified):" in body
    assert '"iss": "playground-fapi"' in body


def test_generating_a_key_registers_it_and_private_key_jwt_works(qtbot: QtBot,
                                                                  window: MainWindow) -> None:
    _choose(window, "playground-web")
    select(window, "token")
    token_view = window.step_panel.view("token")
    assert isinstance(token_view, TokenView)
    token_view.options.generate.click()
    assert "ES256, kid" in token_view.options.key.text()
    registered = window.server.client("playground-web")
    assert registered is not None and registered.jwks is not None
    assert "private_key_jwt" in registered.authMethods
    index = token_view.options.method.findData("private_key_jwt")
    token_view.options.method.setCurrentIndex(index)
    token_view.options.method.activated.emit(index)
    run_whole_flow(qtbot, window)

    select(window, "token")
    preview = token_view.request.toPlainText()
    assert "client_assertion, decoded:" in preview
    sent = dict(window.session.outcome("token").request.fields)
    header = jwt.inspect(sent["client_assertion"]).header
    assert header["kid"] == json.loads(window.session.inputs("token")["client_key"])["kid"]


def test_a_public_clients_dpop_bound_refresh_goes_on_with_the_same_key(
        qtbot: QtBot, window: MainWindow) -> None:
    select(window, "token")
    token_view = window.step_panel.view("token")
    assert isinstance(token_view, TokenView)
    token_view.options.dpop.click()
    assert window.session.inputs("token")["dpop"] is True
    run_whole_flow(qtbot, window)
    first = jwt.inspect(window.session.outcome("token").response.access_token).claims["cnf"]

    combo = window.flow_picker.combo
    combo.setCurrentIndex(combo.findText("Refresh"))
    combo.activated.emit(combo.currentIndex())
    click(window, "run_all")
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, step_states(window)
    answer = window.session.outcome("token").response
    assert answer.raw["token_type"] == "DPoP"
    assert jwt.inspect(answer.access_token).claims["cnf"] == first, "the same key proves it"
