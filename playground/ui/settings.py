"""What the app remembers between launches: window geometry, splitters, last client, last scopes.

`open_settings()` uses the platform's user settings location, unless `OAUTH_PLAYGROUND_SETTINGS`
names an INI file (tests, screenshots and packaged builds point it elsewhere). The window takes a
`QSettings` object, so a test simply hands it one backed by a temporary file.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

ENV = "OAUTH_PLAYGROUND_SETTINGS"
RECENT = 8
ORGANIZATION = "oauth-playground"
APPLICATION = "OAuth Playground"


def open_settings(path: str | None = None) -> QSettings:
    path = path or os.environ.get(ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


class Remembered:
    """Typed access to the keys the app uses."""

    def __init__(self, settings: QSettings) -> None:
        self.qsettings = settings

    def _text(self, key: str) -> str:
        value = self.qsettings.value(key, "")
        return value if isinstance(value, str) else ""

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", value)

    def splitter(self, name: str) -> QByteArray | None:
        return self._bytes(f"window/splitter/{name}")

    def set_splitter(self, name: str, value: QByteArray) -> None:
        self.qsettings.setValue(f"window/splitter/{name}", value)

    @property
    def last_client(self) -> str:
        return self._text("flow/client_id")

    @last_client.setter
    def last_client(self, value: str) -> None:
        self.qsettings.setValue("flow/client_id", value)

    @property
    def last_scopes(self) -> str:
        return self._text("flow/scope")

    @last_scopes.setter
    def last_scopes(self, value: str) -> None:
        self.qsettings.setValue("flow/scope", value)

    @property
    def last_flow(self) -> str:
        return self._text("flow/name")

    @last_flow.setter
    def last_flow(self, value: str) -> None:
        self.qsettings.setValue("flow/name", value)

    @property
    def recent_sessions(self) -> list[str]:
        """Session files opened or saved, newest first (at most RECENT)."""
        return [p for p in self._text("sessions/recent").split("\n") if p]

    def add_recent_session(self, path: str) -> None:
        paths = [path, *(p for p in self.recent_sessions if p != path)][:RECENT]
        self.qsettings.setValue("sessions/recent", "\n".join(paths))

    def sync(self) -> None:
        self.qsettings.sync()
