"""Which TLS certificates the client trusts: the system's, plus a CA file the user gives.

The operating system's trust store (`truststore`: the platform verifier on Windows and macOS,
the system CA bundle on Linux), so a provider behind a company CA the system trusts works as in
the browser; plus `ca_file` (PEM), for a provider on a private CA or a self-signed development
certificate. A refused certificate becomes one line naming the host and what is wrong with it
(RFC 9110 §4.3.4: the client must verify the server's identity), with the remedy.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import truststore

from playground.core.flowerrors import FlowError


class TrustError(FlowError):
    """The CA file cannot be used."""


def context(ca_file: str | None = None) -> ssl.SSLContext:
    """The system trust store, plus the certificates in `ca_file`."""
    trusted = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file:
        try:
            trusted.load_verify_locations(cafile=str(Path(ca_file).expanduser()))
        except (OSError, ssl.SSLError) as exc:
            raise TrustError(f"the CA file {ca_file} cannot be used: "
                             f"{getattr(exc, 'strerror', None) or exc}; give a PEM file of "
                             "CA certificates", rfc="RFC 9110 §4.3.4") from None
    return trusted


def certificate_problem(text: str) -> str | None:
    """The reason in a TLS failure's text, worded for the user; None if it is no TLS failure."""
    if "CERTIFICATE_VERIFY_FAILED" not in text and "certificate verify failed" not in text:
        return None
    reason = text.split("certificate verify failed:")[-1].split("(_ssl")[0].strip(" :)")
    return (f"the server's TLS certificate is not trusted ({reason or 'verification failed'}); "
            "if it is a private or self-signed CA, give its certificate with --ca-file FILE")
