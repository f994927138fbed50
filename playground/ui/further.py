"""Further steps after the tokens: refresh (RFC 6749 §6), revoke (RFC 7009), introspect (RFC 7662).

A bar above the token tabs. Each button runs one `FlowSession` action (recorded in the inspector
as 'refresh', 'revoke' or 'introspect') off the UI thread, shows the answer in one line under
the bar, and says past-tense what happened: `refreshed(TokenOutcome)` lets the main window
decode and verify the new tokens and restart the countdown.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow.session import FlowSession
from playground.core.flowerrors import FlowError
from playground.core.jose import jwt
from playground.core.protocol.revocation import Introspection, TokenTypeHint
from playground.ui import theme
from playground.ui.tasks import TaskRunner, busy

SessionSource = Callable[[], FlowSession]
KINDS: dict[str, TokenTypeHint] = {"refresh token": "refresh_token",
                                   "access token": "access_token"}
SHOWN_CLAIMS = ("sub", "client_id", "scope", "token_type", "exp")
READY = ("Refresh redeems the refresh token for new tokens (RFC 6749 §6); Revoke (RFC 7009) and "
         "Introspect (RFC 7662) act on the token chosen. Each request appears in the inspector.")
READY_NO_REFRESH = ("No refresh token was issued (ask for offline_access to get one); Revoke "
                    "and Introspect act on the access token.")


class FurtherSteps(QWidget):
    refreshed = Signal(object)  # steps.TokenOutcome: the new tokens
    revoked = Signal(str)  # "refresh_token" | "access_token"
    introspected = Signal(object)  # Introspection

    def __init__(self, session: SessionSource, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._answered = False
        self.scope = QLineEdit()
        self.scope.setPlaceholderText("scope to ask for (empty: the scope granted, RFC 6749 §6)")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Redeem the refresh token for new tokens (RFC 6749 §6)")
        self.kind = theme.narrow(QComboBox(), 12)
        self.kind.addItems(list(KINDS))
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setToolTip("Tell the server to invalidate the token (RFC 7009)")
        self.introspect_button = QPushButton("Introspect")
        self.introspect_button.setToolTip("Ask the server whether the token is active (RFC 7662)")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button.clicked.connect(lambda: self._start(self._refresh(), "refresh"))
        self.revoke_button.clicked.connect(lambda: self._start(self._revoke(), "revoke"))
        self.introspect_button.clicked.connect(
            lambda: self._start(self._introspect(), "introspect"))
        self._layout()
        self.update_state()

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("<b>Further steps</b>"))
        row.addWidget(self.scope, 2)
        row.addWidget(self.refresh_button)
        row.addSpacing(16)
        row.addWidget(self.kind)
        row.addWidget(self.revoke_button)
        row.addWidget(self.introspect_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addLayout(row)
        layout.addWidget(self.result)

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return self.refresh_button, self.revoke_button, self.introspect_button

    def _tokens(self) -> Any:
        outcome = self._session().step("token").outcome
        return outcome.response if outcome is not None else None

    def update_state(self) -> None:
        """Enable what the current tokens allow; say why the rest is off."""
        response = self._tokens()
        has_refresh = bool(response is not None and response.refresh_token)
        self.refresh_button.setEnabled(has_refresh)
        self.revoke_button.setEnabled(response is not None)
        self.introspect_button.setEnabled(response is not None)
        if response is None:
            self._hint("Run the flow to get tokens; then refresh, revoke or introspect them here.")
        elif not self._answered:
            self._hint(READY if has_refresh else READY_NO_REFRESH)

    def _hint(self, text: str) -> None:
        self.show_result(text, None)
        self._answered = False

    def show_result(self, text: str, ok: bool | None) -> None:
        """Show an answer (`ok` True/False) or progress (None) under the bar."""
        self._answered = True
        colors = theme.colors()
        color = colors.muted if ok is None else colors.ok if ok else colors.failed
        mark = "" if ok is None else "\u2714 " if ok else "\u2718 "
        self.result.setText(f"<span style='color:{color.name()}'>{html.escape(mark + text)}"
                            "</span>")

    def _start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.start(self._guarded(work), name)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        with busy(*self.buttons):
            try:
                await work
            except FlowError as exc:
                rule = f" ({exc.rfc})" if getattr(exc, "rfc", "") else ""
                self.show_result(f"{exc}{rule}", False)
        self.update_state()

    def _chosen(self) -> tuple[str, TokenTypeHint, str | None]:
        label = self.kind.currentText()
        hint = KINDS[label]
        response = self._tokens()
        value = getattr(response, hint, None) if response is not None else None
        return label, hint, value

    async def _refresh(self) -> None:
        scope = self.scope.text().strip() or None
        self.show_result("Refreshing\u2026", None)
        outcome = await self._session().refresh(scope)
        got = outcome.response
        parts = ["a new access token"]
        if got.id_token:
            parts.append("a new ID token")
        if got.refresh_token:
            parts.append("a rotated refresh token (the old one is now spent)")
        granted = f"; scope granted: {got.scope}" if got.scope else ""
        self.show_result(f"Refreshed (RFC 6749 §6): {', '.join(parts)}{granted}. The token "
                         "tabs show the new tokens, verified again.", True)
        self.refreshed.emit(outcome)

    async def _revoke(self) -> None:
        label, hint, value = self._chosen()
        if not value:
            self.show_result(f"There is no {label} to revoke.", False)
            return
        await self._session().revoke(value, hint)
        after = ("a refresh with it now fails with invalid_grant, and the access tokens of "
                 "its grant are revoked too" if hint == "refresh_token"
                 else "introspection now says it is not active")
        self.show_result(f"Revoked the {label}: the server answered 200 (RFC 7009 §2.2); "
                         f"{after}.", True)
        self.revoked.emit(hint)

    async def _introspect(self) -> None:
        label, hint, value = self._chosen()
        if not value:
            self.show_result(f"There is no {label} to introspect.", False)
            return
        answer = await self._session().introspect(value, hint)
        self.show_result(introspection_text(label, answer), answer.active)
        self.introspected.emit(answer)


def introspection_text(label: str, answer: Introspection) -> str:
    if not answer.active:
        return (f"The {label} is not active (RFC 7662 §2.2): revoked, expired, or not this "
                "client's.")
    shown = []
    for name in SHOWN_CLAIMS:
        if name in answer.claims:
            value = answer.claims[name]
            readable = jwt.readable_time(value) if name == "exp" else None
            shown.append(f"{name} {value}" + (f" ({readable})" if readable else ""))
    return f"The {label} is active (RFC 7662 §2.2): " + " \u00b7 ".join(shown)
