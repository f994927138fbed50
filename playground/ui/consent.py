"""The pending login/consent, shown natively while the engine's user agent waits for it.

The in-app user agent hands each pending interaction to a `ConsentDecider`; this panel is the
desktop app's decider. It shows the client (name, id, first-party flag), the user, and each
requested scope with what it grants as a checkbox, then returns the user's Allow / Deny exactly
as the server's HTML form would submit it. When a first-party client skips consent, it says so.
"""

from __future__ import annotations

import asyncio
import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow.useragent import ConsentDecision, PendingInteraction
from playground.ui import theme


class ConsentPanel(QWidget):
    """Awaitable consent: `await panel.decide(interaction)` returns once Allow/Deny is clicked."""

    decision_requested = Signal(object)  # the PendingInteraction now waiting for the user
    decided = Signal(object)  # the ConsentDecision

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.auto_approve = False
        self._future: asyncio.Future[ConsentDecision] | None = None
        self._interaction: PendingInteraction | None = None
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.client_label = QLabel()
        self.client_label.setWordWrap(True)
        self.client_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.first_party_label = QLabel()
        self.first_party_label.setWordWrap(True)
        self.user_choice = theme.narrow(QComboBox(), 20)
        self.scopes = QListWidget()
        self.allow_button = QPushButton("Allow")
        self.deny_button = QPushButton("Deny")
        self.allow_button.clicked.connect(self.allow)
        self.deny_button.clicked.connect(self.deny)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self._layout()
        self.reset()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Client:", self.client_label)
        form.addRow("First party:", self.first_party_label)
        form.addRow("User:", self.user_choice)
        form.addRow("Scopes:", self.scopes)
        buttons = QHBoxLayout()
        buttons.addWidget(self.allow_button)
        buttons.addWidget(self.deny_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    @property
    def waiting(self) -> bool:
        return self._future is not None and not self._future.done()

    def reset(self) -> None:
        self.cancel()
        self._interaction = None
        self.heading.setText("<b>Login and consent</b>: shown here when the server asks.")
        self.client_label.clear()
        self.first_party_label.clear()
        self.user_choice.clear()
        self.scopes.clear()
        self._fit_scopes()
        self.status.clear()
        self._set_buttons(False)

    def cancel(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.cancel()
        self._future = None

    async def decide(self, interaction: PendingInteraction) -> ConsentDecision:
        """The `ConsentDecider` of the in-app user agent."""
        self.show_interaction(interaction)
        if self.auto_approve:
            decision = self._decision(allow=True)
            self._record(decision)
            return decision
        self._future = asyncio.get_running_loop().create_future()
        self._set_buttons(True)
        self.decision_requested.emit(interaction)
        try:
            return await self._future
        finally:
            self._set_buttons(False)
            self._future = None

    def show_interaction(self, interaction: PendingInteraction) -> None:
        self._interaction = interaction
        client = interaction.client
        name = html.escape(str(client.get("name") or client.get("id", "?")))
        self.client_label.setText(f"<b>{name}</b><br>{html.escape(str(client.get('id', '')))}")
        self.first_party_label.setText(
            "yes: a first-party client skips consent" if interaction.first_party
            else "no: the server asks the user before sharing anything"
        )
        self._show_users(interaction)
        self._show_scopes(interaction)
        if interaction.prompt == "login":
            self.heading.setText("<b>Sign in</b>: the server asks who the user is.")
            self.allow_button.setText("Sign in")
        else:
            self.heading.setText(f"<b>Consent</b>: {name} asks for access to your data.")
            self.allow_button.setText("Allow")
        self.deny_button.setVisible(interaction.prompt == "consent")
        self.status.setText("Waiting for your decision\u2026")

    def _show_users(self, interaction: PendingInteraction) -> None:
        self.user_choice.clear()
        users = [interaction.user] if interaction.user else list(interaction.users)
        for user in users:
            label = f"{user.get('name', user.get('sub'))} ({user.get('sub')})"
            self.user_choice.addItem(label, str(user.get("sub", "")))
        self.user_choice.setEnabled(interaction.prompt == "login" and len(users) > 1)

    def _show_scopes(self, interaction: PendingInteraction) -> None:
        self.scopes.clear()
        for scope in interaction.scopes:
            item = QListWidgetItem(f"{scope.name} \u2014 {scope.description}")
            item.setData(Qt.ItemDataRole.UserRole, scope.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.scopes.addItem(item)
        self.scopes.setEnabled(interaction.prompt == "consent")
        self._fit_scopes()

    def _fit_scopes(self) -> None:
        rows = max(self.scopes.count(), 1)
        row_height = self.scopes.sizeHintForRow(0) if self.scopes.count() else 20
        self.scopes.setFixedHeight(rows * row_height + 2 * self.scopes.frameWidth() + 6)

    def scope_names(self) -> list[str]:
        return [self.scopes.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.scopes.count())]

    def set_scope_checked(self, name: str, checked: bool) -> None:
        for i in range(self.scopes.count()):
            item = self.scopes.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                item.setCheckState(state)

    def _checked_scopes(self) -> tuple[str, ...]:
        return tuple(
            self.scopes.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.scopes.count())
            if self.scopes.item(i).checkState() == Qt.CheckState.Checked
        )

    def _decision(self, *, allow: bool) -> ConsentDecision:
        user = self.user_choice.currentData() or None
        if self._interaction is not None and self._interaction.prompt == "login":
            return ConsentDecision(True, None, user)
        return ConsentDecision(allow, self._checked_scopes() if allow else None, user)

    def allow(self) -> None:
        self._resolve(self._decision(allow=True))

    def deny(self) -> None:
        self._resolve(self._decision(allow=False))

    def _resolve(self, decision: ConsentDecision) -> None:
        if self._future is not None and not self._future.done():
            self._record(decision)
            self._future.set_result(decision)

    def _record(self, decision: ConsentDecision) -> None:
        colors = theme.colors()
        if self._interaction is not None and self._interaction.prompt == "login":
            text, color = f"Signed in as {decision.user or 'the first user'}.", colors.ok
        elif decision.allow:
            granted = ", ".join(decision.scopes or ()) or "no scopes"
            text, color = f"Allowed: {granted}.", colors.ok
        else:
            text, color = "Denied: the server redirects back with error=access_denied.", \
                colors.failed
        self.status.setText(f"<span style='color:{color.name()}'>{html.escape(text)}</span>")
        self.decided.emit(decision)

    def show_skipped(self, client_name: str) -> None:
        """After a run where the server never asked for consent (a first-party client)."""
        self.heading.setText(
            f"<b>Consent skipped</b>: {html.escape(client_name)} is a first-party client "
            "(firstParty: true), so the server does not ask the user to approve scopes."
        )
        self.status.clear()

    def _set_buttons(self, enabled: bool) -> None:
        self.allow_button.setEnabled(enabled)
        self.deny_button.setEnabled(enabled)
