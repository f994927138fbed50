"""Set-up for the mock comparison: the other servers are installed here, never as project deps.

- The two Python mocks go into a scratch venv, `benchmarks/mocks/.venv` (gitignored). Current
  oidc-provider-mock needs Python >= 3.12, so the venv is made with the first interpreter >= 3.12
  found (PATH, then pyenv's versions); with none, with this interpreter and the last release that
  supports it (the marker in `PIP_REQUIREMENTS` picks it).
- node oauth2-mock-server: `npm install` in `benchmarks/mocks/` (package.json pins a release that
  runs on node 20; `node_modules` gitignored).
- `compileall` on every package the servers import: this machine sets PYTHONDONTWRITEBYTECODE=1,
  so without it each spawn of a Python server would recompile its imports and the start-up figure
  would measure the compiler.

Each function answers None when the tool is ready, or the reason it cannot be run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV = HERE / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
WORK = HERE / ".work"

PIP_REQUIREMENTS = {
    "oidc-provider-mock": ['oidc-provider-mock==0.4.8; python_version >= "3.12"',
                           'oidc-provider-mock==0.3.4; python_version < "3.12"'],
    "nanoidp": ["nanoidp==3.4.0"],
}
NPM_PACKAGE = "oauth2-mock-server"


def _run(command: list[str], timeout: float = 600, cwd: Path = HERE) -> tuple[bool, str]:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if done.returncode == 0:
        return True, done.stdout.strip()
    lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
    errors = [ln for ln in lines if "ERROR" in ln or "ERR!" in ln] or lines
    return False, errors[-1] if errors else f"exit {done.returncode}"


def _version_of(python: str) -> tuple[int, int] | None:
    ok, out = _run([python, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                   timeout=30)
    if not ok:
        return None
    major, minor = out.split()[-2:]
    return int(major), int(minor)


def _interpreter() -> str:
    """The first Python >= 3.12 here, else the one running this script."""
    names = [shutil.which(n) for n in ("python3.13", "python3.12")]
    pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python3")))
    for candidate in [n for n in names if n] + pyenv:
        version = _version_of(candidate)
        if version and version >= (3, 12):
            return candidate
    return sys.executable


def _installed_version(package: str) -> str | None:
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    ok, out = _run([str(VENV_PYTHON), "-c", code], timeout=60)
    return out.strip() if ok else None


def python_mock(package: str) -> str | None:
    """Make the scratch venv if needed and install `package` in it; None or why not."""
    if not VENV_PYTHON.exists():
        ok, out = _run([_interpreter(), "-m", "venv", str(VENV)], timeout=120)
        if not ok:
            return f"could not create {VENV.name}: {out}"
    if _installed_version(package) is None:
        ok, out = _run([str(VENV_PYTHON), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", *PIP_REQUIREMENTS[package]])
        if not ok:
            return f"pip install {package} failed: {out}"
    return None


def python_mock_version(package: str) -> str:
    version = _installed_version(package) or "?"
    python = _version_of(str(VENV_PYTHON)) if VENV_PYTHON.exists() else None
    return f"{version} (Python {python[0]}.{python[1]})" if python else version


def node_mock() -> str | None:
    """`npm install` oauth2-mock-server here if needed; None or why not."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (HERE / "node_modules" / NPM_PACKAGE / "package.json").exists():
        if shutil.which("npm") is None:
            return "npm is not installed"
        ok, out = _run(["npm", "install", "--no-audit", "--no-fund"])
        if not ok:
            return f"npm install failed: {out}"
    return None


def node_mock_version() -> str:
    import json

    meta = HERE / "node_modules" / NPM_PACKAGE / "package.json"
    version = json.loads(meta.read_text())["version"] if meta.exists() else "?"
    ok, node = _run(["node", "--version"], timeout=30)
    return f"{version} (node {node.strip()})" if ok else version


def compile_python() -> None:
    """Byte-compile the packages both Python interpreters import (quiet, up-to-date files are
    skipped, so this is quick after the first run)."""
    project_site = [p for p in sys.path if p.endswith("site-packages")]
    _run([sys.executable, "-m", "compileall", "-q", "-j", "2",
          str(ROOT / "playground"), *project_site], timeout=600)
    if VENV_PYTHON.exists():
        code = "import site; print(' '.join(site.getsitepackages()))"
        ok, sites = _run([str(VENV_PYTHON), "-c", code], timeout=60)
        if ok:
            _run([str(VENV_PYTHON), "-m", "compileall", "-q", "-j", "2", *sites.split()],
                 timeout=600)
