"""The editable inputs and the outcome of each step, one view per step.

Each view shows what the session holds (`show(session)`) and reports edits upward as
`input_edited(step, name, value)`; only the main window writes to the session. Editing marks
the later steps stale, as the engine defines.
"""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow import steps
from playground.core.flow.session import FlowSession, StepState
from playground.core.jose.jwtinspect import TIME_CLAIMS, readable_time
from playground.core.protocol.authorize import Param
from playground.core.protocol.discovery import ProviderMetadata
from playground.core.protocol.pkce import Derivation
from playground.core.protocol.userinfo import UserInfo
from playground.server.clients import Client
from playground.ui import theme
from playground.ui.agent_modes import MODES, ExternalAgentPage
from playground.ui.authorize_panel import AuthorizePanel, ParamsEditor
from playground.ui.consent import ConsentPanel
from playground.ui.exchange_view import pairs_table
from playground.ui.hardening_views import AuthorizeOptions, TokenOptions, decoded_jwts
from playground.ui.models import CheckRow, ChecksModel, PairsModel, check_rows
from playground.ui.pkce_panel import PkcePanel


def outcome_of(session: FlowSession, key: str) -> Any:
    """The step's outcome, or what it got before failing (carried on the error)."""
    step = session.step(key)
    if step.outcome is not None:
        return step.outcome
    return getattr(step.error, "outcome", None)


def checks_table(model: ChecksModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    header = table.horizontalHeader()
    for column in (0, 1, 3):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    theme.compact(table)
    return table


class StepView(QWidget):
    input_edited = Signal(str, str, object)  # step key, input name, value
    work_requested = Signal(object, str)  # work on the session (session -> coroutine), its name

    key = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def show_session(self, session: FlowSession) -> None:
        raise NotImplementedError

    def edit(self, name: str, value: Any, key: str | None = None) -> None:
        self.input_edited.emit(key or self.key, name, value)


def _line(on_edit: Any) -> QLineEdit:
    edit = QLineEdit()
    edit.editingFinished.connect(lambda: on_edit(edit.text().strip()))
    return edit


class DiscoveryView(StepView):
    key = "discovery"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider = QComboBox()
        self.provider.setToolTip("A saved provider (`oauth-playground profile add`): its issuer "
                                 "or endpoints, client, scope, parameters and keyring secret")
        self.provider.activated.connect(self._provider_chosen)
        self.issuer = _line(lambda text: self.edit("issuer", text))
        self.issuer.setPlaceholderText("https://issuer.example (any OpenID provider)")
        self.metadata = PairsModel(("Metadata", "Value"), self)
        form = QFormLayout()
        form.addRow("Provider:", self.provider)
        form.addRow("Issuer:", self.issuer)
        self.layout_.addLayout(form)
        self.layout_.addWidget(pairs_table(self.metadata), 1)

    def set_providers(self, names: list[str], current: str | None) -> None:
        """The saved profiles, after the embedded server (the first entry, no profile)."""
        self.provider.blockSignals(True)
        self.provider.clear()
        self.provider.addItem("Embedded server or the issuer below", None)
        for name in names:
            self.provider.addItem(f"Profile: {name}", name)
        self.provider.setCurrentIndex(max(0, self.provider.findData(current)))
        self.provider.blockSignals(False)

    def _provider_chosen(self, index: int) -> None:
        name = self.provider.itemData(index)
        if name:
            self.edit("profile", name)

    def show_session(self, session: FlowSession) -> None:
        inputs = session.inputs("discovery")
        self.issuer.setText(str(inputs.get("issuer") or ""))
        endpoints = inputs.get("endpoints")
        self.issuer.setToolTip("No discovery: " + ", ".join(f"{k} {v}" for k, v in
                                                          dict(endpoints).items())
                               if endpoints else "")
        meta = session.step("discovery").outcome
        if meta is None:
            self.metadata.set_pairs([])
            return
        self.metadata.set_pairs([
            ("issuer", meta.issuer), ("authorization_endpoint", meta.authorization_endpoint),
            ("token_endpoint", meta.token_endpoint), ("jwks_uri", meta.jwks_uri or "\u2014"),
            ("userinfo_endpoint", meta.userinfo_endpoint or "\u2014"),
            ("end_session_endpoint", meta.end_session_endpoint or "\u2014"),
            ("code_challenge_methods_supported", ", ".join(meta.code_challenge_methods)),
            ("authorization_response_iss_parameter_supported", str(meta.iss_in_response).lower()),
        ])


class PkceView(StepView):
    key = "pkce"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = PkcePanel()
        self.panel.changed.connect(self._changed)
        self.layout_.addWidget(self.panel)
        self.layout_.addStretch(1)

    def _changed(self, verifier: str, method: str) -> None:
        self.edit("verifier", verifier)
        self.edit("method", method)

    def show_session(self, session: FlowSession) -> None:
        derived = session.step("pkce").outcome
        inputs = session.inputs("pkce")
        if derived is not None:
            self.panel.show_values(derived.verifier, derived.method)
        else:
            self.panel.show_values(str(inputs.get("verifier") or ""), str(inputs.get("method")))


class AuthorizeView(StepView):
    key = "authorize_url"
    client_chosen = Signal(object)  # Client

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clients: list[Client] = []
        self.client = theme.narrow(QComboBox(), 30)
        self.client.activated.connect(self._client_activated)
        self.scope = _line(lambda text: self.edit("scope", text))
        self.redirect_uri = _line(lambda text: self.edit("redirect_uri", text or None))
        self.panel = AuthorizePanel()
        self.panel.endpoint.setReadOnly(True)
        self.panel.changed.connect(lambda _endpoint, params: self.edit("params", list(params)))
        self.options = AuthorizeOptions()
        self.options.edited.connect(self.edit)
        form = QFormLayout()
        form.addRow("Client:", self.client)
        form.addRow("Scope:", self.scope)
        form.addRow("redirect_uri:", self.redirect_uri)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.options)
        self.layout_.addWidget(self.panel, 1)

    def set_clients(self, clients: list[Client], current: str) -> None:
        self._clients = list(clients)
        self.client.clear()
        for client in clients:
            party = "first-party" if client.firstParty else "third-party"
            self.client.addItem(f"{client.display_name}  ({party}, {client.id[:13]})", client.id)
        index = self.client.findData(current)
        if index < 0 and current:
            self.client.addItem(current, current)
            index = self.client.count() - 1
        self.client.setCurrentIndex(index)

    def _client_activated(self, index: int) -> None:
        client_id = self.client.itemData(index)
        client = next((c for c in self._clients if c.id == client_id), None)
        if client is not None:
            self.client_chosen.emit(client)

    def show_session(self, session: FlowSession) -> None:
        inputs = session.inputs("authorize_url")
        self.options.show_inputs(inputs, session.step("authorize_url").outcome)
        self.scope.setText(str(inputs.get("scope") or ""))
        self.redirect_uri.setText(str(inputs.get("redirect_uri") or ""))
        index = self.client.findData(inputs.get("client_id"))
        if index >= 0:
            self.client.setCurrentIndex(index)
        meta = session.step("discovery").outcome
        endpoint = meta.authorization_endpoint if meta else ""
        request = session.step("authorize_url").outcome
        params = inputs.get("params")
        if params is None and request is not None:
            params = request.params
        if params is None:
            self.panel.show_params(endpoint, [])
            self.panel.message.setText("Run this step to build the parameters from the inputs "
                                       "above; then edit, add or remove any of them.")
            return
        self.panel.show_params(endpoint, [p if isinstance(p, Param) else Param(*p) for p in params])
        if request is not None and (request.pushed is not None or request.request_object):
            self.panel.url.setPlainText(request.url)  # what the browser gets (RFC 9126 §4)


class UserAgentView(StepView):
    key = "user_agent"
    mode_chosen = Signal(str)  # a key of agent_modes.MODES

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = theme.narrow(QComboBox(), 30)
        for key, label in MODES.items():
            self.mode.addItem(label, key)
        self.mode.activated.connect(lambda i: self.mode_chosen.emit(self.mode.itemData(i)))
        self.consent = ConsentPanel()
        self.external = ExternalAgentPage()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.consent)
        self.pages.addWidget(self.external)
        self.redirect = QLabel()
        self.redirect.setWordWrap(True)
        self.redirect.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QFormLayout()
        top.addRow("User agent:", self.mode)
        bottom = QFormLayout()
        bottom.addRow("Redirect captured:", self.redirect)
        self.layout_.addLayout(top)
        self.layout_.addWidget(self.pages)
        self.layout_.addLayout(bottom)
        self.layout_.addStretch(1)

    def show_mode(self, mode: str) -> None:
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))
        self.pages.setCurrentWidget(self.consent if mode == "in_app" else self.external)
        self.external.set_mode(mode)

    def show_session(self, session: FlowSession) -> None:
        step = session.step("user_agent")
        request = session.step("authorize_url").outcome
        self.external.set_url(request.url if request is not None else "")
        outcome = step.outcome
        if outcome is None:
            self.redirect.setText("\u2014 (not followed: the client's redirect_uri is captured)")
            if step.state is StepState.PENDING:
                self.consent.reset()
            return
        self.redirect.setText(f"<code>{html.escape(outcome.redirect_url)}</code>")
        prompts = {i.prompt for i in outcome.interactions}
        seen = outcome.interactions
        if seen and "consent" not in prompts and seen[0].first_party:
            client = outcome.interactions[0].client
            self.consent.show_skipped(str(client.get("name") or client.get("id")))


class CallbackView(StepView):
    key = "callback"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.expected_state = _line(lambda text: self.edit("expected_state", text or None))
        self.expected_state.setPlaceholderText("the state sent in the authorization request")
        self.received = PairsModel(("Parameter", "Received"), self)
        self.checks = ChecksModel(self)
        form = QFormLayout()
        form.addRow("Expected state:", self.expected_state)
        self.layout_.addLayout(form)
        self.layout_.addWidget(pairs_table(self.received), 1)
        self.layout_.addWidget(checks_table(self.checks), 1)

    def show_session(self, session: FlowSession) -> None:
        inputs = session.inputs("callback")
        sent = session.step("authorize_url").outcome
        expected = inputs.get("expected_state") or (sent.state if sent else "")
        self.expected_state.setText(str(expected or ""))
        outcome = outcome_of(session, "callback")
        self.received.set_pairs(outcome.response.params if outcome else [])
        self.checks.set_rows(check_rows(outcome.checks) if outcome else [])


def titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(QLabel(f"<b>{title}</b>"))
    layout.addWidget(widget, 1)
    return box


def _text_view() -> QPlainTextEdit:
    view = QPlainTextEdit(readOnly=True)
    view.setFont(theme.monospace())
    return view


class TokenView(StepView):
    key = "token"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body_format = theme.narrow(QComboBox(), 30)
        self.body_format.addItem(
            "form (application/x-www-form-urlencoded, RFC 6749 §4.1.3)", "form")
        self.body_format.addItem("JSON (the seed's fetch body)", "json")
        self.body_format.activated.connect(
            lambda i: self.edit("body_format", self.body_format.itemData(i)))
        self.options = TokenOptions()
        self.options.edited.connect(self.edit)
        self.fields = ParamsEditor()
        self.fields.changed.connect(self._fields_edited)
        self.fields_note = QLabel()
        self.fields_note.setWordWrap(True)
        self.request = _text_view()
        self.response = _text_view()
        form = QFormLayout()
        form.addRow("Body format:", self.body_format)
        form.addRow("Client auth:", self.options)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(form)
        left_layout.addWidget(QLabel("<b>Fields</b> (edit before sending)"))
        left_layout.addWidget(self.fields, 1)
        left_layout.addWidget(self.fields_note)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(titled("Request to send", self.request))
        right.addWidget(titled("Response", self.response))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([520, 560])
        self.layout_.addWidget(split, 1)

    def _fields_edited(self, params: list[Param]) -> None:
        self.edit("fields", [(p.name, p.value) for p in params if p.enabled])

    def show_session(self, session: FlowSession) -> None:
        step = session.step(self.key)
        inputs = step.inputs
        body_index = self.body_format.findData(inputs.get("body_format"))
        self.body_format.setCurrentIndex(max(0, body_index))
        self.options.show_inputs(inputs)
        waiting = [session.step(k).title for k in step.requires
                   if session.step(k).state is not StepState.DONE]
        self.response.setPlainText(_token_response_text(step.outcome))
        if (waiting and inputs.get("fields") is None) or step.spec.preview is None:
            self.fields.show_params([])
            self.fields_note.setText(f"The request appears here once {', '.join(waiting)} "
                                     f"{'is' if len(waiting) == 1 else 'are'} done.")
            self.request.clear()
            return
        try:
            request = step.spec.preview(session)
        except Exception as exc:  # a half-edited input: say so, keep the app running
            self.request.setPlainText(f"Cannot build the request yet: {exc}")
            return
        self.fields.show_params([Param(k, v) for k, v in request.fields])
        self.fields_note.clear()
        headers = "\n".join(f"{k}: {v}" for k, v in request.headers)
        body = request.body.decode("utf-8", "replace")
        decoded = decoded_jwts(request)
        self.request.setPlainText(f"{request.method} {request.url}\n{headers}\n\n{body}"
                                  + (f"\n\n{decoded}" if decoded else ""))


def _token_response_text(outcome: Any) -> str:
    if outcome is None:
        return ""
    return json.dumps(outcome.response.raw, indent=2)


class TokensView(StepView):
    key = "tokens"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Run this step to verify the tokens (they are decoded in the Tokens "
                              "tab).")
        self.summary.setWordWrap(True)
        self.checks = ChecksModel(self)
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(checks_table(self.checks), 1)

    def show_session(self, session: FlowSession) -> None:
        outcome = outcome_of(session, "tokens")
        if outcome is None:
            self.checks.set_rows([])
            return
        rows = check_rows(outcome.checks)
        for label, verification in (("id_token", outcome.id_token),
                                    ("access_token", outcome.access_token)):
            if verification is not None:
                rows += [CheckRow(r.status, f"{label}: {r.name}", r.detail, r.rfc)
                         for r in check_rows(verification.checks)]
        self.checks.set_rows(rows)
        passed = sum(r.status == "pass" for r in rows)
        failed = sum(r.status == "fail" for r in rows)
        self.summary.setText(f"{passed} checks passed, {failed} failed. The Tokens tab shows each "
                             "token decoded, with its claims and expiry.")


class UserInfoView(StepView):
    key = "userinfo"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.claims = PairsModel(("Claim", "Value"), self)
        self.sub_check = ChecksModel(self)
        self.layout_.addWidget(pairs_table(self.claims), 2)
        self.layout_.addWidget(checks_table(self.sub_check), 1)

    def show_session(self, session: FlowSession) -> None:
        info = outcome_of(session, "userinfo")
        if info is None:
            self.claims.set_pairs([])
            self.sub_check.set_rows([])
            return
        self.claims.set_pairs([(k, claim_text(k, v)) for k, v in info.claims.items()])
        self.sub_check.set_rows(check_rows([info.sub_check]))


def claim_text(name: str, value: Any) -> str:
    """A claim's value as text; a time claim (updated_at, auth_time …) with its UTC date, as the
    token viewer shows it."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    timed = name in TIME_CLAIMS or name.endswith("_at")
    readable = readable_time(value) if timed else None
    return f"{text}  ({readable})" if readable else text


# The view of a step, chosen by the type of its outcome (napari's `layer_to_controls`); a view
# is used for the step its `key` names. Steps with no view here get `GenericStepView`.
VIEWS: dict[type, type[StepView]] = {
    ProviderMetadata: DiscoveryView, Derivation: PkceView, steps.AuthorizeRequest: AuthorizeView,
    steps.UserAgentOutcome: UserAgentView, steps.CallbackOutcome: CallbackView,
    steps.TokenOutcome: TokenView, steps.TokensOutcome: TokensView, UserInfo: UserInfoView,
}
