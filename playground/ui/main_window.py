"""The main window: steps on the left, the current step beside them, inspector, tokens and server
below. Only this class connects siblings (attributes down, signals up) and writes to the session.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow import autosave, profiles, session_file
from playground.core.flow.flowspec import FlowSpec
from playground.core.flow.session import (
    ExchangeRecorded,
    FlowSession,
    StepFinished,
    StepsInvalidated,
    StepStarted,
    StepState,
)
from playground.core.flow.stepinfo import SEED_CLIENT_ID, ClientConfig
from playground.core.flow.useragent import InAppAgent
from playground.core.flows import AUTH_CODE_PKCE, DEFAULT_FLOW, FLOWS
from playground.core.jose import jwk
from playground.core.jose import jwt as tokens
from playground.core.jose.tokenverify import TokenKind
from playground.core.protocol import discovery, wire
from playground.core.record.exchange import Exchange
from playground.core.record.har_tokens import FoundTokens, found_tokens
from playground.server.clients import Client
from playground.ui import theme
from playground.ui.flow_picker import FlowPicker
from playground.ui.further import FurtherSteps
from playground.ui.inspector import Inspector
from playground.ui.lab_panel import LabPanel
from playground.ui.profiles_dialog import ProfilesDialog
from playground.ui.sequence_diagram import SequencePane
from playground.ui.server_control import ServerController
from playground.ui.server_panel import ServerPanel
from playground.ui.settings import Remembered
from playground.ui.step_panel import StepPanel
from playground.ui.step_views import AuthorizeView, DiscoveryView, UserAgentView, outcome_of
from playground.ui.steps_model import StepListModel
from playground.ui.tasks import TaskRunner, busy
from playground.ui.tokens import TokenViewer
from playground.ui.user_agent_controller import UserAgentController

DEFAULT_SIZE = (1400, 900)
SESSION_FILES = "OAuth Playground session (*.json)"
HAR_STEPS = (("discovery", "discovery"), ("authorize", "authorization request"),
             ("callback", "callback"), ("token", "token request"), ("userinfo", "userinfo"))
VIEW_TABS = {"inspector": 0, "tokens": 1, "server": 2, "lab": 3, "sequence": 4}
SPLITTERS = ("vertical", "top")


def client_config(issuer: str, client: Client | None, scope: str = "") -> ClientConfig:
    """The flow's client settings for a registered client (the seed's client by default)."""
    if client is None:
        return ClientConfig(issuer=issuer, scope=scope) if scope else ClientConfig(issuer=issuer)
    method = client.authMethods[0]
    return ClientConfig(
        issuer=issuer, client_id=client.id,
        redirect_uri=client.redirect[0] if client.redirect else None,
        client_secret=client.secret or None, auth_method=method,  # type: ignore[arg-type]
        scope=scope or " ".join(client.scopes),
        post_logout_redirect_uri=client.postLogoutRedirect[0] if client.postLogoutRedirect
        else None,
        par=client.requirePushedAuthorizationRequests, dpop=client.dpopBound,
        client_key=jwk.demo_key_text(client.id),
    )


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, server: ServerController, settings: QSettings, *,
                 restore: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("OAuth Playground")
        self.server = server
        self.remembered = Remembered(settings)
        autosave_file = Path(os.environ.get(autosave.ENV) or
                             Path(settings.fileName()).with_name("autosave.jsonl"))
        self._left_over = autosave.take_over(autosave_file)  # the last session's, if it crashed
        self.autosave = autosave.ExchangeJournal(autosave_file)
        self.har_tokens = FoundTokens()  # the tokens of the HAR opened last
        self.har_verified_with: str | None = None
        self.har_verify_task: Any = None
        self.current_profile: str | None = None
        self._profiles_seen: tuple[object, list[str]] = (None, [])  # (file and mtime, names)
        self.tasks = TaskRunner(self)
        self.flow_task: Any = None
        self._embedded_issuer = server.issuer
        self.session = self._new_session()
        self._make_actions()
        self.steps_model = StepListModel(self.session, self)
        self.steps_view = QListView()
        self.steps_view.setModel(self.steps_model)
        self.steps_view.setSpacing(3)
        self.flow_picker = FlowPicker()
        self.step_panel = StepPanel([self.run_action, self.next_action, self.run_all_action,
                                     self.reset_action], AUTH_CODE_PKCE)
        self.step_panel.set_flow(self.session.spec)
        self.flow_picker.show_flow(self.session.spec)
        self.inspector = Inspector()
        self.sequence = SequencePane()
        self.tokens = TokenViewer(now=server.clock.now, fetch_jwks=self.fetch_jwks)
        self.further = FurtherSteps(lambda: self.session, self.tasks)
        self.tokens.add_bar(self.further)
        self.server_panel = ServerPanel(server, self.tasks)
        self.lab = LabPanel(lambda: self.server.server, lambda: self.session, self.tasks)
        self.banner = QLabel()
        self.banner_action = QPushButton()
        self.banner_close = QPushButton("Dismiss")
        self._banner_slot: Callable[[], object] | None = None
        self.user_agent = UserAgentController(self.user_agent_view, lambda: self.session,
                                              self.server.client, self.tasks)
        self._layout()
        self._connect()
        self._attach_session()
        self.resize(*DEFAULT_SIZE)
        if restore:
            self._restore()
        self.select_step("discovery")
        self._offer_recovery()

    # -- construction ---------------------------------------------------------------------
    def _new_session(self, spec: FlowSpec | None = None, issuer: str | None = None) -> FlowSession:
        spec = spec or FLOWS.get(self.remembered.last_flow, DEFAULT_FLOW)
        client = self.server.client(self.remembered.last_client or SEED_CLIENT_ID)
        scopes = self.remembered.last_scopes
        if client is None or not client.allows_grant(spec.grant_type):
            client = next((c for c in self.server.clients() if c.allows_grant(spec.grant_type)),
                          client)
            scopes = ""
        return FlowSession(
            client_config(self.server.issuer or "" if issuer is None else issuer, client, scopes),
            user_agent=InAppAgent(),
            trace_lookup=self.server.trace,
            clock=self.server.clock,
            spec=spec,
        )

    def _carry_subject(self, old: FlowSession) -> None:
        """Token exchange starts from the access token the previous flow obtained; a refresh
        from its refresh token, with the client that obtained it."""
        answer = outcome_of(old, "token") if "token" in old.spec else None
        if answer is None:
            return
        if "subject" in self.session.spec:
            self.session.set_input("subject", "subject_token", answer.response.access_token)
        if self.session.spec.name == "refresh" and answer.response.refresh_token:
            for name in ("client_id", "client_secret", "auth_method", "dpop", "client_key",
                         "assertion_audience"):
                self.session.set_input("token", name, old.inputs("token").get(name))
            self.session.set_input("token", "refresh_token", answer.response.refresh_token)
            self.session.adopt_kept(old)  # the DPoP key the refresh token is bound to

    def choose_flow(self, spec: FlowSpec) -> None:
        """Step through `spec` from now on: a new session (the inspector's log is kept), with a
        client registered for its grant; the issuer typed so far stays."""
        if spec is self.session.spec:
            return
        if self.flow_task is not None and not self.flow_task.done():
            self.flow_task.cancel()
        issuer = str(self.session.inputs("discovery").get("issuer") or "")
        old = self.session
        self.session = self._new_session(spec, issuer)
        self._carry_subject(old)
        self.tasks.start(old.aclose(), "close the previous flow's HTTP client")
        self.remembered.last_flow = spec.name
        self.step_panel.set_flow(spec)
        self.flow_picker.show_flow(spec)
        self.steps_model.set_session(self.session)
        self._attach_session()
        self.tokens.clear()
        self.further.update_state()
        self.user_agent.reset()
        self.user_agent.reapply()
        self.select_step(spec.keys[0])

    def _action(self, name: str, text: str, keys: list[str], slot: Any, tip: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setToolTip(f"{tip} ({', '.join(keys)})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.run_action = self._action("run", "Run step", ["F5", "Ctrl+Return"], self.run_selected,
                                       "Run the selected step")
        self.next_action = self._action("next", "Next", ["F6"], self.run_next,
                                        "Run the first step that is not done")
        self.run_all_action = self._action("run_all", "Run all", ["F7", "Ctrl+Shift+Return"],
                                           self.run_all, "Run every remaining step")
        self.reset_action = self._action("reset", "Reset", ["Ctrl+Shift+R"], self.reset_flow,
                                         "Start the flow again (the inspector log is kept)")
        self.filter_action = self._action("filter", "Filter exchanges", ["Ctrl+L"],
                                          self.focus_filter, "Filter the HTTP inspector")
        self.curl_action = self._action("curl", "Copy as curl", ["Ctrl+Shift+C"],
                                        self.copy_curl, "Copy the selected request as curl")
        self.quit_action = self._action("quit", "Quit", ["Ctrl+Q"], self.close, "Quit")
        self.flow_actions = (self.run_action, self.next_action, self.run_all_action)
        files = self.menuBar().addMenu("&File")
        files.addAction(self._action("open_session", "Open session…", ["Ctrl+Shift+O"],
                                     self.ask_open_session, "Open a saved session"))
        files.addAction(self._action("save_session", "Save session…", ["Ctrl+S"],
                                     self.ask_save_session, "Save the whole session: the flow, "
                                     "its inputs, every exchange, the tokens and the verdicts"))
        self.recent_menu = files.addMenu("Recent sessions")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        files.addSeparator()
        files.addAction(self._action("profiles", "Provider profiles…", [], self.edit_profiles,
                                     "Add or remove saved providers (presets, keyring secrets)"))
        files.addSeparator()
        files.addAction(self._action("open_har", "Open HAR…", ["Ctrl+O"], self.ask_open_har,
                                     "Open a HAR captured in a browser, linted and pictured"))
        files.addAction(self._action("export_har", "Export HAR…", ["Ctrl+Shift+E"],
                                     lambda: self.ask_export_har(redact=False),
                                     "Save every exchange as HAR 1.2"))
        files.addAction(self._action("export_har_redacted", "Export HAR, secrets redacted…", [],
                                     lambda: self.ask_export_har(redact=True),
                                     "Save every exchange as HAR 1.2 without secrets, tokens, "
                                     "codes or cookies"))
        flow = self.menuBar().addMenu("&Flow")
        for action in (*self.flow_actions, self.reset_action, self.quit_action):
            flow.addAction(action)
        view = self.menuBar().addMenu("&View")
        for action in (self.filter_action, self.curl_action):
            view.addAction(action)
        for number, title in enumerate(("HTTP inspector", "Tokens", "Server", "Lab", "Sequence"),
                                       start=1):
            view.addAction(self._action(f"tab{number}", title, [f"Ctrl+{number}"],
                                        lambda _=False, i=number - 1: self.show_tab(i),
                                        f"Show the {title}"))

    def _layout(self) -> None:
        self.bottom = QTabWidget()
        self.bottom.addTab(self.inspector, "HTTP inspector")
        self.bottom.addTab(self.tokens, "Tokens")
        self.bottom.addTab(self.server_panel, "Server")
        self.bottom.addTab(self.lab, "Lab")
        self.bottom.addTab(self.sequence, "Sequence")
        self.top = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.flow_picker)
        left_layout.addWidget(self.steps_view, 1)
        self.top.addWidget(left)
        self.top.addWidget(self.step_panel)
        self.top.setSizes([300, 1100])
        self.vertical = QSplitter(Qt.Orientation.Vertical)
        self.vertical.addWidget(self.top)
        self.vertical.addWidget(self.bottom)
        self.vertical.setSizes([490, 410])
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.banner_action)
        banner_row.addWidget(self.banner_close)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner_close.clicked.connect(self.hide_message)
        self.banner_action.clicked.connect(self._banner_clicked)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(banner_row)
        layout.addWidget(self.vertical, 1)
        self.setCentralWidget(central)
        self.hide_message()
        self.statusBar().showMessage(self._server_status())

    def _connect(self) -> None:
        self.steps_view.selectionModel().currentRowChanged.connect(self._step_selected)
        self.step_panel.input_edited.connect(self.set_input)
        self.step_panel.work_requested.connect(self.run_work)
        self.flow_picker.flow_chosen.connect(self.choose_flow)
        self.authorize_view.client_chosen.connect(self.choose_client)
        self.step_panel.key_requested.connect(self.generate_client_key)
        self.user_agent_view.consent.decision_requested.connect(
            lambda _i: self.select_step("user_agent"))
        self.server.bridge.session_event.connect(self._session_event)
        self.server.state_changed.connect(self._server_changed)
        self.server.state_changed.connect(self.lab.refresh)
        self.lab.clock_moved.connect(lambda _offset: self.tokens.tick())
        self.sequence.exchange_clicked.connect(self.open_exchange)
        self.further.refreshed.connect(self._refreshed)
        self.user_agent.message.connect(self.show_message)
        self.user_agent.step_requested.connect(self.select_step)
        self.user_agent.inputs_changed.connect(lambda: self._show_step(self.current_key))
        self.server.clients_changed.connect(self._refresh_clients)
        self.server.start_failed.connect(self._server_failed)
        self.server.lost.connect(self._server_lost)
        decoder = self.tokens.decoder
        decoder.verify_button.clicked.connect(
            lambda: self.tasks.start(decoder.verify(), "verify pasted token"))
        self.tasks.failed.connect(lambda name, exc: self.show_message(
            f"Unexpected error in {name}: {type(exc).__name__}: {exc}"))

    def _attach_session(self) -> None:
        agent = self.session.user_agent
        if isinstance(agent, InAppAgent):
            agent.decider = self.user_agent_view.consent.decide
        self.server.bridge.attach_session(self.session)
        self._refresh_clients()

    @property
    def authorize_view(self) -> AuthorizeView:
        return self.step_panel.view("authorize_url", AUTH_CODE_PKCE.name)  # type: ignore[return-value]

    @property
    def user_agent_view(self) -> UserAgentView:
        return self.step_panel.view("user_agent", AUTH_CODE_PKCE.name)  # type: ignore[return-value]

    # -- showing --------------------------------------------------------------------------
    @property
    def current_key(self) -> str:
        index = self.steps_view.currentIndex()
        return self.steps_model.key(index.row()) if index.isValid() else "discovery"

    def select_step(self, key: str) -> None:
        index = self.steps_model.index(self.steps_model.row_of(key))
        self.steps_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._show_step(key)

    def _step_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_step(self.steps_model.key(current.row()))

    def _show_step(self, key: str) -> None:
        if key == "discovery":
            self._list_profiles()
        self.step_panel.show_step(self.session, key)

    def _list_profiles(self) -> None:
        """The saved providers in the discovery step's picker (none if the file is unusable)."""
        view = self.step_panel.view("discovery", self.session.spec.name)
        if isinstance(view, DiscoveryView):
            view.set_providers(self._profile_names(), self.current_profile)

    def _profile_names(self) -> list[str]:
        """The saved profiles' names, the file read again only when it changed."""
        store = profiles.ProfileStore()
        try:
            stamp = (store.path, store.path.stat().st_mtime_ns)
        except OSError:
            return []
        if self._profiles_seen[0] != stamp:
            try:
                names = list(store.load())
            except profiles.ProfileError:
                names = []
            self._profiles_seen = (stamp, names)
        return self._profiles_seen[1]

    def show_tab(self, index: int) -> None:
        self.bottom.setCurrentIndex(index)

    def show_message(self, text: str, *, error: bool = True,
                     action: tuple[str, Callable[[], object]] | None = None) -> None:
        """A banner above the flow; `action` adds a button (its label, what it does)."""
        color = theme.colors().failed if error else theme.colors().running
        self.banner.setText(f"<span style='color:{color.name()}'><b>{html.escape(text)}</b></span>")
        self.banner.show()
        self.banner_close.show()
        self._banner_slot = action[1] if action else None
        self.banner_action.setText(action[0] if action else "")
        self.banner_action.setVisible(action is not None)

    def hide_message(self) -> None:
        self.banner.clear()
        self.banner.hide()
        self.banner_close.hide()
        self.banner_action.hide()
        self._banner_slot = None

    def _banner_clicked(self) -> None:
        slot = self._banner_slot
        self.hide_message()
        if slot is not None:
            slot()

    def message_text(self) -> str:
        return self.banner.text() if self.banner.isVisible() else ""

    def _server_status(self) -> str:
        if self.server.running:
            return f"Embedded authorization server running at {self.server.issuer}"
        if self.server.starting:
            return "Starting the embedded authorization server\u2026"
        error = self.server.last_error
        return f"Embedded server stopped{': ' + error if error else ''}"

    def _server_failed(self, reason: str) -> None:
        self.show_message(f"The embedded server did not start: {reason}. Start it on a free "
                          "port, pick one in the Server tab, or aim the flow at another issuer.",
                          action=("Start on a free port", lambda: self.restart_server(0)))

    def _server_lost(self, reason: str) -> None:
        self.show_message(f"The embedded server stopped unexpectedly ({reason}). Everything "
                          "recorded so far is kept; restart it to go on.",
                          action=("Restart server", self.restart_server))

    def restart_server(self, port: int | None = None) -> Any:
        """Start the embedded server again (on `port`, else the one it had)."""
        return self.tasks.start(self.server.restart(port), "restart the embedded server")

    def _refresh_clients(self) -> None:
        if "authorize_url" not in self.session.spec:
            return  # the client picker is the authorization request's
        current = str(self.session.inputs("authorize_url").get("client_id") or "")
        self.authorize_view.set_clients(self.server.clients(), current)

    # -- session events -------------------------------------------------------------------
    def _session_event(self, event: object) -> None:
        if isinstance(event, ExchangeRecorded):
            self._show_exchanges([event.exchange])
            self.autosave.append(event.exchange)
            return
        if isinstance(event, StepStarted):
            self.steps_model.refresh(event.key)
            self.select_step(event.key)
        elif isinstance(event, StepFinished):
            self.steps_model.refresh(event.key)
            self.select_step(event.key)
            if event.state is StepState.FAILED:
                self.inspector.select_last(event.key)
            if event.key in ("token", "tokens"):
                self.update_tokens()
        elif isinstance(event, StepsInvalidated):
            self.steps_model.refresh()
            self._show_step(self.current_key)

    def _refreshed(self, _outcome: object) -> None:
        """New tokens from a refresh: show them decoded now, verified once the step has run."""
        self.update_tokens()
        self.start_flow(self.session.run("tokens"), "verify refreshed tokens")

    def update_tokens(self) -> None:
        self.further.update_state()
        answer = outcome_of(self.session, "token")
        if answer is None:
            self.tokens.clear()
            return
        response = answer.response
        tokens_step = self.session.step("tokens")
        verified = outcome_of(self.session, "tokens") \
            if tokens_step.state in (StepState.DONE, StepState.FAILED) else None
        id_check = verified.id_token if verified else None
        at_check = verified.access_token if verified else None
        self.tokens.page("access token").show_token(response.access_token, at_check)
        self.tokens.page("ID token").show_token(
            response.id_token, id_check, "" if response.id_token else "No ID token: 'openid' was "
            "not in the granted scope.")
        self.tokens.page("refresh token").show_token(
            response.refresh_token, None,
            "Opaque refresh token: only the server can read it; it is redeemed at the token "
            "endpoint (RFC 6749 §6)." if response.refresh_token else "No refresh token: it comes "
            "only with the offline_access scope.")
        self.tokens.tick()

    # -- editing --------------------------------------------------------------------------
    def generate_client_key(self) -> None:
        """A new ES256 key pair for the current client (RFC 7523 §2.2): the private half goes
        to the token step, the public half into the embedded server's registration (`jwks`,
        with private_key_jwt allowed)."""
        if "token" not in self.session.spec:
            return
        key = jwk.generate("ES256")
        self.session.set_input("token", "client_key", json.dumps(key.private_jwk()))
        client_id = str(self.session.inputs("token").get("client_id") or "")
        client = self.server.client(client_id)
        if client is not None:
            methods = client.authMethods if "private_key_jwt" in client.authMethods \
                else (*client.authMethods, "private_key_jwt")
            self.server.put_client(dataclasses.replace(client, jwks=key.jwks,
                                                       authMethods=methods), replace=True)
            self.show_message(f"New key {key.kid[:12]}… (ES256): its public half is registered "
                              f"for {client.display_name}, which may now use private_key_jwt.")
        else:
            self.show_message(f"New key {key.kid[:12]}… (ES256): register this public JWK with "
                              f"your provider: {json.dumps(key.public_jwk)}")
        self._show_step(self.current_key)

    def set_input(self, key: str, name: str, value: Any) -> None:
        if key == "discovery" and name == "profile":
            self.apply_profile(str(value))
            return
        self.session.set_input(key, name, value)
        if key == "authorize_url" and name == "scope":
            self.remembered.last_scopes = str(value)

    def edit_profiles(self) -> ProfilesDialog:
        dialog = ProfilesDialog(profiles.ProfileStore(), self)
        dialog.changed.connect(lambda: self._show_step(self.current_key))
        dialog.show()
        return dialog

    def apply_profile(self, name: str) -> bool:
        """A saved provider (playground.core.flow.profiles) into the flow's inputs: its issuer
        or endpoints, client, scope, parameters and the keyring's secret."""
        try:
            profile = profiles.ProfileStore().get(name)
            secret = profiles.load_secret(name)
        except profiles.ProfileError as exc:
            self.show_message(str(exc))
            return False
        parts = urlsplit(profile.endpoints.get("authorization_endpoint", ""))
        self.session.set_input("discovery", "issuer",
                               profile.issuer or f"{parts.scheme}://{parts.netloc}")
        self.session.set_input("discovery", "endpoints", dict(profile.endpoints) or None)
        if "authorize_url" in self.session.steps:
            for key, value in (("client_id", profile.client_id), ("scope", profile.scope),
                               ("redirect_uri", profile.redirect_uri), ("params", None),
                               ("extra", list(profile.params))):
                self.session.set_input("authorize_url", key, value)
        if "token" in self.session.steps:
            method = profile.auth_method or ("client_secret_basic" if secret else "none")
            for key, value in (("client_id", profile.client_id), ("client_secret", secret),
                               ("auth_method", method), ("fields", None)):
                self.session.set_input("token", key, value)
        if profile.ca_file != self.session.config.ca_file:
            self.tasks.start(self.session.trust(profile.ca_file), "trust the profile's CA file")
        self.current_profile = name
        self.show_message(f"Profile {name}: {profile.issuer or 'no discovery'}, client "
                          f"{profile.client_id}" + (", secret from the OS keyring" if secret
                                                    else ""), error=False)
        self._show_step(self.current_key)
        return True

    def choose_client(self, client: Client) -> None:
        config = client_config(str(self.session.inputs("discovery").get("issuer") or ""), client)
        for name, value in (("client_id", config.client_id), ("redirect_uri", config.redirect_uri),
                            ("scope", config.scope), ("params", None), ("par", config.par),
                            ("request_object", False)):
            self.session.set_input("authorize_url", name, value)
        for name, value in (("client_id", config.client_id),
                            ("client_secret", config.client_secret),
                            ("auth_method", config.auth_method), ("fields", None),
                            ("dpop", config.dpop), ("client_key", config.client_key)):
            self.session.set_input("token", name, value)
        if "logout" in self.session.spec:  # the sign-out returns to this client's URI
            self.session.set_input("logout", "post_logout_redirect_uri",
                                   config.post_logout_redirect_uri)
        self.remembered.last_client = client.id
        self.remembered.last_scopes = config.scope
        self.user_agent.reapply()
        self._show_step(self.current_key)

    def _server_changed(self) -> None:
        self.statusBar().showMessage(self._server_status())
        issuer = self.server.issuer
        if issuer and issuer != self._embedded_issuer:
            if self.session.inputs("discovery").get("issuer") in (self._embedded_issuer, "", None):
                self.session.set_input("discovery", "issuer", issuer)
            self._embedded_issuer = issuer
        self._show_step(self.current_key)

    # -- running --------------------------------------------------------------------------
    def run_selected(self) -> None:
        self.start_flow(self.session.run(self.current_key), f"run {self.current_key}")

    def run_next(self) -> None:
        self.start_flow(self.session.run_next(), "next step")

    def run_all(self) -> None:
        self.start_flow(self.session.run_all(), "run all")

    def run_work(self, work: Callable[[FlowSession], Any], name: str) -> Any:
        """A step view's work on the session (the device grant's Approve in the app): the
        flow's task when the flow is idle, alongside it while it runs (the device polls)."""
        if self.flow_task is not None and not self.flow_task.done():
            return self.tasks.start(work(self.session), name)
        return self.start_flow(work(self.session), name)

    def start_flow(self, coro: Any, name: str) -> Any:
        if self.flow_task is not None and not self.flow_task.done():
            coro.close()
            return self.flow_task
        self.flow_task = self.tasks.start(self._flow(coro), name)
        return self.flow_task

    async def _flow(self, coro: Any) -> Any:
        with busy(*self.flow_actions):
            return await coro

    def reset_flow(self) -> None:
        if self.flow_task is not None and not self.flow_task.done():
            self.flow_task.cancel()
        self.user_agent.reset()
        self.session.reset()
        self.tokens.clear()
        self.further.update_state()
        self.user_agent.reapply()  # the reset inputs need its redirect_uri again
        self.steps_model.refresh()
        self.select_step("discovery")

    async def run_auto(self, show: str = "flow") -> bool:
        """Run the current flow to its end approving consent, then show `show` (a `VIEWS` name;
        the default is the decoded tokens); True when every step is done and the tokens
        verified."""
        self.user_agent_view.consent.auto_approve = True
        self.vertical.setSizes([400, 500])  # room for the decoded tokens
        await self.start_flow(self.session.run_all(), "auto flow")
        spec = self.session.spec
        self.select_step(spec.summary_step if spec.summary_step in spec else spec.keys[-1])
        if show in ("flow", "tokens"):
            self.show_tab(VIEW_TABS["tokens"])
            verified = self.session.outcome("tokens") if "tokens" in spec else None
            self.tokens.tabs.setCurrentIndex(1 if verified and verified.id_token else 0)
        else:
            self.show_view(show)
        if show == "inspector":
            self.inspector.select_last("token")
            self.inspector.detail.tabs.setCurrentIndex(1)  # the server's decision
        return self._auto_ok()

    def _auto_ok(self) -> bool:
        steps = self.session.steps.values()
        verified = self.session.outcome("tokens") if "tokens" in self.session.spec else None
        done = all(step.state is StepState.DONE for step in steps)
        return done and (verified is None or bool(verified.ok))

    async def run_lab(self) -> bool:
        """Run every lab scenario in the Lab tab; True when each ended as expected."""
        self.show_view("lab")
        verdicts = await self.lab.run_scenarios()
        return bool(verdicts) and all(v.passed for v in verdicts)

    def show_view(self, name: str) -> None:
        """Show the bottom pane `name` ('flow' leaves the window as it opens)."""
        if name == "lab":
            self.vertical.setSizes([260, 640])  # the lab needs the height more than the step
        if name in VIEW_TABS:
            self.show_tab(VIEW_TABS[name])

    async def fetch_jwks(self, url: str) -> dict[str, Any]:
        request = wire.HttpRequest("GET", url, (("Accept", "application/json"),))
        response = await wire.send(self.session.http, request)
        return discovery.parse_jwks(response.status_code, response.headers.get("content-type"),
                                    response.content)

    # -- autosave ---------------------------------------------------------------------------
    def _offer_recovery(self) -> None:
        """The last session did not close (a crash, a kill): offer its exchanges back."""
        if self._left_over is None:
            return
        count = len(autosave.recover(self._left_over))
        if count == 0:
            return
        self.show_message(f"The last session ended without closing; its {count} recorded "
                          "exchanges were saved.", error=False,
                          action=("Restore them", self.restore_last_session))

    def restore_last_session(self) -> int:
        """The crashed session's exchanges back in the inspector and the sequence diagram."""
        if self._left_over is None:
            return 0
        exchanges = autosave.recover(self._left_over)
        self._show_exchanges(exchanges)
        for exchange in exchanges:
            self.autosave.append(exchange)  # they are this session's now
        self._left_over.unlink(missing_ok=True)
        self._left_over = None
        self.show_message(f"Restored {len(exchanges)} exchanges of the last session.",
                          error=False)
        self.show_tab(VIEW_TABS["inspector"])
        return len(exchanges)

    # -- sessions ---------------------------------------------------------------------------
    def _show_exchanges(self, exchanges: Iterable[Exchange], *, replacing: bool = False) -> None:
        """Exchanges into the inspector and the sequence diagram (in place of theirs)."""
        if replacing:
            self.inspector.clear()
            self.sequence.clear()
        for exchange in exchanges:
            self.inspector.add_exchange(exchange)
            self.sequence.add_exchange(exchange)

    def _ask_path(self, title: str, default: str, kinds: str, *, save: bool) -> str:
        """A file the user picks ("" when they cancel)."""
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = ask(self, title, default, kinds)
        return str(path)

    def ask_save_session(self) -> None:
        if path := self._ask_path("Save the session", "session.json", SESSION_FILES, save=True):
            self.save_session(path)

    def save_session(self, path: str) -> bool:
        try:
            session_file.write(self.session, path)
        except OSError as exc:
            self.show_message(f"Cannot write {path}: {exc.strerror or exc}")
            return False
        self.remembered.add_recent_session(path)
        self.show_message(f"Session saved to {path} (it holds the secrets and tokens shown; "
                          "share a redacted HAR instead)", error=False)
        return True

    def ask_open_session(self) -> None:
        if path := self._ask_path("Open a session", "", SESSION_FILES, save=False):
            self.open_session(path)

    def open_file(self, path: str) -> bool:
        """`--open FILE`: a saved session, or a HAR."""
        return self.open_session(path) if session_file.is_session_file(path) \
            else self.open_har(path)

    def open_session(self, path: str) -> bool:
        """The saved session in place of this one: its flow, inputs, outcomes, verdicts and
        exchanges, as they were."""
        try:
            opened = session_file.read(path, FLOWS, user_agent=InAppAgent(),
                                       trace_lookup=self.server.trace, clock=self.server.clock)
        except session_file.SessionFileError as exc:
            self.show_message(f"Cannot open the session: {exc}")
            return False
        old, self.session = self.session, opened
        self.tasks.start(old.aclose(), "close the previous flow's HTTP client")
        self.step_panel.set_flow(opened.spec)
        self.flow_picker.show_flow(opened.spec)
        self.steps_model.set_session(opened)
        self._attach_session()
        self._show_exchanges(opened.log, replacing=True)
        self.update_tokens()
        self.user_agent.reset()
        self.user_agent.reapply()
        self.remembered.add_recent_session(path)
        self.select_step(opened.keys[-1])
        self.show_message(f"Opened {Path(path).name}: {opened.spec.title}, "
                          f"{len(opened.log)} exchanges", error=False)
        return True

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.remembered.recent_sessions:
            self.recent_menu.addAction(path).triggered.connect(partial(self.open_session, path))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("No sessions yet").setEnabled(False)

    # -- HAR in and out -------------------------------------------------------------------------
    def ask_open_har(self) -> None:
        if path := self._ask_path("Open a HAR", "", "HAR (*.har *.json)", save=False):
            self.open_har(path)

    def open_har(self, path: str) -> bool:
        """Show the HAR's exchanges (in place of those recorded) with the RFC lint applied and
        the flow's steps recognised; a file that is no HAR is a banner naming what is wrong."""
        from playground.core.record.har_import import HarError, read_har, recognised_steps

        try:
            exchanges = read_har(Path(path))
        except HarError as exc:
            self.show_message(f"Cannot open {path}: {exc}")
            return False
        self._show_exchanges(exchanges, replacing=True)
        found = recognised_steps(exchanges)
        steps = [name for key, name in HAR_STEPS if key in found] or ["no OAuth step"]
        findings = sum(len(e.findings) for e in exchanges)
        self.show_message(f"Opened {Path(path).name}: {len(exchanges)} exchanges; recognised "
                          f"{', '.join(steps)}; {findings} lint finding"
                          f"{'' if findings == 1 else 's'} (see each exchange)", error=False)
        self.show_tab(VIEW_TABS["inspector"])
        self.har_tokens = found_tokens(exchanges)
        if self.har_tokens.access_token:
            self.har_verify_task = self.tasks.start(self._show_har_tokens(self.har_tokens),
                                                    "verify the HAR's tokens")
        return True

    async def _show_har_tokens(self, found: FoundTokens) -> None:
        """The recorded tokens, decoded, and verified against the JWK Set the recording holds,
        or, if it holds none, the one its jwks_uri serves now (when reachable)."""
        jwks, where = found.jwks, "the JWK Set in the HAR"
        if jwks is None and found.jwks_uri:
            try:
                jwks, where = await self.fetch_jwks(found.jwks_uri), found.jwks_uri
            except Exception as exc:  # unreachable, not JSON…: decoded, said why not verified
                jwks, where = None, f"{found.jwks_uri} could not be fetched ({exc})"
        note = "" if jwks else ("Decoded only: the HAR holds no JWK Set and no reachable "
                                "jwks_uri, so the signature is not verified.")
        id_expect = tokens.Expectations(issuer=found.issuer, audience=found.client_id,
                                        client_id=found.client_id, nonce=found.nonce,
                                        access_token=found.access_token)
        # RFC 9068 §4: an access token's aud is the resource, which the client cannot know.
        at_expect = tokens.Expectations(issuer=found.issuer)
        pages: tuple[tuple[TokenKind, str | None, str, tokens.Expectations], ...] = (
            ("access_token", found.access_token, "access token", at_expect),
            ("id_token", found.id_token, "ID token", id_expect))
        for kind, raw, label, expect in pages:
            checked = tokens.verify(raw, jwks, kind=kind, expect=expect,
                                    now=self.server.clock.now()) if raw and jwks else None
            self.tokens.page(label).show_token(raw, checked, note)
        self.tokens.page("refresh token").show_token(found.refresh_token, None,
                                                     "" if found.refresh_token else
                                                     "No refresh token in the HAR.")
        self.tokens.tick()
        self.har_verified_with = where if jwks else None

    def ask_export_har(self, *, redact: bool) -> None:
        if path := self._ask_path("Export HAR", "flow.har", "HAR (*.har)", save=True):
            self.export_har(path, redact=redact)

    def export_har(self, path: str, *, redact: bool = False) -> bool:
        from playground.core.record.har import write_har

        exchanges = self.inspector.model.rows()
        try:
            write_har(exchanges, path, redact=redact)
        except OSError as exc:
            self.show_message(f"Cannot write {path}: {exc.strerror or exc}")
            return False
        self.show_message(f"Saved {len(exchanges)} exchanges to {path}"
                          f"{' (secrets redacted)' if redact else ''}", error=False)
        return True

    def open_exchange(self, seq: int) -> None:
        """Show exchange `seq` in the inspector (a click on the sequence diagram)."""
        self.show_tab(VIEW_TABS["inspector"])
        self.inspector.select_seq(seq)

    def focus_filter(self) -> None:
        self.show_tab(0)
        self.inspector.filter_edit.setFocus()
        self.inspector.filter_edit.selectAll()

    def copy_curl(self) -> None:
        self.inspector.detail.copy_as_curl()

    # -- settings and closing -------------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.remembered.geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        for name in SPLITTERS:
            state = self.remembered.splitter(name)
            if state is not None:
                getattr(self, name).restoreState(state)

    def save_settings(self) -> None:
        self.remembered.geometry = self.saveGeometry()
        for name in SPLITTERS:
            self.remembered.set_splitter(name, getattr(self, name).saveState())
        self.remembered.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.autosave.close()  # a clean exit: nothing to recover next time
        event.accept()
        self.closed.emit()

    async def aclose(self) -> None:
        """Async clean-up before Qt quits: tasks, the consent wait, the session's HTTP client."""
        self.user_agent_view.consent.cancel()
        await self.tasks.aclose()
        await self.user_agent.aclose()
        self.server.bridge.detach("session")
        await self.session.aclose()
