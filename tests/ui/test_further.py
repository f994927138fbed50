"""Further steps after the tokens: refresh (with a scope), revoke and introspect, in the token
viewer, recorded in the inspector; readable times in the UserInfo step."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from playground.ui.main_window import MainWindow
from tests.ui.flowhelpers import TIMEOUT, run_whole_flow, select


def _wait_buttons(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(window.further.introspect_button.isEnabled, timeout=TIMEOUT)


def test_refresh_decodes_and_verifies_the_new_tokens(qtbot: QtBot, window: MainWindow) -> None:
    further = window.further
    assert not further.refresh_button.isEnabled()
    assert "Run the flow" in further.result.text()
    run_whole_flow(qtbot, window)
    assert further.refresh_button.isEnabled()
    old_access = window.session.step("token").outcome.response.access_token
    window.server.clock.advance(3000)  # the first tokens have 10 minutes left
    window.tokens.tick()
    page = window.tokens.page("access token")
    assert any(f"expires in {m}m " in page.countdown.text() for m in (9, 10))

    further.scope.setText("openid email offline_access")
    further.refresh_button.click()
    qtbot.waitUntil(lambda: "Refreshed" in further.result.text(), timeout=TIMEOUT)
    assert "scope granted: openid email offline_access" in further.result.text()
    assert "rotated refresh token" in further.result.text()
    qtbot.waitUntil(lambda: window.session.step("tokens").state.value == "done", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "checks passed" in page.status.text(), timeout=TIMEOUT)
    new_access = window.session.step("token").outcome.response.access_token
    assert new_access != old_access
    assert page.claims.find("scope").siblingAtColumn(1).data() == "openid email offline_access"
    assert any(f"expires in {m}m " in page.countdown.text() for m in (59, 60))
    window.inspector.filter_edit.setText("refresh")
    assert window.inspector.proxy.rowCount() == 1
    window.server.clock.reset()


def test_revoke_then_introspect_and_refresh_fail_visibly(qtbot: QtBot,
                                                         window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    further = window.further
    further.kind.setCurrentText("access token")
    further.introspect_button.click()
    qtbot.waitUntil(lambda: "is active" in further.result.text(), timeout=TIMEOUT)
    assert "sub alice" in further.result.text() and "UTC" in further.result.text()

    further.kind.setCurrentText("refresh token")
    _wait_buttons(qtbot, window)
    further.revoke_button.click()
    qtbot.waitUntil(lambda: "Revoked the refresh token" in further.result.text(),
                    timeout=TIMEOUT)
    _wait_buttons(qtbot, window)
    further.introspect_button.click()
    qtbot.waitUntil(lambda: "not active" in further.result.text(), timeout=TIMEOUT)
    _wait_buttons(qtbot, window)
    further.refresh_button.click()
    qtbot.waitUntil(lambda: "invalid_grant" in further.result.text(), timeout=TIMEOUT)
    assert "\u2718" in further.result.text()
    _wait_buttons(qtbot, window)
    steps = [window.inspector.model.exchange(r).step
             for r in range(window.inspector.model.rowCount())]
    assert steps[-4:] == ["introspect", "revoke", "introspect", "refresh"]


def test_userinfo_shows_readable_times(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    select(window, "userinfo")
    claims = dict(window.step_panel.view("userinfo").claims.pairs())
    assert claims["updated_at"].endswith(" UTC)")
    assert claims["updated_at"].startswith("1700000000  (2023-11-14 ")
    assert claims["email"] == "alice@example.com"
