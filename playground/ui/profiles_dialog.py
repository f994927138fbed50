"""File ▸ Provider profiles…: add, review and remove the saved providers of `flow --profile`.

A profile starts from a preset (Google, Entra ID, Auth0, Okta, Keycloak, GitLab, GitHub) whose
variables the form asks for, or from an issuer, or from the endpoints of a provider without
discovery; the client secret typed here goes to the OS keyring, never to the profiles file
(playground.core.flow.profiles). Every refusal is shown in the dialog, naming the field.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow import profiles

CUSTOM = "issuer"  # the first choice: no preset, an issuer with discovery


class ProfilesDialog(QDialog):
    changed = Signal()

    def __init__(self, store: profiles.ProfileStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Provider profiles")
        self.store = store
        self.saved = QListWidget()
        self.preset = QComboBox()
        self.preset.addItem("Issuer with discovery (no preset)", CUSTOM)
        for name, preset in profiles.PRESETS.items():
            self.preset.addItem(preset.title, name)
        self.fields = {name: QLineEdit() for name in (
            "name", "issuer", "client_id", "client_secret", "scope", "redirect_uri", "params",
            "ca_file", "variables")}
        self.fields["client_secret"].setEchoMode(QLineEdit.EchoMode.Password)
        self.fields["variables"].setPlaceholderText("tenant=contoso, domain=…, realm=…")
        self.fields["params"].setPlaceholderText("audience=https://api.example, prompt=consent")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save profile")
        self.remove_button = QPushButton("Remove selected")
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.remove)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self._layout()
        self.refresh()
        self._preset_changed()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Provider:", self.preset)
        labels = {"name": "Profile name:", "variables": "Preset values:", "issuer": "Issuer:",
                  "client_id": "Client ID:", "client_secret": "Client secret (keyring):",
                  "scope": "Scope:", "redirect_uri": "Redirect URI:",
                  "params": "Extra parameters:", "ca_file": "CA file (PEM):"}
        for name, label in labels.items():
            form.addRow(label, self.fields[name])
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Saved in {self.store.path}; secrets in the OS keyring."))
        layout.addWidget(self.saved)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(640, 560)

    def _preset_changed(self) -> None:
        preset = profiles.PRESETS.get(str(self.preset.currentData()))
        self.fields["issuer"].setEnabled(preset is None)
        self.fields["variables"].setEnabled(bool(preset and preset.variables))
        self.message.setText(f"{preset.title}: {preset.note}" if preset and preset.note else "")

    def refresh(self) -> None:
        self.saved.clear()
        try:
            for profile in self.store.load().values():
                where = profile.issuer or profile.endpoints.get("authorization_endpoint", "")
                self.saved.addItem(f"{profile.name}  —  {where}  (client {profile.client_id})")
        except profiles.ProfileError as exc:
            self.message.setText(f"\u2718 {exc}")

    def _text(self, name: str) -> str:
        return self.fields[name].text().strip()

    def _pairs(self, name: str) -> list[tuple[str, str]]:
        pairs = []
        for item in filter(None, (p.strip() for p in self._text(name).split(","))):
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise profiles.ProfileError(f"{name}: write NAME=VALUE, not {item!r}")
            pairs.append((key.strip(), value.strip()))
        return pairs

    def build(self) -> profiles.Profile:
        redirect, ca_file = self._text("redirect_uri") or None, self._text("ca_file") or None
        params, scope = self._pairs("params"), self._text("scope") or None
        preset = str(self.preset.currentData())
        if preset != CUSTOM:
            return profiles.from_preset(self._text("name"), preset, dict(self._pairs("variables")),
                                        self._text("client_id"), scope=scope,
                                        redirect_uri=redirect, ca_file=ca_file, params=params)
        return profiles.check(profiles.Profile(
            name=self._text("name"), client_id=self._text("client_id"),
            issuer=self._text("issuer") or None, scope=scope or "openid profile email",
            redirect_uri=redirect, ca_file=ca_file, params=params))

    def save(self) -> bool:
        try:
            profile = self.build()
            if self._text("client_secret"):
                profiles.store_secret(profile.name, self._text("client_secret"))
            self.store.save(profile)
        except profiles.ProfileError as exc:
            self.message.setText(f"\u2718 {exc}")
            return False
        self.fields["client_secret"].clear()
        self.message.setText(f"\u2714 Saved {profile.name}: pick it in the discovery step.")
        self.refresh()
        self.changed.emit()
        return True

    def remove(self) -> None:
        row = self.saved.currentRow()
        names = list(self.store.load())
        if 0 <= row < len(names):
            self.store.remove(names[row])
            with contextlib.suppress(profiles.ProfileError):  # no keyring: nothing stored
                profiles.forget_secret(names[row])
            self.message.setText(f"Removed {names[row]}.")
            self.refresh()
            self.changed.emit()
