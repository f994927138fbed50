"""The desktop integration files in packaging/: what a software centre and a menu read."""

from __future__ import annotations

import configparser
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "dev.oauthplayground.OAuthPlayground"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(ROOT / "packaging" / f"{APP_ID}.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_launches_the_console_script_in_the_issue_categories() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "oauth-playground"
    assert entry["Categories"] == "Development;Network;Qt;"
    assert entry["Icon"] == APP_ID


def test_metainfo_names_the_desktop_file_and_the_current_release() -> None:
    root = ET.parse(ROOT / "packaging" / f"{APP_ID}.metainfo.xml").getroot()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"  # type: ignore[union-attr]
    assert [c.text for c in root.iter("category")] == ["Development", "Network", "Qt"]
    releases = [r.get("version") for r in root.iter("release")]
    assert releases and releases[0] == version, "add a <release> for the pyproject version"
