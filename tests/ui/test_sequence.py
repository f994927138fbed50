"""The live sequence diagram: arrows as the flow runs, a click opens the exchange, exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from playground.core.record import sequence
from playground.core.record.exchange import Exchange
from playground.ui.main_window import VIEW_TABS, MainWindow
from playground.ui.sequence_diagram import HEADER, ROW, SequencePane
from playground.ui.server_control import ServerController
from tests.ui.conftest import close_window
from tests.ui.flowhelpers import run_whole_flow, step_states


def _exchange(seq: int, step: str, method: str, url: str, status: int | None,
              location: str | None = None, error: str | None = None) -> Exchange:
    headers = (("Location", location),) if location else ()
    return Exchange(seq, step, method, url, (), b"", status, headers, b"", 0.0, 1.0, error)


def test_the_roles_of_rfc_6749_as_lanes() -> None:
    drawn = sequence.arrows([
        _exchange(1, "discovery", "GET", "http://as/.well-known/openid-configuration", 200),
        _exchange(2, "user_agent", "GET", "http://as/oauth2/authorize?x=1", 302,
                  "http://as/interaction/u"),
        _exchange(3, "user_agent", "POST", "http://as/interaction/u/consent", 303,
                  "http://app/callback?code=c&state=s"),
        _exchange(4, "token", "POST", "http://as/oauth2/token", 400),
        _exchange(5, "userinfo", "GET", "http://as/oauth2/userinfo", None, error="timed out"),
    ])
    lanes = [(a.seq, a.source, a.target, a.redirect, a.failed) for a in drawn]
    assert lanes == [
        (1, sequence.CLIENT, sequence.AUTHORIZATION_SERVER, False, False),
        (2, sequence.USER_AGENT, sequence.AUTHORIZATION_SERVER, False, False),  # own page: no hop
        (3, sequence.USER_AGENT, sequence.AUTHORIZATION_SERVER, False, False),
        (3, sequence.USER_AGENT, sequence.CLIENT, True, False),  # RFC 6749 §4.1.2
        (4, sequence.CLIENT, sequence.AUTHORIZATION_SERVER, False, True),
        (5, sequence.CLIENT, sequence.RESOURCE_SERVER, False, True),
    ]
    assert drawn[3].answer == "code" and drawn[5].answer == "timed out"


def test_an_error_redirect_is_a_failed_hop() -> None:
    hop, = [a for a in sequence.arrows([_exchange(
        1, "user_agent", "POST", "http://as/interaction/u/consent", 303,
        "http://app/cb?error=access_denied&state=s")]) if a.redirect]
    assert hop.failed and hop.answer == "error=access_denied"


def test_the_flow_draws_itself_and_a_click_opens_the_exchange(
        qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    window.show_view("sequence")
    pane = window.sequence
    diagram = pane.diagram
    labels = [a.label for a in diagram.arrows]
    assert "POST /oauth2/token" in labels and "GET /oauth2/userinfo" in labels
    assert any(a.redirect and a.answer == "code" for a in diagram.arrows)
    assert pane.count.text().startswith(f"{len(diagram.arrows)} arrows, 0 failed")

    token_row = labels.index("POST /oauth2/token")
    pane.area.ensureVisible(0, diagram.top + ROW * token_row + ROW, 0, ROW)
    qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton,
                     pos=QPoint(diagram.width() // 2, int(diagram.row_y(token_row))))

    assert window.bottom.currentIndex() == VIEW_TABS["inspector"]
    selected = window.inspector.table.currentIndex()
    assert selected.isValid()
    assert window.inspector.detail.request.start_line.text().startswith("POST ")
    assert "/oauth2/token" in window.inspector.detail.request.start_line.text()


def test_readable_at_a_hundred_exchanges_and_exported(qtbot: QtBot, tmp_path: Path) -> None:
    pane = SequencePane()
    qtbot.addWidget(pane)
    pane.resize(1200, 600)
    for seq in range(1, 101):
        pane.add_exchange(_exchange(seq, "token", "POST", "http://as/oauth2/token",
                                    400 if seq % 10 == 0 else 200))
    diagram = pane.diagram
    assert diagram.sizeHint().height() == diagram.top + ROW * 101  # one row each: no overlap
    assert diagram.arrow_at(diagram.row_y(99)).seq == 100  # type: ignore[union-attr]
    assert pane.count.text().startswith("100 arrows, 10 failed")

    pane.export(str(tmp_path / "flow.svg"))
    pane.export(str(tmp_path / "flow.png"))
    svg = (tmp_path / "flow.svg").read_text("utf-8")
    assert "<svg" in svg and "Authorization server" in svg and "#100" in svg
    image = QImage(str(tmp_path / "flow.png"))
    assert image.height() == 2 * (HEADER + ROW * 101)
    assert image.width() == 2 * max(diagram.width(), diagram.minimumWidth())


def test_export_then_open_a_har_shows_the_same_exchanges(qtbot: QtBot, window: MainWindow,
                                                         tmp_path: Path) -> None:
    run_whole_flow(qtbot, window)
    recorded = [(e.method, e.url, e.status) for e in window.inspector.model.rows()]
    target = tmp_path / "flow.har"
    assert window.export_har(str(target), redact=True)
    assert "secrets redacted" in window.banner.text()

    assert window.open_har(str(target))

    opened = [(e.method, e.url.split("?")[0], e.status) for e in window.inspector.model.rows()]
    assert opened == [(m, u.split("?")[0], s) for m, u, s in recorded]
    assert "recognised discovery, authorization request, callback, token request" in \
        window.banner.text()
    assert window.bottom.currentIndex() == VIEW_TABS["inspector"]
    assert len(window.sequence.diagram.arrows) == len(recorded) + 1  # and the hop to the client


def test_a_file_that_is_no_har_is_named_in_the_banner(qtbot: QtBot, window: MainWindow,
                                                     tmp_path: Path) -> None:
    bad = tmp_path / "notes.har"
    bad.write_text('{"log": {"entries": [{"request": {}}]}}', "utf-8")
    assert not window.open_har(str(bad))
    assert "Cannot open" in window.banner.text() and "entries[0]" in window.banner.text()


def test_a_crashed_session_is_offered_back_whole(qtbot: QtBot, window: MainWindow,
                                                 server: ServerController,
                                                 tmp_path: Path) -> None:
    """The window autosaves each exchange as it is recorded; a session that never closed (a
    crash, kill -9: its file is left behind) is offered back by the next window."""
    run_whole_flow(qtbot, window)
    recorded = [(e.seq, e.method, e.url, e.status) for e in window.inspector.model.rows()]
    left = window.autosave.path
    assert left.is_file()
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    shutil.copy(left, crashed / "autosave.jsonl")  # as a killed window leaves it

    reopened = MainWindow(server, QSettings(str(crashed / "s.ini"), QSettings.Format.IniFormat),
                          restore=False)
    qtbot.addWidget(reopened)
    try:
        assert f"its {len(recorded)} recorded exchanges were saved" in reopened.banner.text()
        assert reopened.banner_action.text() == "Restore them"
        qtbot.mouseClick(reopened.banner_action, Qt.MouseButton.LeftButton)
        restored = [(e.seq, e.method, e.url, e.status) for e in reopened.inspector.model.rows()]
        assert restored == recorded
        assert reopened.inspector.model.rows()[-1].trace is not None  # the server's decision too
        assert len(reopened.sequence.diagram.arrows) == len(recorded) + 1
    finally:
        close_window(qtbot, reopened)
        reopened.close()
    assert not (crashed / "autosave.jsonl").exists()  # closed cleanly: nothing to offer


def test_a_clean_close_leaves_nothing_to_recover(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    assert window.autosave.path.is_file()
    window.close()
    assert not window.autosave.path.exists()


def test_the_tokens_of_an_opened_har_are_decoded_and_verified(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    """With the JWK Set the recording holds (the flow fetched it), against the issuer of its
    discovery response, for the client and the nonce of its authorization request."""
    run_whole_flow(qtbot, window)
    target = tmp_path / "flow.har"
    window.export_har(str(target))
    window.tokens.clear()

    assert window.open_har(str(target))
    qtbot.waitUntil(lambda: window.har_verify_task.done(), timeout=5000)

    found = window.har_tokens
    assert found.client_id and found.issuer == window.server.issuer and found.nonce
    assert window.har_verified_with == "the JWK Set in the HAR"
    for label in ("access token", "ID token"):
        status = window.tokens.page(label).status.text()
        assert "all" in status and "checks passed" in status, (label, status)


def test_a_redacted_har_has_no_tokens_to_show(qtbot: QtBot, window: MainWindow,
                                              tmp_path: Path) -> None:
    run_whole_flow(qtbot, window)
    target = tmp_path / "flow.har"
    window.export_har(str(target), redact=True)
    assert window.open_har(str(target))
    assert window.har_tokens.access_token is None  # "[redacted]" is no token
    assert window.har_verify_task is None or window.har_verify_task.done()


def test_a_saved_provider_without_discovery_runs_from_the_window(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Pick the profile in the discovery step: the endpoints, client and keyring secret are the
    profile's, and the flow completes with no /.well-known/ request."""
    import keyring

    from playground.core.flow import profiles
    from tests.test_profile_command import WEB_SECRET, MemoryKeyring

    monkeypatch.setenv(profiles.ENV, str(tmp_path / "profiles.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        base = window.server.issuer
        profiles.ProfileStore().save(profiles.Profile(
            name="local", client_id="playground-web", scope="openid profile",
            redirect_uri="http://localhost:8080/callback", params=[("login_hint", "alice")],
            endpoints={"authorization_endpoint": f"{base}/oauth2/authorize",
                       "token_endpoint": f"{base}/oauth2/token",
                       "jwks_uri": f"{base}/oauth2/jwks",
                       "userinfo_endpoint": f"{base}/oauth2/userinfo"}))
        profiles.store_secret("local", WEB_SECRET)
        window.select_step("discovery")
        view = window.step_panel.view("discovery", window.session.spec.name)
        picker = view.provider  # type: ignore[attr-defined]
        assert picker.itemText(1) == "Profile: local"
        picker.activated.emit(1)
        assert window.session.inputs("token")["client_secret"] == WEB_SECRET
        assert "secret from the OS keyring" in window.banner.text()

        run_whole_flow(qtbot, window)
    finally:
        keyring.set_keyring(previous)
    urls = [e.url for e in window.inspector.model.rows()]
    assert not any("/.well-known/" in u for u in urls)
    assert any("login_hint=alice" in u for u in urls)


def test_save_quit_reopen_is_the_same_session(qtbot: QtBot, window: MainWindow,
                                              server: ServerController, tmp_path: Path) -> None:
    run_whole_flow(qtbot, window)
    target = tmp_path / "session.json"
    assert window.save_session(str(target))
    states = step_states(window)
    rows = [(e.seq, e.url, e.status) for e in window.inspector.model.rows()]
    id_status = window.tokens.page("ID token").status.text()

    reopened = MainWindow(server, QSettings(str(tmp_path / "s2.ini"),
                                            QSettings.Format.IniFormat), restore=False)
    qtbot.addWidget(reopened)
    try:
        assert reopened.open_file(str(target))
        assert step_states(reopened) == states
        assert [(e.seq, e.url, e.status) for e in reopened.inspector.model.rows()] == rows
        assert reopened.tokens.page("ID token").status.text() == id_status
        assert "checks passed" in id_status
        assert reopened.step_panel.title.text().endswith("UserInfo")
        reopened._fill_recent()
        assert [a.text() for a in reopened.recent_menu.actions()] == [str(target)]
    finally:
        close_window(qtbot, reopened)
        reopened.close()


def test_a_file_that_is_no_session_is_named(qtbot: QtBot, window: MainWindow,
                                           tmp_path: Path) -> None:
    bad = tmp_path / "s.json"
    bad.write_text('{"kind": "oauth-playground-session", "version": 7}', "utf-8")
    assert not window.open_file(str(bad))
    assert "Cannot open the session" in window.banner.text() and "version 7" in \
        window.banner.text()


def test_the_profiles_dialog_saves_a_preset_with_its_secret_in_the_keyring(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    from playground.core.flow import profiles
    from tests.test_profile_command import MemoryKeyring

    monkeypatch.setenv(profiles.ENV, str(tmp_path / "profiles.json"))
    previous, memory = keyring.get_keyring(), MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        dialog = window.edit_profiles()
        qtbot.addWidget(dialog)
        dialog.preset.setCurrentIndex(dialog.preset.findData("keycloak"))
        assert not dialog.fields["issuer"].isEnabled()
        for name, text in (("name", "kc"), ("client_id", "app"), ("variables",
                           "base=https://sso.example, realm=dev"), ("client_secret", "pw-1"),
                           ("params", "prompt=login")):
            qtbot.keyClicks(dialog.fields[name], text)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

        assert dialog.message.text().startswith("\u2714 Saved kc")
        saved = profiles.ProfileStore().get("kc")
        assert saved.issuer == "https://sso.example/realms/dev"
        assert saved.params == [("prompt", "login")]
        assert memory.items[("oauth-playground", "kc")] == "pw-1"
        assert "pw-1" not in (tmp_path / "profiles.json").read_text("utf-8")
        assert dialog.saved.count() == 1

        dialog.fields["name"].setText("bad name!")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert "profile name 'bad name!'" in dialog.message.text()

        dialog.saved.setCurrentRow(0)
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
        assert dialog.saved.count() == 0 and not memory.items
        dialog.close()
    finally:
        keyring.set_keyring(previous)


def test_a_har_without_its_jwks_is_verified_against_the_jwks_uri(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    """The JWK Set not recorded: the discovery response's jwks_uri is fetched (reachable)."""
    import json

    run_whole_flow(qtbot, window)
    target = tmp_path / "flow.har"
    window.export_har(str(target))
    har = json.loads(target.read_text("utf-8"))
    har["log"]["entries"] = [e for e in har["log"]["entries"]
                             if not e["request"]["url"].endswith("/oauth2/jwks")]
    target.write_text(json.dumps(har), "utf-8")

    assert window.open_har(str(target))
    qtbot.waitUntil(lambda: window.har_verify_task.done(), timeout=5000)

    assert window.har_verified_with == f"{window.server.issuer}/oauth2/jwks"
    assert "checks passed" in window.tokens.page("ID token").status.text()
