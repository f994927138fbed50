"""A signing helper process of `ProcessSigner` (playground.server.signing_helpers).

Reads, on stdin, one JSON line with the private keys (`[[kid, alg, PKCS#8 PEM], ...]`), then one
`SigningRequest` line per token response; writes one line per request on stdout, in order:
`[access_token, id_token or null]`, or `{"error": ...}` for a request it cannot sign. Exits at
the end of its input (the server closed the pipe or died). Ctrl-C in the terminal reaches the
whole process group: the helper ignores it and waits for the server to close the pipe.
"""

from __future__ import annotations

import json
import signal
import sys
from typing import BinaryIO

from cryptography.hazmat.primitives.serialization import load_pem_private_key

from playground.server.keys import PrivateKey
from playground.server.signing import SigningRequest, sign_request


def _load_keys(line: bytes) -> dict[str, tuple[str, PrivateKey]]:
    keys: dict[str, tuple[str, PrivateKey]] = {}
    for kid, alg, pem in json.loads(line):
        key = load_pem_private_key(pem.encode("ascii"), password=None)
        assert isinstance(key, PrivateKey)
        keys[kid] = (alg, key)
    return keys


def _answer(keys: dict[str, tuple[str, PrivateKey]], line: bytes) -> bytes:
    try:
        answer: object = list(sign_request(keys, SigningRequest.from_line(line)))
    except Exception as exc:  # a bad request must not take the helper down
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    return json.dumps(answer, separators=(",", ":")).encode("ascii") + b"\n"


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    keys = _load_keys(stdin.readline())
    for line in stdin:
        stdout.write(_answer(keys, line))
        stdout.flush()


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (BrokenPipeError, ValueError):  # the server went away mid-answer, or sent no keys
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
