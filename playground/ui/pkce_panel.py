"""The PKCE step shown as the math: verifier → ASCII bytes → SHA-256 (hex) → base64url challenge.

RFC 7636 §4.1 (verifier grammar), §4.2 (S256 and plain). The verifier is editable (a learner can
paste the RFC's Appendix B value), Regenerate draws a new one from the CSPRNG, and the method
choice switches between S256 and plain. Emits `changed(verifier, method)` when valid.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from playground.core.protocol import pkce
from playground.ui import theme


def _value_label() -> QLabel:
    label = QLabel()
    label.setFont(theme.monospace())
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class PkcePanel(QWidget):
    changed = Signal(str, str)  # verifier, method

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verifier = QLineEdit()
        self.verifier.setFont(theme.monospace())
        self.length = QSpinBox(minimum=pkce.MIN_LENGTH, maximum=pkce.MAX_LENGTH, value=64)
        self.length.setToolTip("Verifier length, 43-128 characters (RFC 7636 §4.1)")
        self.regenerate_button = QPushButton("Regenerate")
        self.method = QComboBox()
        self.method.addItems(list(pkce.METHODS))
        self.digest = _value_label()
        self.challenge = _value_label()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self._layout()
        self.verifier.textEdited.connect(lambda _text: self._update(emit=True))
        self.method.currentTextChanged.connect(lambda _text: self._update(emit=True))
        self.regenerate_button.clicked.connect(self.regenerate)

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.verifier, 1)
        row.addWidget(QLabel("length"))
        row.addWidget(self.length)
        row.addWidget(self.regenerate_button)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("code_verifier:", row)
        form.addRow("method:", self.method)
        form.addRow("SHA-256 (hex):", self.digest)
        form.addRow("code_challenge:", self.challenge)
        form.addRow("", self.message)

    def show_values(self, verifier: str, method: str) -> None:
        """Show what the session holds (no `changed` signal)."""
        self.verifier.setText(verifier)
        self.method.blockSignals(True)
        self.method.setCurrentText(method if method in pkce.METHODS else "S256")
        self.method.blockSignals(False)
        self._update(emit=False)

    def regenerate(self) -> None:
        self.verifier.setText(pkce.generate_verifier(self.length.value()))
        self._update(emit=True)

    def _update(self, *, emit: bool) -> None:
        verifier, method = self.verifier.text().strip(), self.method.currentText()
        colors = theme.colors()
        if not verifier:
            self.digest.clear()
            self.challenge.clear()
            self.message.setText("The flow generates a verifier when this step runs.")
            return
        if not pkce.is_valid_verifier(verifier):
            self.digest.clear()
            self.challenge.clear()
            self.message.setText(
                f"<span style='color:{colors.failed.name()}'>Not a valid code_verifier: RFC 7636 "
                f"§4.1 wants 43-128 characters from A-Z a-z 0-9 - . _ ~ (this one has "
                f"{len(verifier)}).</span>"
            )
            return
        derivation = pkce.derive(verifier, method)  # type: ignore[arg-type]
        self.digest.setText(
            derivation.digest_hex or "(plain: no hash, the challenge is the verifier)")
        self.challenge.setText(derivation.challenge)
        note = ("BASE64URL(SHA256(ASCII(verifier))), no padding (RFC 7636 §4.2)" if method == "S256"
                else "plain sends the verifier itself: only for clients that cannot hash (§4.2)")
        self.message.setText(note)
        if emit:
            self.changed.emit(verifier, method)
