"""Copy as curl: one recorded request as a command line that replays it (like mitmproxy's export).

The request line, every header in its recorded order (duplicates kept) and the exact body bytes.
Headers curl computes itself (`Content-Length`) or that would make the reply unreadable on a
terminal (`Accept-Encoding`) are left out; `Host` is kept only when it differs from the URL's.
A text body goes in `--data-raw` (which never reads `@file`); a body that is not UTF-8 is piped
in with `printf` octal escapes so the bytes survive. Pure Python.
"""

from __future__ import annotations

import shlex
from urllib.parse import urlsplit

from playground.core.record.exchange import Exchange

SKIPPED = frozenset({"content-length", "accept-encoding", "connection"})


def to_curl(exchange: Exchange, *, multiline: bool = False) -> str:
    """A `curl` command line for `exchange`'s request."""
    parts = ["curl"]
    if exchange.method != "GET" or exchange.request_body:
        parts += ["-X", exchange.method]
    parts.append(shlex.quote(exchange.url))
    for name, value in exchange.request_headers:
        if _keep(name, value, exchange.url):
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    prefix = ""
    if exchange.request_body:
        try:
            # --data-raw sends the text as is and never reads `@file`.
            parts += ["--data-raw", shlex.quote(exchange.request_body.decode("utf-8"))]
        except UnicodeDecodeError:
            prefix = f"printf '{_printf_escape(exchange.request_body)}' | "
            parts += ["--data-binary", "@-"]
    joiner = " \\\n  " if multiline else " "
    return prefix + _join(parts, joiner)


def _keep(name: str, value: str, url: str) -> bool:
    lowered = name.lower()
    if lowered in SKIPPED:
        return False
    return not (lowered == "host" and value == urlsplit(url).netloc)


def _printf_escape(body: bytes) -> str:
    return "".join(f"\\{b:03o}" for b in body)


def _join(parts: list[str], joiner: str) -> str:
    """Keep each option next to its argument when breaking lines."""
    groups: list[str] = [parts[0]]
    i = 1
    while i < len(parts):
        if parts[i] in ("-X", "-H", "--data-raw", "--data-binary") and i + 1 < len(parts):
            groups.append(f"{parts[i]} {parts[i + 1]}")
            i += 2
        else:
            groups.append(parts[i])
            i += 1
    return joiner.join(groups)
