"""What the hardening costs the server per token request, against plain client credentials.

One embedded server (signing in its own thread), one keep-alive client over loopback; rounds of
four kinds of client_credentials request, interleaved so drift hits them alike:

- `basic`: client_secret_basic (the reference);
- `dpop`: the same with a fresh ES256 DPoP proof (RFC 9449 §4.3 checks, `cnf.jkt`);
- `secret_jwt`: client_secret_jwt (an HS256 assertion, RFC 7523 §3 checks, jti stored);
- `private_key_jwt`: an ES256 assertion checked with the client's registered key.

The client's own signing is done before the clock starts; each figure is the median server
round trip in ms and its ratio to `basic`. Usage: .venv/bin/python benchmarks/hardening_cost.py
[--rounds N]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from collections.abc import Callable

import httpx
import jwt as pyjwt

from playground.core.jose import jwk
from playground.server import EmbeddedServer, ServerConfig
from playground.server.clients import client_from_dict, default_clients

SERVICE = ("playground-service", "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3")
JWT_ID, JWT_SECRET = "playground-jwt", "jwt-secret-5f1e9c3a7d2b4e6f8a0c1b3d5e7f9a2c4b6d8e0f"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
Request = Callable[[], tuple[dict[str, str], dict[str, str], tuple[str, str] | None]]


def _assertion(client_id: str, key: object, alg: str, aud: str, kid: str | None) -> str:
    now = int(time.time())
    return pyjwt.encode({"iss": client_id, "sub": client_id, "aud": aud, "iat": now,
                         "exp": now + 60, "jti": secrets.token_urlsafe(12)}, key, algorithm=alg,
                        headers={"kid": kid} if kid else None)


def kinds(issuer: str, key: jwk.SigningJwk) -> dict[str, Request]:
    token = f"{issuer}/oauth2/token"
    cc = {"grant_type": "client_credentials", "scope": "api:read"}

    def dpop() -> tuple[dict[str, str], dict[str, str], tuple[str, str] | None]:
        proof_key = jwk.generate("ES256")
        proof = pyjwt.encode({"jti": secrets.token_urlsafe(12), "htm": "POST", "htu": token,
                              "iat": int(time.time())}, proof_key.key, algorithm="ES256",
                             headers={"typ": "dpop+jwt",
                                      "jwk": jwk.public_members(proof_key.key)})
        return cc, {"DPoP": proof}, SERVICE

    def assertion(client_id: str, signer: object, alg: str, kid: str | None) -> Request:
        return lambda: ({**cc, "client_id": client_id, "client_assertion_type": ASSERTION_TYPE,
                         "client_assertion": _assertion(client_id, signer, alg, issuer, kid)},
                        {}, None)

    return {"basic": lambda: (cc, {}, SERVICE), "dpop": dpop,
            "secret_jwt": assertion(JWT_ID, JWT_SECRET.encode(), "HS256", None),
            "private_key_jwt": assertion("bench-pkjwt", key.key, "ES256", key.kid)}


def main(rounds: int) -> None:
    key = jwk.generate("ES256")
    clients = [*default_clients(), client_from_dict({
        "id": "bench-pkjwt", "redirect": [], "firstParty": False,
        "grantTypes": ["client_credentials"], "responseTypes": [], "responseModes": [],
        "authMethods": ["private_key_jwt"], "scopes": ["api:read"], "jwks": key.jwks})]
    timings: dict[str, list[float]] = {}
    with EmbeddedServer(ServerConfig(clients=clients, signers=0)) as server, \
            httpx.Client(timeout=10) as http:
        table = kinds(server.issuer, key)
        for _ in range(rounds):
            for name, build in table.items():
                data, headers, auth = build()
                started = time.perf_counter()
                answer = http.post(f"{server.issuer}/oauth2/token", data=data, headers=headers,
                                   auth=auth)
                elapsed = time.perf_counter() - started
                if answer.status_code != 200:
                    raise SystemExit(f"{name}: {answer.status_code} {answer.text}")
                timings.setdefault(name, []).append(elapsed * 1000)
    base = statistics.median(timings["basic"])
    print(f"{'kind':<16} {'median ms':>10} {'ratio':>7}   ({rounds} rounds, interleaved)")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:<16} {median:>10.2f} {median / base:>7.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    main(parser.parse_args().rounds)
