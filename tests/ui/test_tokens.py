"""The token viewer: pasted tokens decode, garbage gets a message, a JWKS URL verifies."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from playground.ui.main_window import MainWindow
from playground.ui.tokens import countdown_text
from tests.ui.flowhelpers import run_whole_flow


def test_garbage_token_gets_a_message(window: MainWindow) -> None:
    decoder = window.tokens.decoder
    decoder.input.setPlainText("this is not a token")
    assert "not a JWT" in decoder.message.text()
    assert decoder.page.claims.rowCount() == 0
    decoder.input.setPlainText("a.b.c")
    assert decoder.message.text().startswith("\u2718")


def test_pasted_token_decodes_and_verifies_against_a_jwks_url(qtbot: QtBot,
                                                              window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    token = window.session.step("token").outcome.response.access_token
    decoder = window.tokens.decoder
    decoder.input.setPlainText(token)
    assert decoder.message.text() == ""
    assert "Decoded only" in decoder.page.status.text()
    assert decoder.page.claims.find("client_id").isValid()

    decoder.jwks_url.setText(f"{window.server.issuer}/oauth2/jwks")
    decoder.verify_button.click()
    qtbot.waitUntil(lambda: "Verified against" in decoder.message.text(), timeout=5000)
    assert "signature" in [r.name for r in decoder.page.checks.rows() if r.status == "pass"]


def test_unreachable_jwks_url_gets_a_message(qtbot: QtBot, window: MainWindow) -> None:
    decoder = window.tokens.decoder
    decoder.input.setPlainText("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
    decoder.jwks_url.setText("http://127.0.0.1:9/jwks")
    decoder.verify_button.click()
    qtbot.waitUntil(lambda: "Could not fetch the JWKS" in decoder.message.text(), timeout=5000)
    assert decoder.verify_button.isEnabled()


def test_countdown_text() -> None:
    assert countdown_text(65) == "expires in 1m 05s"
    assert countdown_text(3600 * 2 + 1) == "expires in 2h 00m 01s"
    assert countdown_text(-3) == "EXPIRED 0m 03s ago"
    assert countdown_text(None).startswith("no exp claim")


def test_expiry_countdown_follows_the_server_clock(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    page = window.tokens.page("access token")
    window.server.clock.advance(3700)
    window.tokens.tick()
    assert "EXPIRED" in page.countdown.text()
